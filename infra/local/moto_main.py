"""moto's server, with its DynamoDB made safe for concurrent clients.

moto 5.2's DynamoDB backend is not thread-safe, while its server answers requests on many
threads: concurrent TransactWriteItems fail with "dictionary changed size during iteration", and a
cancelled transaction rolls back by restoring a deep copy of each *whole table* taken before it ran,
silently discarding other clients' writes made meanwhile (and costing a full table copy per
transaction). Real DynamoDB has none of these problems, so the local cloud fixes them here, in the
server process, rather than bending application code:

* every DynamoDB backend operation runs under one re-entrant lock (item operations are atomic, as
  in DynamoDB; a server on one process gains nothing from parallel Python anyway);
* a transaction backs up only the items it touches and restores just those when it is cancelled;
* a Query of the base table reads the queried partition, not a sort of the whole table (moto 5.2
  answers every Query with Table.all_items(), ~2 s per call at 40,000 items);
* the sorted item list behind GSI queries and scans is kept until the table's items change, instead of
  being re-sorted on every call (at 65,000 items one outbox query held the server for over a minute);
* the answers of item operations (GetItem, Query, BatchGetItem…), already plain JSON values, are written
  with json.dumps instead of moto 5.2's walk of the botocore output shape (about 4 ms per call, an eighth of
  the CPU of an integration test).

An UpdateExpression is parsed once per text (patch_update_expressions) instead of twice per UpdateItem.

Its EventBridge parses each target's input paths once (patch_events) instead of building a JSONPath parser
for every path of every event delivered, and every request is spared two costs of moto's dispatch that do not
depend on the request (patch_dispatch).

When LEADPILOT_MOTO_STATE names a folder, its SQS messages are journaled there (infra.local.sqs_journal) and
its S3 objects mirrored there (infra.local.s3_files), so that queued work survives a crash. Its Step
Functions behave more like AWS's too: each retry of a callback task gets its own task token, an execution's end
is reported on the default event bus as a status-change event, and each definition is parsed once
(patch_stepfunctions); a long Wait state holds no thread and survives a restart (infra.local.sfn_waits).

Run: python -m infra.local.moto_main -H 127.0.0.1 -p 5000 (same arguments as `python -m moto.server`).
"""
from __future__ import annotations

import base64
import copy
import functools
import importlib
import importlib.util
import json
import logging
import operator
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any


class FairRLock:
    """A re-entrant lock granted in arrival order. threading.RLock lets a busy writer re-acquire it at once,
    so under a bulk import a single GetItem from another client could wait for minutes."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._next_ticket = 0
        self._serving = 0

    def __enter__(self) -> FairRLock:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return self
            ticket = self._next_ticket
            self._next_ticket += 1
            while self._owner is not None or self._serving != ticket:
                self._cond.wait()
            self._owner, self._depth = me, 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._serving += 1
                self._cond.notify_all()


LOCK = FairRLock()


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with LOCK:
            return method(*args, **kwargs)

    return wrapper


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any] | None:
    try:
        table = backend.get_table(op["TableName"])
    except Exception:
        return None
    if op_type != "Put":
        return dict(op.get("Key") or {})
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _transact_with_item_undo(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with LOCK:
            backups = []
            for entry in transact_items:
                op_type, op = next(iter(entry.items()))
                key = _key_of(self, op_type, op) if isinstance(op, dict) else None
                if key is not None:
                    current = self.get_item(op["TableName"], key)
                    backups.append((op["TableName"], key, copy.deepcopy(current.to_json()["Attributes"])
                                    if current is not None else None))
            try:
                original(self, transact_items)
            except Exception:
                for table_name, key, before in reversed(backups):
                    table = self.get_table(table_name)
                    if before is None:
                        if self.get_item(table_name, key) is not None:
                            hash_value, range_value = self.get_keys_value(table, key)
                            table.delete_item(hash_value, range_value)
                    else:
                        table.put_item(before)
                raise

    return transact_write_items


def _partition_query(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        with LOCK:  # the override below is per table object: keep it to this call
            if index_name:
                # An index query filters every item, then sorts what matched itself: it needs no sorted copy
                # of the whole table (that sort made one query take seconds at 60,000 items).
                self.all_items = lambda: [item for group in self.items.values()
                                          for item in (group.values() if self.range_key_attr else [group])]
            else:
                self.all_items = lambda: list(self.items.get(hash_key, {}).values())
            try:
                return original(self, hash_key, *args, **kwargs)
            finally:
                del self.all_items

    return query


_SORTED = "_leadpilot_sorted_items"


def _cached_all_items(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def all_items(self: Any) -> Any:
        cached = self.__dict__.get(_SORTED)
        if cached is None:
            cached = original(self)
            self.__dict__[_SORTED] = cached
        return list(cached)  # callers may reorder or trim their copy

    return all_items


def _invalidating(mutator: Callable[..., Any]) -> Callable[..., Any]:
    """put_item and delete_item are the only ways moto adds or removes a table's items."""

    @functools.wraps(mutator)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.__dict__.pop(_SORTED, None)
        try:
            return mutator(self, *args, **kwargs)
        finally:
            self.__dict__.pop(_SORTED, None)

    return wrapper


