"""The local cloud's moto server keeps its queued messages (infra.local.sqs_journal) and its S3 objects
(infra.local.s3_files) across a SIGKILL."""
from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.moto_server import MotoServer

QUEUE = "journaled"


class Server:
    """A moto_main server journaling to one file; killable and startable again on it."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp_path, self.monkeypatch = tmp_path, monkeypatch
        self.state = tmp_path / "moto-state"
        self.server: MotoServer | None = None

    def start(self) -> Any:
        """Start moto, create the queues as provisioning does, and return an SQS client for it."""
        self.server = MotoServer(self.tmp_path / "moto.log", self.tmp_path / "moto.pid", state_dir=self.state)
        self.server.start()
        self.monkeypatch.setenv("AWS_ENDPOINT_URL", self.server.url)
        sqs = boto3.client("sqs", region_name="us-east-1")  # named: see tests/integration/conftest.py _session
        dlq = sqs.create_queue(QueueName=f"{QUEUE}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.create_queue(QueueName=QUEUE, Attributes={
            "VisibilityTimeout": "60", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                                                    "maxReceiveCount": "1"})})
        return sqs

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing is flushed or saved on the way out."""
        assert self.server is not None and self.server._process is not None
        os.killpg(self.server._process.pid, signal.SIGKILL)
        self.server._process.wait()
        self.server.stop()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


@pytest.fixture
def moto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for key, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    server = Server(tmp_path, monkeypatch)
    try:
        yield server
    finally:
        server.stop()


def _url(sqs: Any, name: str = QUEUE) -> str:
    return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])


def _receive_all(sqs: Any, name: str, wanted: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for _ in range(10):  # bounded: a few long polls, not a timed assertion
        found += sqs.receive_message(QueueUrl=_url(sqs, name), MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     MessageAttributeNames=["All"]).get("Messages", [])
        if len(found) >= wanted:
            break
    return found


def test_messages_not_deleted_come_back_after_a_sigkill_with_their_ids(moto: Server) -> None:
    # Given a queue holding a handled (deleted) message, one in flight (received, not deleted) and one waiting
    # with an attribute
    sqs = moto.start()
    url = _url(sqs)
    sent = {body: sqs.send_message(QueueUrl=url, MessageBody=body, **extra)["MessageId"] for body, extra in [
        ("handled", {}), ("in-flight", {}),
        ("waiting", {"MessageAttributes": {"kind": {"DataType": "String", "StringValue": "text"}}})]}
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    assert sorted(m["Body"] for m in first) == ["handled", "in-flight"]
    handled = next(m for m in first if m["Body"] == "handled")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handled["ReceiptHandle"])

    # When the server is killed and started again on the same journal, and its queues created again
    moto.kill()
    sqs = moto.start()

    # Then every message that was not deleted is back and visible at once, with its id, body and attributes; the
    # deleted one is not, and nothing went to the dead-letter queue
    back = {m["Body"]: m for m in _receive_all(sqs, QUEUE, 2)}
    assert {body: m["MessageId"] for body, m in back.items()} == {
        "in-flight": sent["in-flight"], "waiting": sent["waiting"]}
    assert back["waiting"]["MessageAttributes"]["kind"]["StringValue"] == "text"
    assert _receive_all(sqs, f"{QUEUE}-dlq", 0) == []


def test_a_move_to_the_dead_letter_queue_and_a_purge_are_kept(moto: Server) -> None:
    # Given a message received once (maxReceiveCount 1) and made visible again, and a purged queue's message
    sqs = moto.start()
    url = _url(sqs)
    poison = sqs.send_message(QueueUrl=url, MessageBody="poison")["MessageId"]
    received = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=received["ReceiptHandle"], VisibilityTimeout=0)
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []  # moved to the DLQ
    sqs.send_message(QueueUrl=_url(sqs, f"{QUEUE}-dlq"), MessageBody="purged")
    dlq_url = _url(sqs, f"{QUEUE}-dlq")
    moved = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    assert sorted(m["Body"] for m in moved) == ["poison", "purged"]

    # When the DLQ is purged after a new message lands there, then the server is killed and started again
    sqs.purge_queue(QueueUrl=dlq_url)
    after = sqs.send_message(QueueUrl=dlq_url, MessageBody="after the purge")["MessageId"]
    moto.kill()
    sqs = moto.start()

    # Then the source queue is empty (the move is kept) and the DLQ holds only what came after the purge
    assert _receive_all(sqs, QUEUE, 0) == []
    assert [(m["MessageId"], m["Body"]) for m in _receive_all(sqs, f"{QUEUE}-dlq", 1)] == [(after, "after the purge")]
    assert poison != after


def test_objects_come_back_after_a_sigkill_and_deleted_ones_do_not(moto: Server) -> None:
    # Given a bucket with an uploaded import file, and a file that was deleted
    moto.start()
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="files")
    s3.put_object(Bucket="files", Key="workspaces/w1/jobs/j1/upload.csv", Body=b"First Name\nAda\n")
    s3.put_object(Bucket="files", Key="workspaces/w1/jobs/j0/export.csv", Body=b"old")
    s3.delete_object(Bucket="files", Key="workspaces/w1/jobs/j0/export.csv")

    # When the server is killed and started again, and the bucket created again as provisioning does
    moto.kill()
    moto.start()
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="files")

    # Then the uploaded file is there with its bytes, and the deleted one is not
    body = s3.get_object(Bucket="files", Key="workspaces/w1/jobs/j1/upload.csv")["Body"].read()
    assert body == b"First Name\nAda\n"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="files")["Contents"]] == ["workspaces/w1/jobs/j1/upload.csv"]
