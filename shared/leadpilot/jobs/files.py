"""Job files (uploaded imports, produced exports) in the files bucket."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from leadpilot.errors import NotFound
from leadpilot.settings import Settings


@lru_cache(maxsize=2)
def _s3(region: str) -> Any:
    return boto3.client("s3", region_name=region)


def key_for(workspace_id: str, job_id: str, name: str) -> str:
    """Object keys start with the workspace, like every partition key."""
    return f"workspaces/{workspace_id}/jobs/{job_id}/{name}"


def put_text(settings: Settings, key: str, text: str, content_type: str = "text/csv") -> None:
    _s3(settings.region).put_object(Bucket=settings.need("files_bucket"), Key=key, Body=text.encode(),
                                    ContentType=content_type, ServerSideEncryption="AES256")


def get_text(settings: Settings, key: str) -> str:
    try:
        body = _s3(settings.region).get_object(Bucket=settings.need("files_bucket"), Key=key)["Body"]
    except ClientError as exc:
        raise NotFound("the job's file is gone", {"key": key}) from exc
    return str(body.read().decode())


def download_url(settings: Settings, key: str, filename: str, expires_s: int = 900) -> str:
    """A short-lived link to download a job's file."""
    return str(_s3(settings.region).generate_presigned_url(
        "get_object", ExpiresIn=expires_s,
        Params={"Bucket": settings.need("files_bucket"), "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"'}))