# Operations whose answer is items, keys and counts: no timestamps, nothing the output shape renames or drops.
# (BatchWriteItem and TransactWriteItems answer through moto's plain ActionResult: small, and left as they are.)
_ITEM_OPERATIONS = frozenset({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                              "TransactGetItems"})


def _wire_value(value: Any) -> Any:
    """What DynamoDB's JSON protocol sends for the two non-JSON values moto's results hold."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")  # binary attributes (B, BS)
    if isinstance(value, datetime):
        return round(value.timestamp(), 3)
    raise TypeError(f"{type(value).__name__} has no DynamoDB JSON form")


def _plain_item_results(original: Callable[..., Any]) -> Callable[..., Any]:
    """DynamoResult.execute_result writing item operations' answers directly (see the module docstring)."""
    @functools.wraps(original)
    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name not in _ITEM_OPERATIONS:
            return original(self, context)
        members = context.operation_model.output_shape.members  # moto adds keys the answer has no place for
        answer = {key: value for key, value in self.result.items() if key in members and value is not None}
        body = json.dumps(answer, default=_wire_value, separators=(",", ":"))
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
    execute_result.shape_walk = original  # type: ignore[attr-defined]  # moto's own, for the equivalence test
    return execute_result


_NO_STREAM = threading.local()  # set while an UpdateItem runs on a table without a stream


