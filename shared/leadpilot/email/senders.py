"""A workspace's from identity: an address (or its whole domain) verified in SES before anything is sent."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from leadpilot.audit.log import changed, record
from leadpilot.clock import now_iso
from leadpilot.contact_points import normalize_email
from leadpilot.email.models import SenderItem
from leadpilot.email.provider import EmailProvider
from leadpilot.errors import ValidationFailed
from leadpilot.settings import Settings


@dataclass(frozen=True)
class Sender:
    """The from identity as the API shows it."""

    email: str
    name: str | None
    identity: str
    identity_type: str
    status: str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sender_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#EMAIL_SENDER"


def _view(item: SenderItem) -> Sender:
    return Sender(item.email, item.name, item.identity, item.identity_type, item.status, item.updated_at)


def _clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    if any(ord(ch) < 32 for ch in name):
        raise ValidationFailed.field("name", "may not contain line breaks or control characters")
    return name.strip() or None


def set_sender(workspace_id: str, provider: EmailProvider, body: dict[str, Any]) -> Sender:
    """Set the from address (and name) and start its SES verification (the domain's, when asked)."""
    email = normalize_email(body["email"], "email")
    identity_type = "domain" if body.get("verify_domain") else "address"
    identity = email.rsplit("@", 1)[1] if identity_type == "domain" else email
    provider.verify_identity(identity, identity_type)
    status = "verified" if provider.is_verified(identity) else "pending"
    before = get_sender(workspace_id)
    item = SenderItem(sender_pk(workspace_id), "SENDER", email=email, name=_clean_name(body.get("name")),
                      identity=identity, identity_type=identity_type, status=status, updated_at=now_iso())
    item.save()
    after = _view(item)
    fields = ("email", "name", "identity_type")
    record(workspace_id, "email.sender_changed", {"type": "workspace", "id": workspace_id},
           changed({f: getattr(before, f) if before else None for f in fields}, {f: getattr(after, f) for f in fields}))
    return after


def get_sender(workspace_id: str, provider: EmailProvider | None = None) -> Sender | None:
    """The workspace's sender; a pending one is re-checked with SES when a provider is given."""
    try:
        item = SenderItem.get(sender_pk(workspace_id), "SENDER")
    except SenderItem.DoesNotExist:
        return None
    if item.status != "verified" and provider is not None and provider.is_verified(item.identity):
        item.update(actions=[SenderItem.status.set("verified"), SenderItem.updated_at.set(now_iso())])
    return _view(item)


def release_sender(workspace_id: str, provider: EmailProvider) -> int:
    """Delete the workspace's from identity in SES unless another workspace's sender uses it (a Scan: erasure
    only); returns how many identities were deleted (0 or 1)."""
    try:
        item = SenderItem.get(sender_pk(workspace_id), "SENDER", consistent_read=True)
    except SenderItem.DoesNotExist:
        return 0
    shared = SenderItem.scan((SenderItem.SK == "SENDER") & (SenderItem.identity == item.identity)
                             & ~SenderItem.PK.startswith(f"WS#{workspace_id}#"), consistent_read=True)
    if next(iter(shared), None) is not None:
        return 0
    provider.delete_identity(item.identity)
    return 1


# Platform from addresses SES has said are verified, kept per process as a workspace sender keeps its status: a
# queued email does not ask SES again (one API call per email otherwise, on the send path).
_PLATFORM_VERIFIED: set[str] = set()


def forget_verified() -> None:
    """Ask SES again next time, as a new process would (tests: each starts from an empty platform)."""
    _PLATFORM_VERIFIED.clear()


def platform_sender(settings: Settings, provider: EmailProvider) -> Sender | None:
    """The from address the platform saved in its settings (cached per process), for workspaces without their own:
    None when there is none or SES has not verified it."""
    from leadpilot.platform.settings import platform_credential  # lazy: the platform sits beside the channels

    saved = platform_credential(settings, "email")
    if saved is None:
        return None
    if saved["from_email"] not in _PLATFORM_VERIFIED:
        if not provider.is_verified(saved["from_email"]):
            return None
        _PLATFORM_VERIFIED.add(saved["from_email"])
    return Sender(saved["from_email"], saved.get("from_name"), saved["from_email"], "address", "verified", "")


def sender_for(settings: Settings, workspace_id: str, provider: EmailProvider) -> Sender | None:
    """The workspace's own sender, else the platform's verified one."""
    return get_sender(workspace_id, provider) or platform_sender(settings, provider)


def require_sender(settings: Settings, workspace_id: str, provider: EmailProvider) -> Sender:
    """The verified sender (the workspace's own, else the platform's), or a 422 saying how to get one."""
    sender = sender_for(settings, workspace_id, provider)
    if sender is None:
        raise ValidationFailed.field("from", "the workspace has no sender: PUT /email/sender first")
    if sender.status != "verified":
        raise ValidationFailed.field("from", f"{sender.identity} is not verified in SES yet")
    return sender
