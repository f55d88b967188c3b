"""Mail to the platform's administrators (not to contacts: no tracking, no unsubscribe), through SES."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from leadpilot.email import provider as email_provider
from leadpilot.identity.platform import platform_admins
from leadpilot.observability import logger
from leadpilot.platform.settings import platform_credential
from leadpilot.settings import Settings
from leadpilot.usage.config import report_sender


def _ensure_sender(provider: email_provider.EmailProvider, sender: str) -> None:
    """SES sends only from a verified identity: ask for verification once (a no-op wait in AWS until clicked)."""
    if not provider.is_verified(sender):
        logger.warning("usage report sender is not verified; verification requested", extra={"sender": sender})
        provider.verify_identity(sender, "email")


def mail_admins(settings: Settings, subject: str, text: str, attachment: tuple[str, str] | None = None) -> list[str]:
    """Send one message to every platform administrator, with an optional (filename, CSV text) attached;
    returns the addresses it went to."""
    provider, sender, name = email_provider.provider(settings.region), report_sender(), "LeadPilot"
    saved = platform_credential(settings, "email")  # the platform's own from address comes first
    if saved is not None:
        sender, name = saved["from_email"], saved.get("from_name") or name
    admins = [email for _user, email in platform_admins()]
    if admins:
        _ensure_sender(provider, sender)
    for address in admins:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = formataddr((name, sender)), address, subject
        msg["Date"], msg["Message-ID"] = formatdate(usegmt=True), make_msgid(domain=sender.rpartition("@")[2])
        msg.set_content(text)
        if attachment is not None:
            msg.add_attachment(attachment[1].encode(), maintype="text", subtype="csv", filename=attachment[0])
        provider.send_raw(sender, address, msg.as_bytes())
    return admins