def patch_dynamodb() -> None:
    """Apply the fixes above to moto's DynamoDB backend (idempotent).

    The backend's methods take the lock one call at a time; PutItem, UpdateItem and DeleteItem also read the
    item in their request handler (a deep copy for ReturnValues before the write, the new item after it), and
    the write changes the stored item in place: their whole handler holds the lock, so a read never walks an
    item another request is changing ("dictionary changed size during iteration") and what it returns is the
    item just before and after its own write, as DynamoDB answers."""
    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    if getattr(DynamoDBBackend, "_leadpilot_patched", False):
        return
    from moto.dynamodb.models.dynamo_type import Item

    def deepcopy(value: Any, *memo: Any) -> Any:
        """moto's own whole-table backup becomes a no-op (our per-item undo replaces it), and so does UpdateItem's
        copy of the item for a table without a stream (the copy only feeds stream records)."""
        if isinstance(value, Table) or (isinstance(value, Item) and getattr(_NO_STREAM, "on", False)):
            return value
        return copy.deepcopy(value, *memo)

    update_item = DynamoDBBackend.update_item

    def update_without_copy(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        _NO_STREAM.on = self.get_table(table_name).stream_shard is None
        try:
            return update_item(self, table_name, *args, **kwargs)
        finally:
            _NO_STREAM.on = False

    models.copy = SimpleNamespace(deepcopy=deepcopy, copy=copy.copy)  # type: ignore[assignment]
    DynamoDBBackend.update_item = update_without_copy  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_with_item_undo(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
    Table.query = _partition_query(Table.query)  # type: ignore[method-assign]
    Table.all_items = _cached_all_items(Table.all_items)  # type: ignore[method-assign]
    Table.put_item = _invalidating(Table.put_item)  # type: ignore[method-assign]
    Table.delete_item = _invalidating(Table.delete_item)  # type: ignore[method-assign]
    DynamoResult.execute_result = _plain_item_results(DynamoResult.execute_result)  # type: ignore[method-assign]
    _items_sized_once()
    for name, member in list(vars(DynamoDBBackend).items()):
        if callable(member) and not name.startswith("_"):
            setattr(DynamoDBBackend, name, _locked(member))
    for name in ("put_item", "update_item", "delete_item"):
        setattr(DynamoHandler, name, _locked(getattr(DynamoHandler, name)))
    DynamoDBBackend._leadpilot_patched = True  # type: ignore[attr-defined]


def _items_sized_once() -> None:
    """moto 5.2 builds an item one attribute at a time, and each attribute adds up the size of every one set before
    it (to refuse an item over DynamoDB's 400 KB): quadratic in the attributes, a quarter of a 99-item
    TransactWriteItems' CPU here. The attributes are set at once and the item's size added up once; an item past
    moto's limit is refused as before, with moto's own error."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    limit = 405_000  # moto's: "the actual limit is between 409 and 410KB", its check refuses past this

    def init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        self.attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(self.attrs, ((key, DynamoType(value)) for key, value in attrs.items()))
        if self.size() > limit:
            raise ItemSizeTooLarge

    Item.__init__ = init  # type: ignore[method-assign]


def patch_update_expressions() -> None:
    """moto 5.2 parses an UpdateItem's UpdateExpression from its text twice per request (the handler lists the
    names it uses, the backend applies it), about a sixth of the call. The parsed tree is only read (the backend's
    validator works on a deep copy of it), and an application sends a handful of distinct expressions, so each
    text is parsed once. A text that does not parse raises every time, as before (exceptions are not cached)."""
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]  # untyped to mypy

    if getattr(UpdateExpressionParser, "_leadpilot_cached", False):
        return
    UpdateExpressionParser.make = staticmethod(functools.lru_cache(maxsize=1024)(UpdateExpressionParser.make))  # type: ignore[method-assign,assignment]
    UpdateExpressionParser._leadpilot_cached = True  # type: ignore[attr-defined]
    _simple_updates()
    _lexed_conditions()


def _lexed_conditions() -> None:
    """moto 5.2 splits a ConditionExpression (or filter, or key condition) into tokens with a dozen regexes, one
    token at a time, at every call. The tokens depend on the text alone and are immutable tuples: each text is
    lexed once, and every parse gets its own queue of them (the later stages consume it). A text that does not
    lex raises every time, as before."""
    from collections import deque

    from moto.dynamodb.comparisons import ConditionExpressionParser

    lex = ConditionExpressionParser._lex_condition_expression

    @functools.lru_cache(maxsize=1024)
    def tokens(text: str) -> tuple[Any, ...]:
        return tuple(lex(ConditionExpressionParser(text, None, None)))

    def lexed(self: Any) -> Any:
        return deque(tokens(self.condition_expression))

    ConditionExpressionParser._lex_condition_expression = lexed  # type: ignore[method-assign]


class _SimpleUpdate:
    """A validated UpdateExpression of plain actions, as (action, attribute name, value or None): what the fast
    path hands moto's executor in place of a validated tree (`normalize` is moto's next call on it)."""

    def __init__(self, actions: list[tuple[str, str, Any]]) -> None:
        self.actions = actions

    def normalize(self) -> None:
        return None


@functools.lru_cache(maxsize=1024)
def _plain_actions(tree: Any) -> tuple[tuple[str, str, str | None], ...] | None:
    """(action, #name placeholder, :value placeholder) of each action of a parsed UpdateExpression whose clauses
    each appear once and whose actions are `SET #n = :v`, `ADD #n :v` or `REMOVE #n`; None for anything else
    (nested paths, plain names, functions, arithmetic, DELETE). The parsed tree is one object per text."""
    from moto.dynamodb.parsing import ast_nodes

    n: Any = ast_nodes  # its classes are made at run time: mypy does not see them

    clauses = {n.UpdateExpressionSetClause: "SET", n.UpdateExpressionAddClause: "ADD",
               n.UpdateExpressionRemoveClause: "REMOVE"}
    actions: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()

    def placeholder(node: Any, kind: Any) -> str | None:
        return str(node.children[0]) if type(node) is kind and len(node.children) == 1 else None

    def walk(node: Any, clause: str | None) -> bool:
        kind = type(node)
        if kind in clauses:
            if clauses[kind] in seen:
                return False
            seen.add(clauses[kind])
            return all(walk(child, clauses[kind]) for child in node.children)
        if kind in (n.UpdateExpression, n.UpdateExpressionSetActions, n.UpdateExpressionAddActions,
                    n.UpdateExpressionRemoveActions):
            return all(walk(child, clause) for child in node.children)
        if kind not in (n.UpdateExpressionSetAction, n.UpdateExpressionAddAction, n.UpdateExpressionRemoveAction):
            return False
        path = node.children[0]
        name = placeholder(path.children[0], n.ExpressionAttributeName) if (
            type(path) is n.UpdateExpressionPath and len(path.children) == 1) else None
        if name is None or clause is None:
            return False
        if kind is n.UpdateExpressionRemoveAction:
            actions.append(("REMOVE", name, None))
            return len(node.children) == 1
        if len(node.children) != 2:
            return False
        value = node.children[1]
        if kind is n.UpdateExpressionSetAction:  # SET's value is wrapped: `:v`, not `:v + :w` or a function
            if type(value) is not n.UpdateExpressionValue or len(value.children) != 1:
                return False
            value = value.children[0]
        found = placeholder(value, n.ExpressionAttributeValue)
        actions.append(("SET" if kind is n.UpdateExpressionSetAction else "ADD", name, found))
        return found is not None

    return tuple(actions) if walk(tree, None) and actions else None


def _simple_updates() -> None:
    """moto 5.2 validates an UpdateExpression by deep-copying its tree and walking it with ten processors, then
    walks it again to apply it: two thirds of an UpdateItem, the call behind every API request's rate count.
    The expressions an application sends are almost all `SET #a = :a, ...`, `ADD #n :one` and `REMOVE #a`, on
    top-level attributes. Those are checked and applied here directly, with moto's own value types and
    arithmetic; whatever moto would refuse or treat specially (an undefined placeholder, a key attribute, a
    repeated attribute, a type that does not match the table's definitions or an index key set to an empty
    string, ADD of anything but a number to a number) goes through moto's own validator and raises its error."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.parsing.executors import UpdateExpressionExecutor
    from moto.dynamodb.parsing.validators import UpdateExpressionValidator

    if getattr(UpdateExpressionValidator, "_leadpilot_simple", False):
        return
    validator_init, validate, execute = (UpdateExpressionValidator.__init__, UpdateExpressionValidator.validate,
                                         UpdateExpressionExecutor.execute)

    def init(self: Any, expression: Any, expression_attribute_names: Any, expression_attribute_values: Any,
             item: Any, table: Any) -> None:
        self.expression_attribute_names, self.expression_attribute_values = (expression_attribute_names,
                                                                             expression_attribute_values)
        self.item, self.table, self._leadpilot_tree = item, table, expression  # the copy waits for the slow path

    def simple(self: Any) -> _SimpleUpdate | None:
        plain = _plain_actions(self._leadpilot_tree)
        if plain is None:
            return None
        names, values = self.expression_attribute_names or {}, self.expression_attribute_values or {}
        table, attrs = self.table, self.item.attrs
        declared = {d["AttributeName"]: d["AttributeType"] for d in table.attr}
        keys, index_keys = set(table.table_key_attrs), set(table.attribute_keys)
        actions: list[tuple[str, str, Any]] = []
        for action, placeholder, value_placeholder in plain:
            name = names.get(placeholder)
            if name is None or name in keys or any(name == seen for _, seen, _ in actions):
                return None
            value = None
            if value_placeholder is not None:
                raw = values.get(value_placeholder)
                if not isinstance(raw, dict) or len(raw) != 1:
                    return None
                value = DynamoType(raw)
                if action == "SET" and ((name in declared and declared[name] != value.type) or (
                        name in index_keys and value.type in ("S", "B") and not value.value)):
                    return None
                if action == "ADD" and (value.type != "N" or (name in attrs and attrs[name].type != "N")):
                    return None
            actions.append((action, name, value))
        return _SimpleUpdate(actions)

    def checked(self: Any) -> Any:
        found = simple(self)
        if found is not None:
            return found
        validator_init(self, self._leadpilot_tree, self.expression_attribute_names,
                       self.expression_attribute_values, self.item, self.table)
        return validate(self)

    def apply(self: Any, node: Any = None) -> None:
        if not isinstance(self.update_ast, _SimpleUpdate) or node is not None:
            return execute(self, node)
        attrs = self.item.attrs
        for action, name, value in self.update_ast.actions:
            if action == "REMOVE":
                attrs.pop(name, None)
            elif action == "SET":
                attrs[name] = value
            else:  # ADD of a number, as moto's AddExecutor: to the attribute, or to 0 when it is missing
                attrs[name] = (attrs[name] if name in attrs else DynamoType({"N": "0"})) + value
        return None

    UpdateExpressionValidator.__init__ = init  # type: ignore[method-assign]
    UpdateExpressionValidator.validate = checked  # type: ignore[method-assign]
    UpdateExpressionExecutor.execute = apply  # type: ignore[method-assign]
    UpdateExpressionValidator._leadpilot_simple = True  # type: ignore[attr-defined]


_SQS_HOT_PATH = threading.local()
_APPROXIMATE = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
                "ApproximateNumberOfMessagesNotVisible")


