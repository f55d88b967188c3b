"""Twilio's recording callback: the recording's URL kept on the call, and the audio copied to the files
bucket (s3://<bucket>/<ws>/calls/<call id>/recording.mp3) so it outlives Twilio's retention."""
from __future__ import annotations

import base64
import urllib.request
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import boto3

from leadpilot.clock import now_iso
from leadpilot.errors import ValidationFailed
from leadpilot.observability import logger
from leadpilot.settings import Settings
from leadpilot.sms.config import MessagingConfig
from leadpilot.voice.models import CallItem

TWILIO_API = "https://api.twilio.com/"
MAX_BYTES = 50 * 1024 * 1024


@lru_cache(maxsize=2)
def _s3(region: str) -> Any:
    return boto3.client("s3", region_name=region)


def _fetchable(config: MessagingConfig, url: str) -> bool:
    """Only Twilio's own API (or the stub it is pointed at) is fetched with the account's credentials."""
    base = config.twilio_api_base_url.rstrip("/") + "/" if config.twilio_api_base_url else TWILIO_API
    return url.startswith(base) and not config.sandbox


def on_recording(settings: Settings, config: MessagingConfig, call: CallItem, form: Mapping[str, str]) -> str:
    """Record the recording once; returns "copied", "kept" (URL only) or "duplicate"."""
    url = (form.get("RecordingUrl") or "").strip()
    if not url or len(url) > 500:
        raise ValidationFailed.field("RecordingUrl", "is required")
    if (form.get("RecordingStatus") or "completed") != "completed":
        return "kept"
    if call.recording_key:
        return "duplicate"
    call.update(actions=[CallItem.recording_url.set(url), CallItem.updated_at.set(now_iso())])
    if not _fetchable(config, url):
        return "kept"
    key = f"{call.workspace_id}/calls/{call.call_id}/recording.mp3"
    auth = base64.b64encode(f"{config.twilio_account_sid}:{config.twilio_auth_token}".encode()).decode()
    request = urllib.request.Request(url + ".mp3", headers={"Authorization": f"Basic {auth}"})
    with urllib.request.urlopen(request, timeout=20) as response:  # Twilio's API only (above)
        audio = response.read(MAX_BYTES + 1)
    if len(audio) > MAX_BYTES:
        logger.warning("recording too large to copy", extra={"call_id": call.call_id})
        return "kept"
    bucket = settings.need("files_bucket")
    _s3(settings.region).put_object(Bucket=bucket, Key=key, Body=audio, ContentType="audio/mpeg")
    call.update(actions=[CallItem.recording_key.set(f"s3://{bucket}/{key}")])
    return "copied"


def listen_url(settings: Settings, recording_key: str | None, expires_s: int = 900) -> str | None:
    """A short-lived link to play a call's copied recording (None when there is no copy)."""
    if not recording_key or not recording_key.startswith("s3://"):
        return None
    bucket, key = recording_key.removeprefix("s3://").split("/", 1)
    return str(_s3(settings.region).generate_presigned_url(
        "get_object", ExpiresIn=expires_s,
        Params={"Bucket": bucket, "Key": key, "ResponseContentType": "audio/mpeg"}))
