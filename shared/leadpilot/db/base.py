"""Base models for LeadPilot's two tables, and binding them to the deployed table names.

Both tables share one key shape: PK/SK strings plus a sparse GSI1 (GSI1PK/GSI1SK) and a TTL
attribute `expires_at`. Entities are subclasses told apart by the `kind` discriminator, so one
BatchGet or Query can return several entity types as their own classes.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import botocore.session
import pynamodb.connection.base as pynamodb_connection
from botocore.loaders import create_loader
from pynamodb.attributes import DiscriminatorAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from leadpilot.settings import Settings

_LOADER = create_loader()


def _session_sharing_models() -> botocore.session.Session:
    """A botocore session for a pynamodb connection that reads the service models through one loader per process.

    pynamodb opens a session per model class and per thread, and each new session would read and parse the
    DynamoDB model and the endpoint rules again (about a tenth of a second of CPU each): on a Lambda cold start
    that touches a dozen entity types, or a local cloud's worker threads, that adds up to seconds."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _LOADER)
    return session


pynamodb_connection.get_session = _session_sharing_models  # pynamodb looks it up at each new session


class Gsi1(GlobalSecondaryIndex[Any]):
    """GSI1: the secondary lookup of each entity (documented on the entity)."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


_MAX_IN_OPERANDS = 100  # DynamoDB's limit on the operands of one IN


class KindAttribute(DiscriminatorAttribute):
    """The `kind` discriminator. pynamodb filters every query and scan of a model on `kind IN (the model's kinds)`;
    a table's base model (CrmModel, IdentityModel: "any item of these keys") has every kind as one of its own, more
    than DynamoDB's IN takes once enough capabilities are loaded in one process (moto does not check it; DynamoDB
    Local and AWS refuse the request). There the IN of every kind is asked as "has a kind", the same answer."""

    def is_in(self, *values: Any) -> Any:
        if len(values) > _MAX_IN_OPERANDS and any(set(values) == set(self.get_registered_subclasses(base))
                                                  for base in (CrmModel, IdentityModel)):
            return self.exists()  # every item has a kind: the same answer as the IN of every kind
        return super().is_in(*values)


class TableModel(Model):
    """The key shape both tables share: PK/SK, the sparse GSI1, the `kind` discriminator and TTL `expires_at`.
    Not bound to a table itself: IdentityModel and CrmModel are, and entities subclass one of those."""

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    kind = KindAttribute()
    expires_at = NumberAttribute(null=True)
    gsi1 = Gsi1()


class IdentityModel(TableModel):
    """Base of every item in the identity table (workspaces, users, sessions, keys, invites)."""

    class Meta:
        table_name = "unbound-identity"


class CrmModel(TableModel):
    """Base of every item in the CRM table (contacts, claims, activity, stats)."""

    class Meta:
        table_name = "unbound-crm"


_bound: tuple[str, str, str] | None = None


def bind_tables(settings: Settings) -> None:
    """Point the models at the deployed tables (called once by each repository factory)."""
    global _bound
    key = (settings.identity_table, settings.crm_table, settings.region)
    if _bound == key:
        return
    for model, name in ((IdentityModel, settings.identity_table), (CrmModel, settings.crm_table)):
        model.Meta.table_name = name
        model.Meta.region = settings.region  # type: ignore[union-attr]
    _bound = key


@lru_cache(maxsize=4)
def _connection(region: str) -> Connection:
    return Connection(region=region)


def transaction(settings: Settings) -> TransactWrite:
    """A TransactWrite on a connection reused across calls (a new botocore client costs ~100 ms)."""
    return TransactWrite(connection=_connection(settings.region))


def sk_begins_with(attribute: Any, prefix: str) -> Any:
    """A key condition for the sort keys that begin with `prefix`, as `BETWEEN prefix AND <next prefix>`.

    DynamoDB serves begins_with and BETWEEN alike from the sort key's order; DynamoDB Local (the local cloud's
    database) walks the whole partition for begins_with (0.4 s for 122 names among a 150,000-item partition)
    and reads only the range for BETWEEN (30 ms). The range also holds the one key equal to its upper bound,
    which no key of ours is (each ends with an id after the prefix); callers that must be exact drop it with
    `str.startswith`."""
    upper = _next_prefix(prefix)
    return attribute.startswith(prefix) if upper is None else attribute.between(prefix, upper)


def _next_prefix(prefix: str) -> str | None:
    """The smallest string above every string that begins with `prefix` (code point order, which is UTF-8
    byte order, DynamoDB's); None when there is none (empty, or only U+10FFFF)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if last == 0xD800:  # surrogates are not characters: the next one is U+E000
            last = 0xE000
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None