def _on_hot_path(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run an SQS send/receive with Queue.attributes skipping the approximate counts (see patch_sqs)."""
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        outer = getattr(_SQS_HOT_PATH, "on", False)
        _SQS_HOT_PATH.on = True
        try:
            return method(*args, **kwargs)
        finally:
            _SQS_HOT_PATH.on = outer
    return wrapper


def patch_sqs() -> None:
    """moto 5.2's SQS builds a queue's whole attribute map, three counts that scan every message included,
    for each message sent (to read ContentBasedDeduplication) and each message received (to read the
    retention period): O(queue depth) per message, which caps a deep local queue at a few hundred messages a
    minute. On those paths the counts are skipped (nothing there reads them); GetQueueAttributes is unchanged.
    """
    from moto.core import utils as moto_utils
    from moto.core.utils import camelcase_to_underscores
    from moto.sqs.models import Queue, SQSBackend

    if getattr(SQSBackend, "_leadpilot_patched", False):
        return
    full = vars(Queue)["attributes"].fget

    def attributes(self: Any) -> dict[str, Any]:
        if not getattr(_SQS_HOT_PATH, "on", False):
            return dict(full(self))
        result: dict[str, Any] = {}
        for attribute in Queue.BASE_ATTRIBUTES + (Queue.FIFO_ATTRIBUTES if self.fifo_queue else []):
            if attribute in _APPROXIMATE:
                continue
            value = getattr(self, camelcase_to_underscores(attribute))
            result[attribute] = str(value).lower() if isinstance(value, bool) else value
        return result

    def retained(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > moto_utils.unix_time())

    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]
    Queue.add_message = _on_hot_path(Queue.add_message)  # type: ignore[method-assign]
    _one_at_a_time_per_queue(Queue, SQSBackend)
    SQSBackend.send_message = _on_hot_path(SQSBackend.send_message)  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = retained  # type: ignore[method-assign]
    SQSBackend._leadpilot_patched = True  # type: ignore[attr-defined]


def _one_at_a_time_per_queue(queue_class: Any, backend_class: Any) -> None:
    """moto 5.2's SQS changes a queue's messages with no lock, and its server (like the in-process pollers) runs
    requests on threads: two ReceiveMessage calls at once could both take the same message (2 of 600 taken twice
    by 8 receivers), or fail with "Set changed size during iteration"; a DeleteMessage rebuilds the list, so a
    message sent meanwhile was lost. Each of these runs under the queue's own lock, the one SendMessage appends
    under. A long poll waits outside it: the queue is scanned under the lock, then it waits for a message and scans
    again until its time is up."""
    from moto.core.utils import unix_time

    def queue_locked(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
            with self._messages_lock:
                return method(self, *args, **kwargs)
        return locked

    def backend_locked(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def locked(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            with self.get_queue(queue_name)._messages_lock:
                return method(self, queue_name, *args, **kwargs)
        return locked

    scan = backend_locked(backend_class.receive_message)

    def receive_message(self: Any, queue_name: str, count: int, wait_seconds_timeout: int,
                        visibility_timeout: int, message_attribute_names: list[str] | None = None) -> Any:
        queue = self.get_queue(queue_name)
        end = unix_time() + wait_seconds_timeout
        while True:
            result = scan(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
            remaining = end - unix_time()
            if result or remaining <= 0:
                return result
            if queue.messages:  # visible yet not for this call (a FIFO group in flight): look again shortly
                time.sleep(min(0.05, remaining))
            else:
                queue.wait_for_messages(min(1.0, remaining))

    queue_class.delete_message = queue_locked(queue_class.delete_message)
    backend_class.receive_message = receive_message
    backend_class.change_message_visibility = backend_locked(backend_class.change_message_visibility)
    backend_class.purge_queue = backend_locked(backend_class.purge_queue)


def patch_dispatch() -> None:
    """moto 5.2 lists a response class's methods with inspect.getmembers on every request (0.3 ms) and draws a
    request id one random.choice per character (0.2 ms): 5% of an integration test's CPU. The methods of a class
    are listed once; the id is drawn in one call, in the same alphabet and length.
    Its server also lists its own package folder to route each request (a listdir and up to 200 isdir calls: a
    seventh of what a DescribeExecution costs the server); the folder's services are listed once."""
    import random
    import string

    from moto import backends
    from moto.core import responses

    if getattr(responses, "_leadpilot_patched", False):
        return
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    listed = functools.cache(responses.method_names_from_class)
    responses.method_names_from_class = lambda clazz: listed(clazz)  # the caller only tests membership
    alphabet = string.ascii_letters + string.digits

    def request_id(headerdict: dict[str, Any] | None = None) -> str:
        value = "".join(random.choices(alphabet, k=52))
        if isinstance(headerdict, dict):
            headerdict["x-amzn-requestid"] = value
        return value

    responses.gen_amzn_requestid_long = request_id
    responses._leadpilot_patched = True  # type: ignore[attr-defined]


def patch_events() -> None:
    """moto 5.2's EventBridge builds a JSONPath parser (ply tables included) for each input path of each target
    of each event it delivers, default paths included: a tenth of an integration test's CPU. A path's parse is
    the same every time, so it is parsed once (parsed paths are immutable: `find` only reads them)."""
    import jsonpath_ng.ext

    if getattr(jsonpath_ng.ext.parse, "_leadpilot_cached", False):
        return
    cached = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)
    cached._leadpilot_cached = True  # type: ignore[attr-defined]
    jsonpath_ng.ext.parse = cached  # moto.events.utils imports it inside the function, at each call


