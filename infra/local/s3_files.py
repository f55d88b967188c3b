"""S3 objects across a crash of the local cloud: moto's objects mirrored to files under the data dir.

moto keeps S3 in memory only, so an import queued just before a `kill -9` found its uploaded CSV gone. Here
each object put is also written to `<root>/<bucket>/<key>` (atomically: a temporary file renamed into place)
before the put returns, and each delete removes it; when provisioning creates a bucket again, its files go
back into it. Only the bytes are kept (not metadata, tags or versions): enough for the job files the local
cloud holds.
"""
from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("infra.local.s3_files")


def _path(root: Path, bucket: str, key: str) -> Path | None:
    """Where an object's bytes live; None for a key that would leave its bucket's folder."""
    folder = (root / bucket).resolve()
    target = (folder / key).resolve()
    return target if target.is_relative_to(folder) and target != folder else None


def _write(path: Path, value: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(value)
    os.replace(temporary, path)


def install(root: Path) -> None:
    """Mirror moto's S3 objects to `root` and restore them as their buckets are created."""
    from moto.s3.models import S3Backend

    put_object = S3Backend.put_object
    delete_object = S3Backend.delete_object
    create_bucket = S3Backend.create_bucket

    @functools.wraps(put_object)
    def put(self: Any, bucket_name: str, key_name: str, value: bytes, *args: Any, **kwargs: Any) -> Any:
        key = put_object(self, bucket_name, key_name, value, *args, **kwargs)
        path = _path(root, bucket_name, key_name)
        if path is not None:
            _write(path, bytes(value))
        return key

    @functools.wraps(delete_object)
    def delete(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        result = delete_object(self, bucket_name, key_name, *args, **kwargs)
        path = _path(root, bucket_name, key_name)
        if path is not None:
            path.unlink(missing_ok=True)
        return result

    @functools.wraps(create_bucket)
    def create(self: Any, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        bucket = create_bucket(self, bucket_name, *args, **kwargs)
        folder = root / bucket_name
        restored = 0
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and not path.name.startswith("."):
                put_object(self, bucket_name, path.relative_to(folder).as_posix(), path.read_bytes(),
                           disable_notification=True)
                restored += 1
        if restored:
            log.warning("restored %d object(s) into bucket %s from %s", restored, bucket_name, folder)
        return bucket

    S3Backend.put_object = put  # type: ignore[method-assign]
    S3Backend.delete_object = delete  # type: ignore[method-assign]
    S3Backend.create_bucket = create  # type: ignore[method-assign]

