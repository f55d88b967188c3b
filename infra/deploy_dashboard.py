"""Publish the built dashboard to its stack: files to the bucket under app/, its config.json, a CloudFront refresh.

`make deploy` runs it after `sam deploy`: python -m infra.deploy_dashboard --stack-name leadpilot-dev
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

PREFIX = "app/"  # the app is built with base /app/, as the local cloud serves it
CONFIG = "config.json"
INDEX = "index.html"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Vite writes what it bundles to assets/ as <name>-<hash>.<ext>: a new content is a new name, so those files may be
# cached for a year. Everything else (index.html, config.json, public/ files) keeps its name and must revalidate.
HASHED = re.compile(r"assets/(?:[^/]+/)*[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".wasm": "application/wasm",
}
# What a new deployment changes under a name CloudFront may hold: the hashed assets have new names.
INVALIDATED = (f"/{PREFIX}{INDEX}", f"/{PREFIX}{CONFIG}")
REQUIRED_OUTPUTS = ("DashboardBucket", "DistributionId", "ApiUrl")


class DeployError(Exception):
    """The dashboard cannot be published (nothing built, or a stack without the dashboard)."""


@dataclass(frozen=True)
class Target:
    """Where the dashboard goes and what it talks to, from the stack's outputs."""

    bucket: str
    distribution_id: str
    api_url: str
    live_url: str | None = None  # the WebSocket API; without it the app polls

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, str]) -> Target:
        missing = [name for name in REQUIRED_OUTPUTS if not outputs.get(name)]
        if missing:
            raise DeployError(f"the stack has no output {', '.join(missing)}: deploy template.yaml first")
        return cls(outputs["DashboardBucket"], outputs["DistributionId"], outputs["ApiUrl"].rstrip("/"),
                   outputs.get("LiveUrl", "").rstrip("/") or None)


@dataclass(frozen=True)
class Upload:
    """One file of the build and how it is stored."""

    key: str
    path: Path
    content_type: str
    cache_control: str


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The stack's outputs by key."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        raise DeployError(f"stack {stack_name}: {exc.response['Error'].get('Message', exc)}") from exc
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}


def content_type(name: str) -> str:
    """The Content-Type a browser needs for this file (module scripts are refused under any other type)."""
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def plan(dist: Path) -> list[Upload]:
    """Every file of the build, hashed assets first and index.html last: a page never names a missing file."""
    if not (dist / INDEX).is_file():
        raise DeployError(f"{dist}/{INDEX} not found: build the dashboard first (npm --prefix dashboard run build)")
    uploads = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        name = path.relative_to(dist).as_posix()
        if name == CONFIG:
            continue  # the stack's own config.json is written instead
        cache = IMMUTABLE if HASHED.fullmatch(name) else REVALIDATE
        uploads.append(Upload(PREFIX + name, path, content_type(name), cache))
    return sorted(uploads, key=lambda u: (u.key == PREFIX + INDEX, u.cache_control != IMMUTABLE, u.key))


def runtime_config(target: Target) -> dict[str, str]:
    """config.json: where the app finds the API and its live updates (a key it lacks means its own origin)."""
    config = {"apiUrl": target.api_url}
    if target.live_url:
        config["liveUrl"] = target.live_url
    return config


def publish(s3: Any, cloudfront: Any, target: Target, dist: Path) -> str:
    """Upload the build and config.json, then invalidate what keeps its name; returns the invalidation id."""
    uploads = plan(dist)
    *rest, index = uploads
    for upload in rest:
        _put_file(s3, target.bucket, upload)
    s3.put_object(Bucket=target.bucket, Key=PREFIX + CONFIG, Body=json.dumps(runtime_config(target)).encode(),
                  ContentType=content_type(CONFIG), CacheControl=REVALIDATE)
    _put_file(s3, target.bucket, index)
    # Old hashed assets stay: a page opened before this deployment still loads its lazy chunks.
    batch = {"Paths": {"Quantity": len(INVALIDATED), "Items": list(INVALIDATED)},
             "CallerReference": f"dashboard-{time.time_ns()}"}
    reply = cloudfront.create_invalidation(DistributionId=target.distribution_id, InvalidationBatch=batch)
    return str(reply["Invalidation"]["Id"])


def _put_file(s3: Any, bucket: str, upload: Upload) -> None:
    s3.upload_file(str(upload.path), bucket, upload.key,
                   ExtraArgs={"ContentType": upload.content_type, "CacheControl": upload.cache_control})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy_dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--stack-name", required=True, help="the stack `sam deploy` created, e.g. leadpilot-dev")
    parser.add_argument("--dist", type=Path, default=Path("dashboard/dist"), help="the built app (vite build)")
    parser.add_argument("--region", help="the stack's region (default: the AWS configuration's)")
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    try:
        outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
        target = Target.from_outputs(outputs)
        invalidation = publish(session.client("s3"), session.client("cloudfront"), target, args.dist)
    except DeployError as exc:
        print(f"deploy_dashboard: {exc}", file=sys.stderr)
        return 2
    print(f"==> dashboard uploaded to s3://{target.bucket}/{PREFIX} (CloudFront invalidation {invalidation})")
    print(f"==> open {outputs.get('DashboardUrl', 'the DashboardUrl output')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