def patch_stepfunctions() -> None:
    """AWS gives each attempt of a retried callback (waitForTaskToken) task a new task token. moto 5.2 keeps the
    first attempt's token for the whole state, and that token's endpoint still holds the first failure, so every
    retry failed at once with it: the messages of the retries were sent but their answers never awaited, and a
    success on a retry was lost. Here each retry registers a fresh token before its message is built, so
    `MaxAttempts: N` means the first attempt plus N awaited retries, exactly as on AWS (moto already counts the
    retries after the first attempt)."""
    _defer_package_init("moto.batch")
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )

    if getattr(StateTaskServiceCallback, "_leadpilot_patched", False):
        return
    original = StateTaskServiceCallback._eval_execution

    def eval_execution(self: Any, env: Any) -> None:
        context = env.states.context_object
        with_token = ResourceCondition.WaitForTaskToken in self._supported_integration_patterns
        if with_token and self._is_integration_pattern() and context.context_object_data["State"]["RetryCount"]:
            env.callback_pool_manager.add(context.update_task_token())
        original(self, env)

    StateTaskServiceCallback._eval_execution = eval_execution  # type: ignore[method-assign]
    StateTaskServiceCallback._leadpilot_patched = True  # type: ignore[attr-defined]
    _scale_retry_intervals()
    _stoppable_waits()
    _whole_endings()
    _stoppable_from_start()
    patch_parse_trees()


