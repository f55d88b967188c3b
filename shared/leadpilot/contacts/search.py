"""Contact search without a table scan (design and costs: docs/adr/0005-contact-search.md).

Two plans, both bounded per request:
* candidates: when `q` is given (prefix index items) or a tag filter names a tag carried by at most
  MAX_CANDIDATES contacts (tag index), the matching ids are read from index partitions, the contacts
  fetched with BatchGetItem, filtered, sorted in memory and paged by a cursor on the sort key;
* walk: otherwise the contacts are read in the requested order (the contact partition for created_at,
  a sort-index partition for the other orders) and filtered, stopping when the page is full or
  EVAL_BUDGET contacts were examined; the cursor continues the walk, so a page may hold fewer than
  `limit` contacts while `next_cursor` is not null (as DynamoDB's own filtered Query does).
"""
from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from leadpilot.api.request import load_schema, validate
from leadpilot.contacts import config, fields, store
from leadpilot.contacts.entities import Contact
from leadpilot.contacts.filters import ContactFilter
from leadpilot.contacts.indexes import INDEXED_SORTS, SORTS, digits, fold, index_pk, sort_key, tag_pk
from leadpilot.contacts.models import TagItem
from leadpilot.contacts.service import visible
from leadpilot.errors import ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.ids import is_valid_id

MAX_CANDIDATES = 1000
EVAL_BUDGET = 1000
WALK_PAGE = 100
_PHONE_QUERY = re.compile(r"^\+?[\d\s().-]+$")
# ASCII decimal notation only: float() also takes "nan", "inf", "1e999" and other scripts' digits.
_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")
_LIST_PARAMS = {"tags_all": ("tags", "all"), "tags_any": ("tags", "any"), "tags_none": ("tags", "none")}
_RANGES = {"created_from": ("created_at", "from"), "created_to": ("created_at", "to"),
           "activity_from": ("last_activity_at", "from"), "activity_to": ("last_activity_at", "to")}


def check_filter(data: dict[str, Any], where: str = "") -> None:
    """Validate a filter dict against schemas/contact_filter.json; fields are named under `where`."""
    try:
        validate(data, load_schema("leadpilot.contacts", "contact_filter"))
    except ValidationFailed as exc:
        errors = [{**e, "field": f"{where}{e['field']}".rstrip("/") if e["field"] != "(body)" else where.rstrip("/")
                   or "(body)"} for e in exc.details["errors"]]
        raise ValidationFailed(f"{errors[0]['field']}: {errors[0]['message']}", {"errors": errors}) from exc


def parse_sort(raw: str | None, default: str = "-created_at") -> tuple[str, bool]:
    """'score' or '-score' -> (field, descending)."""
    value = raw or default
    name = value.lstrip("-")
    if name not in SORTS:
        raise ValidationFailed.field("sort", f"must be one of {', '.join(SORTS)}, optionally prefixed with '-'")
    return name, value.startswith("-")


def _int(params: dict[str, str], name: str) -> int:
    if not re.fullmatch(r"-?[0-9]{1,9}", params[name]):  # \d would also take other scripts' digits
        raise ValidationFailed.field(name, "must be an integer")
    return int(params[name])


def _typed(definition: fields.FieldDefinition | None, op: str, text: str, name: str) -> Any:
    """A custom-field condition value from a query string, typed like the field."""
    if op == "in":
        return [v for v in text.split(",") if v]
    kind = definition.type if definition else "text"
    if kind == "number":
        if not _NUMBER.fullmatch(text):
            raise ValidationFailed.field(name, "must be a number")
        return float(text)
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValidationFailed.field(name, "must be true or false")
        return text == "true"
    return text


