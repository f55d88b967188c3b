"""Saved text templates: a name and a body with variables (`{{first_name|there}}`, `{{business_name}}`).

A template is checked when it is saved (an unknown variable or an empty body is a 422 naming `body`), shows
its segment count, and can be used wherever a body can (`template_id` on POST /sms, /sms/bulk and
/sms/preview). Sending copies the template's body at that moment: editing a template later never changes a
text already queued.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError

from leadpilot.api.cursors import decode_cursor, encode_cursor
from leadpilot.clock import now_iso
from leadpilot.db.base import CrmModel
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.messages.segments import segment_info
from leadpilot.messages.templates import variables

MAX_TEMPLATES = 500


class SmsTemplateItem(CrmModel, discriminator="sms_template"):
    """PK: WS#<ws>#SMS_TEMPLATES  SK: TEMPLATE#<template_id>. A saved text template."""

    template_id = UnicodeAttribute()
    name = UnicodeAttribute()
    body = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


@dataclass(frozen=True)
class SmsTemplate:
    id: str
    name: str
    body: str
    variables: list[str]
    segments: dict[str, Any]
    created_at: str
    updated_at: str
    version: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#SMS_TEMPLATES"


def _view(item: SmsTemplateItem) -> SmsTemplate:
    return SmsTemplate(id=item.template_id, name=item.name, body=item.body, variables=variables(item.body),
                       segments=segment_info(item.body).as_dict(), created_at=item.created_at,
                       updated_at=item.updated_at, version=int(item.version))


def _check(name: str | None, body: str | None) -> None:
    if name is not None and not name.strip():
        raise ValidationFailed.field("name", "may not be empty")
    if body is not None:
        if not body.strip():
            raise ValidationFailed.field("body", "may not be empty")
        variables(body)  # an unknown or malformed variable: 422 naming body


def _item(workspace_id: str, template_id: str) -> SmsTemplateItem:
    try:
        return SmsTemplateItem.get(_pk(workspace_id), f"TEMPLATE#{template_id}")
    except DoesNotExist as exc:
        raise NotFound("template not found", {"field": "template_id"}) from exc


def create(identity: Identity, body: dict[str, Any]) -> SmsTemplate:
    _check(body["name"], body["body"])
    ws = identity.workspace_id
    if sum(1 for _ in SmsTemplateItem.query(_pk(ws), SmsTemplateItem.SK.startswith("TEMPLATE#"),
                                            limit=MAX_TEMPLATES + 1, attributes_to_get=["PK"])) >= MAX_TEMPLATES:
        raise Conflict(f"a workspace keeps at most {MAX_TEMPLATES} templates", {"field": "name"})
    now, template_id = now_iso(), new_id()
    item = SmsTemplateItem(_pk(ws), f"TEMPLATE#{template_id}", template_id=template_id, name=body["name"].strip(),
                           body=body["body"], created_at=now, updated_at=now)
    item.save(condition=SmsTemplateItem.PK.does_not_exist())
    return _view(item)


def list_templates(identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"limit": limit + 1}
    after = decode_cursor(cursor)
    if after:
        kwargs["last_evaluated_key"] = {"PK": {"S": _pk(identity.workspace_id)}, "SK": {"S": f"TEMPLATE#{after}"}}
    items = list(SmsTemplateItem.query(_pk(identity.workspace_id), SmsTemplateItem.SK.startswith("TEMPLATE#"),
                                       **kwargs))
    more = len(items) > limit
    items = items[:limit]
    return {"items": [_view(i).to_dict() for i in items],
            "next_cursor": encode_cursor(items[-1].template_id) if more and items else None}


def get(identity: Identity, template_id: str) -> SmsTemplate:
    return _view(_item(identity.workspace_id, template_id))


def body_of(workspace_id: str, template_id: str) -> str:
    """The body to send for a template_id in a send request (404 naming template_id when unknown)."""
    return str(_item(workspace_id, template_id).body)


def update(identity: Identity, template_id: str, changes: dict[str, Any]) -> SmsTemplate:
    _check(changes.get("name"), changes.get("body"))
    item = _item(identity.workspace_id, template_id)
    actions = [getattr(SmsTemplateItem, key).set(value.strip() if key == "name" else value)
               for key, value in changes.items() if key in ("name", "body")]
    actions += [SmsTemplateItem.updated_at.set(now_iso()), SmsTemplateItem.version.add(1)]
    try:
        item.update(actions=actions, condition=SmsTemplateItem.version == int(item.version))
    except UpdateError as exc:
        raise Conflict("the template was changed meanwhile; reload it and retry", {"field": "template_id"}) from exc
    return _view(item)


def delete(identity: Identity, template_id: str) -> None:
    _item(identity.workspace_id, template_id).delete()