def _defer_package_init(name: str) -> None:
    """Import a package's submodules without running its __init__ until one of its own names is used.

    Step Functions' parser imports `moto.batch.utils` for its Batch task integration, and with it the package
    `moto.batch`, whose __init__ loads Batch's models and through them EC2's with their region and image data:
    about 1 CPU-second at every start of a moto server or test worker, for a service LeadPilot's flows never
    call. Deferred, the __init__ runs when something first reads a name of the package (moto's backend lookup
    for a Batch request, say), and the submodules import as before."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)
    running = threading.RLock()  # the server's request threads wait for the one running the __init__
    ran = False

    def first_use(attribute: str) -> Any:
        nonlocal ran
        with running:
            if not ran:
                ran = True
                spec.loader.exec_module(package)  # type: ignore[union-attr]
                if package.__dict__.get("__getattr__") is first_use:
                    del package.__dict__["__getattr__"]
        if attribute in package.__dict__:
            return package.__dict__[attribute]
        raise AttributeError(f"module {name!r} has no attribute {attribute!r}")

    package.__dict__["__getattr__"] = first_use  # a module's __getattr__ answers for the names it lacks (PEP 562)
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(importlib.import_module(parent), child, package)  # as an import binds it


_TREES_KEPT = 64  # definitions: a flow version has two machines (new runs, and entry at any node)
_trees: OrderedDict[str, Any] = OrderedDict()
_trees_lock = threading.Lock()


def patch_parse_trees() -> None:
    """moto parses a machine's ASL (ANTLR) when the machine is created, to validate it, and again when each of its
    executions starts: its costliest step (50-300 ms), 7% of the in-process integration suite's CPU. The parse
    tree of each definition is kept, and each parse of a known definition builds a fresh program from its tree
    (as moto does after parsing; the tree is only read). A definition that fails to parse is not kept."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    if getattr(AmazonStateLanguageParser, "_leadpilot_kept", False):
        return
    parse = AmazonStateLanguageParser.parse

    def parse_kept(definition: str) -> tuple[Any, Any]:
        with _trees_lock:
            tree = _trees.get(definition)
            if tree is not None:
                _trees.move_to_end(definition)
        if tree is not None:
            return Preprocessor().visit(tree), tree
        program, tree = parse(definition)
        with _trees_lock:
            _trees[definition] = tree
            while len(_trees) > _TREES_KEPT:
                _trees.popitem(last=False)
        return program, tree

    AmazonStateLanguageParser.parse = staticmethod(parse_kept)  # type: ignore[method-assign,assignment]
    AmazonStateLanguageParser._leadpilot_kept = True  # type: ignore[attr-defined]