def filter_from_query(params: dict[str, str], definitions: dict[str, fields.FieldDefinition]) -> dict[str, Any]:
    """Query parameters -> a filter dict: q, tags_all/any/none and source (comma separated), score_min/max,
    created_from/to, activity_from/to, do_not_contact, owner_id, and cf.<key>=<op>:<value>."""
    out: dict[str, Any] = {}
    if params.get("q"):
        out["q"] = params["q"]
    for name, (group, part) in _LIST_PARAMS.items():
        if params.get(name):
            out.setdefault(group, {})[part] = [t for t in params[name].split(",") if t.strip()]
    if params.get("source"):
        out["source"] = [s for s in params["source"].split(",") if s.strip()]
    for name, bound in (("score_min", "min"), ("score_max", "max")):
        if params.get(name):
            out.setdefault("score", {})[bound] = _int(params, name)
    for name, (group, part) in _RANGES.items():
        if params.get(name):
            out.setdefault(group, {})[part] = params[name]
    if "do_not_contact" in params:
        if params["do_not_contact"] not in ("true", "false"):
            raise ValidationFailed.field("do_not_contact", "must be true or false")
        out["do_not_contact"] = params["do_not_contact"] == "true"
    if params.get("owner_id"):
        out["owner_id"] = params["owner_id"]
    for name in sorted(p for p in params if p.startswith("cf.")):
        op, _, text = params[name].partition(":")
        key = name[3:]
        cond: dict[str, Any] = {"key": key, "op": op}
        if op not in ("exists", "not_exists"):
            cond["value"] = _typed(definitions.get(key), op, text, name)
        out.setdefault("custom_fields", []).append(cond)
    return out


def encode_cursor(sort: str, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"s": sort, "k": key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, sort: str) -> str | None:
    """The sort key a page continues after. It only positions a walk inside the caller's own partitions."""
    if cursor is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = data["k"]
        ok = data["s"] == sort and isinstance(key, str) and len(key) < 1100 and is_valid_id(key[-26:])
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise ValidationFailed.field("cursor", "is not a cursor returned by this search") from exc
    if not ok:
        raise ValidationFailed.field("cursor", "is not a cursor returned by this search")
    return str(key)


def _prefix_ids(workspace_id: str, q: str) -> set[str]:
    targets = [("name", fold(q)), ("email", q.strip().lower()), ("company", fold(q))]
    if _PHONE_QUERY.match(q) and digits(q):
        targets = [("phone", digits(q))]
    ids: set[str] = set()
    for field, prefix in targets:
        for raw in store.raw_query(index_pk(workspace_id, "IDX", field), prefix, page_size=MAX_CANDIDATES + 1):
            ids.add(raw["contact_id"]["S"])
            if len(ids) > MAX_CANDIDATES:
                raise ValidationFailed.field("q", f"matches more than {MAX_CANDIDATES} contacts; type more of it")
    return ids


def _tag_ids(workspace_id: str, tags: tuple[str, ...], any_of: bool) -> set[str] | None:
    """Ids of the contacts carrying the tag(s), when that set is small enough to be the candidates."""
    keys = [(store.tags_pk(workspace_id), f"TAG#{t}") for t in tags]
    counts = {i.tag: int(i.total or 0) for i in TagItem.batch_get(keys)}
    chosen = list(tags) if any_of else [min(tags, key=lambda t: counts.get(t, 0))]
    if sum(max(counts.get(t, 0), 0) for t in chosen) > MAX_CANDIDATES:
        return None
    ids: set[str] = set()
    for tag in chosen:
        entries = store.raw_query(tag_pk(workspace_id, tag), "CONTACT#", page_size=MAX_CANDIDATES + 1)
        ids |= {raw["contact_id"]["S"] for raw in itertools.islice(entries, MAX_CANDIDATES + 1)}
    return ids if len(ids) <= MAX_CANDIDATES else None


def _candidates(workspace_id: str, flt: ContactFilter) -> set[str] | None:
    if flt.q:
        return _prefix_ids(workspace_id, flt.q)
    if flt.tags_all:
        return _tag_ids(workspace_id, flt.tags_all, any_of=False)
    if flt.tags_any:
        return _tag_ids(workspace_id, flt.tags_any, any_of=True)
    return None


def _after(key: str, cursor: str | None, desc: bool) -> bool:
    return cursor is None or (key < cursor if desc else key > cursor)


def _from_candidates(ws: str, ids: set[str], flt: ContactFilter, keep: Callable[[Contact], Contact], sort: str,
                     desc: bool, limit: int, cursor: str | None) -> tuple[list[Contact], str | None]:
    found = [c for c in map(keep, store.batch_get(ws, ids).values()) if flt.matches(c)]
    found.sort(key=lambda c: sort_key(c, sort), reverse=desc)
    rest = [c for c in found if _after(sort_key(c, sort), cursor, desc)]
    return rest[:limit], sort_key(rest[limit - 1], sort) if len(rest) > limit else None


def _walk_created(ws: str, desc: bool, cursor: str | None) -> Iterator[list[tuple[str, Contact | None]]]:
    after = f"CONTACT#{cursor[-26:]}" if cursor else None
    batch: list[tuple[str, Contact | None]] = []
    for raw in store.raw_query(store.contacts_pk(ws), "CONTACT#", after_sk=after, descending=desc,
                               page_size=WALK_PAGE):
        contact = store.from_raw(raw)
        batch.append((f"#{contact.id}", contact))
        if len(batch) == WALK_PAGE:
            yield batch
            batch = []
    if batch:
        yield batch


def _walk_index(ws: str, sort: str, desc: bool, cursor: str | None) -> Iterator[list[tuple[str, Contact | None]]]:
    keys: list[tuple[str, str]] = []
    for raw in store.raw_query(index_pk(ws, "SORT", sort), None, after_sk=cursor, descending=desc,
                               page_size=WALK_PAGE):
        keys.append((raw["SK"]["S"], raw["contact_id"]["S"]))
        if len(keys) == WALK_PAGE:
            yield _fetch(ws, keys)
            keys = []
    if keys:
        yield _fetch(ws, keys)


def _fetch(ws: str, keys: list[tuple[str, str]]) -> list[tuple[str, Contact | None]]:
    contacts = store.batch_get(ws, [cid for _, cid in keys])
    return [(sk, contacts.get(cid)) for sk, cid in keys]


def _walk(ws: str, flt: ContactFilter, keep: Callable[[Contact], Contact], sort: str, desc: bool, limit: int,
          cursor: str | None) -> tuple[list[Contact], str | None]:
    """Contacts in sort order from the position `cursor`; returns the page and the key to continue after."""
    walk = _walk_created(ws, desc, cursor) if sort not in INDEXED_SORTS else _walk_index(ws, sort, desc, cursor)
    found: list[Contact] = []
    evaluated, last = 0, cursor
    for batch in walk:
        for key, stored in batch:
            contact = keep(stored) if stored is not None else None
            if contact is not None and flt.matches(contact):
                found.append(contact)
                if len(found) == limit:
                    return found, key
            evaluated, last = evaluated + 1, key
        if evaluated >= EVAL_BUDGET:
            return found, last
    return found, None


def search(identity: Identity, flt: ContactFilter, sort_param: str | None, limit: int, cursor: str | None
           ) -> tuple[list[Contact], str | None]:
    """One page of the contacts matching `flt`, in the requested order."""
    ws = identity.workspace_id
    sort, desc = parse_sort(sort_param)
    tag = f"{sort}:{int(desc)}"
    after = decode_cursor(cursor, tag)
    definitions = config.for_identity(identity).definitions

    def keep(contact: Contact) -> Contact:
        return visible(contact, definitions)

    ids = _candidates(ws, flt)
    if ids is not None:
        items, key = _from_candidates(ws, ids, flt, keep, sort, desc, limit, after)
    else:
        items, key = _walk(ws, flt, keep, sort, desc, limit, after)
    return items, encode_cursor(tag, key) if key else None


def search_query(identity: Identity, params: dict[str, str], limit: int) -> tuple[list[Contact], str | None]:
    """GET /contacts/search: the filter from query parameters."""
    definitions = config.for_identity(identity).definitions
    data = filter_from_query(params, definitions)
    check_filter(data)
    return search(identity, ContactFilter.from_dict(data, definitions), params.get("sort"), limit,
                  params.get("cursor"))