_STARTING_S = 10.0  # how long a stop waits for an execution's program to begin (it parses its definition first)


def _stoppable_from_start() -> None:
    """A StopExecution right after StartExecution stops the execution. moto 5.2 makes an execution's environment
    on its program thread, after parsing its definition, and marks it running only when the program begins: a
    stop before that failed on the missing environment (AttributeError: a 500 from moto, and from the run's
    cancel or pause that sent it), or was ignored and the execution ran on. The stop now waits until the program
    has begun (a few milliseconds with a kept parse tree), then stops it as moto does."""
    import time

    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    stop = ExecutionWorker.stop

    def stop_once_begun(self: Any, stop_date: Any, error: str | None, cause: str | None) -> None:
        deadline = time.monotonic() + _STARTING_S
        while (self.env is None or self.env.program_state() is None) and time.monotonic() < deadline:
            time.sleep(0.005)
        stop(self, stop_date, error, cause)

    ExecutionWorker.stop = stop_once_begun  # type: ignore[method-assign]


_ENDING = threading.Lock()


def _whole_endings() -> None:
    """A DescribeExecution sees an execution's end whole, and the end is reported as AWS reports it.

    moto 5.2 sets an ended execution's status, then its output (or error and cause), from the execution's thread:
    a describe in between read SUCCEEDED with no output, and the run was closed without the outcome its End state
    wrote (the crash e2e test saw "succeeded" for a "yes"). The end is written, and a describe read, under one lock.

    AWS Step Functions then puts a "Step Functions Execution Status Change" event (source aws.states) on the
    account's default bus, which template.yaml's AutomationRunStatusRule routes to the automation triggers queue
    to close the run's record; moto 5.2 sends none. Once the whole end is written, outside the lock, the same
    event goes out (ends only: SUCCEEDED, FAILED, TIMED_OUT, ABORTED, the statuses the template listens for)."""
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
    from moto.stepfunctions.responses import StepFunctionResponse

    reflect = BaseExecutionWorkerCommunication._reflect_execution_status
    describe = StepFunctionResponse.describe_execution

    def reflect_whole(self: Any) -> None:
        with _ENDING:
            reflect(self)
        try:
            _report_end(self.execution)
        except Exception:  # the execution has ended either way: the run reconciler closes its record later
            logging.getLogger("infra.local.moto_main").exception("status event of %s not sent",
                                                                  self.execution.exec_arn)

    def describe_whole(self: Any) -> Any:
        with _ENDING:
            return describe(self)

    BaseExecutionWorkerCommunication._reflect_execution_status = reflect_whole  # type: ignore[method-assign]
    StepFunctionResponse.describe_execution = describe_whole  # type: ignore[method-assign]


_DETAIL_LIMIT = 200_000  # bytes of input or output an event carries (EventBridge's entries are at most 256 KB)


def _millis(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment is not None else None


def _report_end(execution: Any) -> None:
    """Put the execution's status-change event, shaped as AWS's, on the default bus of its account and region."""
    from moto.events.models import events_backends

    status = execution.exec_status.value
    succeeded = status == "SUCCEEDED"
    detail: dict[str, Any] = {
        "executionArn": execution.exec_arn, "stateMachineArn": execution.state_machine_arn, "name": execution.name,
        "status": status, "startDate": _millis(execution.start_date), "stopDate": _millis(execution.stop_date),
        "input": json.dumps(execution.input_data, separators=(",", ":")),
        "output": json.dumps(execution.output, separators=(",", ":")) if succeeded else None,
        "error": execution.error, "cause": execution.cause}
    for key in ("input", "output"):
        included = detail[key] is None or len(detail[key]) <= _DETAIL_LIMIT
        detail[f"{key}Details"] = {"included": included}
        if not included:
            detail[key] = None
    events_backends[execution.account_id][execution.region_name].put_events([{
        "Source": "aws.states", "DetailType": "Step Functions Execution Status Change",
        "Detail": json.dumps(detail), "Resources": [execution.exec_arn]}])


_STOP_CHECK_S = 0.5


def _stoppable_waits() -> None:
    """A StopExecution during a Wait state ends the wait. moto 5.2 wakes the waiting thread by setting and at
    once clearing an event; a stop that lands after the Wait was entered but before its thread reached
    `event.wait()` was lost, and the execution stayed RUNNING for the whole wait (a paused run's 3-day delay
    kept its execution alive). The wait now checks the execution is still running before each wait and at
    least every half second."""
    import time

    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        while env.is_running():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            env.program_state_event.wait(min(left, _STOP_CHECK_S))

    WaitFunction._wait_interval = wait_interval  # type: ignore[method-assign]


def _scale_retry_intervals() -> None:
    """A Retry's IntervalSeconds (whole seconds, at least 1, in ASL) waits 1/LEADPILOT_TIME_SCALE of its length,
    like every other delay and timeout of the local cloud: a demo or test at 1,000x does not sit through
    real seconds between attempts. At the default scale of 1 nothing changes."""
    import os
    import time

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    def sleep(seconds: float) -> None:
        try:
            scale = float(os.environ.get("LEADPILOT_TIME_SCALE") or 1)
        except ValueError:
            scale = 1.0
        time.sleep(seconds / scale if scale > 0 else seconds)

    retrier_decl.time = SimpleNamespace(sleep=sleep)  # type: ignore[assignment]


_INDEXES: dict[int, tuple[list[Any], int, dict[str, Any]]] = {}  # id(machine.executions) -> ARN index


def _by_arn(executions: list[Any]) -> dict[str, Any]:
    """A machine's executions by ARN. moto only ever appends to the list: the index catches up with its tail.
    (Kept outside the machine object: moto deep-copies a machine at every StartExecution.)"""
    known, count, table = _INDEXES.get(id(executions), (executions, 0, {}))
    if known is not executions or count > len(executions):
        count, table = 0, {}
    for execution in executions[count:]:
        table[execution.execution_arn] = execution
    _INDEXES[id(executions)] = (executions, len(executions), table)
    return table


def patch_execution_lookups() -> None:
    """moto 5.2 finds an execution by walking its machine's list (DescribeExecution, GetExecutionHistory,
    StopExecution) and serves each page of ListExecutions by listing, sorting and walking every execution to
    the page token, comparing each by its printed start date: with 10,000 waiting runs a DescribeExecution took
    43 ms and listing the running ones 75 s, which the run reconciler does at every sweep. Executions are
    looked up by ARN in an index, and a page is cut from one sorted list."""
    from moto.stepfunctions.exceptions import ExecutionDoesNotExist
    from moto.stepfunctions.models import StepFunctionBackend

    if getattr(StepFunctionBackend, "_leadpilot_lookups", False):
        return

    def describe_execution(self: Any, execution_arn: str) -> Any:
        self._validate_execution_arn(execution_arn)
        machine = self._get_state_machine_for_execution(execution_arn)
        found = _by_arn(machine.executions).get(execution_arn)
        if found is None:
            raise ExecutionDoesNotExist("Execution Does Not Exist: '" + execution_arn + "'")
        return found

    def list_executions(self: Any, state_machine_arn: str, status_filter: str | None = None,
                        max_results: int | None = None, next_token: str | None = None) -> tuple[list[Any], str | None]:
        executions = self.describe_state_machine(state_machine_arn).executions
        if status_filter:
            executions = [e for e in executions if e.status == status_filter]
        ordered = sorted(executions, key=operator.attrgetter("start_date", "execution_arn"), reverse=True)
        start = 0
        if next_token:  # the token is the ARN of the first execution of its page (moto's names it too)
            arns = [e.execution_arn for e in ordered]
            start = arns.index(next_token) if next_token in arns else len(arns)
        end = start + (max_results or 100)
        return ordered[start:end], ordered[end].execution_arn if end < len(ordered) else None

    StepFunctionBackend.describe_execution = describe_execution  # type: ignore[method-assign]
    StepFunctionBackend.list_executions = list_executions  # type: ignore[method-assign,assignment]
    StepFunctionBackend._leadpilot_lookups = True  # type: ignore[attr-defined]


def _keep_state() -> None:
    """Journal SQS and mirror S3 under LEADPILOT_MOTO_STATE, when the local cloud names that folder."""
    import os
    from pathlib import Path

    from infra.local import s3_files, sqs_journal

    folder = os.environ.get("LEADPILOT_MOTO_STATE")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        sqs_journal.install(Path(folder) / "sqs-journal.jsonl")
        s3_files.install(Path(folder) / "s3")


def main(argv: list[str] | None = None) -> None:
    from infra.local import botocore_files, sfn_waits

    botocore_files.share()  # its Step Functions make a client for each service task they run
    patch_dynamodb()
    patch_update_expressions()
    patch_sqs()
    patch_events()
    patch_dispatch()
    patch_stepfunctions()
    patch_execution_lookups()
    _keep_state()
    sfn_waits.install_from_env()  # before serving: parked executions are RUNNING again when the first call comes
    # werkzeug logs a line per request (thousands a minute under load, a few per cent of the server's CPU, a log
    # that grows without end); moto.log keeps its warnings and errors
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from moto.server import main as moto_main

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
