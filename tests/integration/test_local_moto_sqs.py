"""The local cloud's moto SQS: sending and receiving do not rescan a deep queue per message, the queue's
attributes (the approximate counts included) still read right, and threads at once neither share nor lose a
message."""
from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.sqs.models import Queue


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("sqs")


def test_send_and_receive_skip_the_counts_and_attributes_stay_right(sqs: Any, monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    # Given a queue 200 messages deep, and a count of every scan of its messages for the approximate counts
    url = sqs.create_queue(QueueName="deep", Attributes={"MessageRetentionPeriod": "3600"})["QueueUrl"]
    for start in range(0, 200, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{start + i}"}
                                                      for i in range(10)])
    scans = {"n": 0}
    counted = Queue.approximate_number_of_messages.fget  # type: ignore[attr-defined]

    def counting(self: Any) -> int:
        scans["n"] += 1
        return int(counted(self))

    monkeypatch.setattr(Queue, "approximate_number_of_messages", property(counting))

    # When more messages are sent and a batch is received
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"x{i}"} for i in range(10)])
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]

    # Then no message was sent or received by scanning the queue, and the attributes still count right
    assert len(got) == 10 and scans["n"] == 0
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "200"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "10"
    assert attributes["MessageRetentionPeriod"] == "3600"


def test_an_expired_message_is_still_dropped_on_receive(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqs.create_queue(QueueName="short", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    import moto.core.utils as moto_utils

    later = moto_utils.unix_time() + 120
    monkeypatch.setattr(moto_utils, "unix_time", lambda *a: later)
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []


def test_senders_and_receivers_at_once_get_every_message_once(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given one thread sending 200 messages while four others receive and delete them, as the local cloud's
    # workers and pollers do on its threaded moto server (thread switches forced often, so races show)
    url = sqs.create_queue(QueueName="busy", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    previous = sys.getswitchinterval()
    got: Counter[str] = Counter()
    errors: list[str] = []

    def send() -> None:
        client = boto3.client("sqs")
        for i in range(200):
            client.send_message(QueueUrl=url, MessageBody=f"m{i}")

    def take() -> None:
        client, idle = boto3.client("sqs"), 0
        while idle < 20:
            try:
                messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            except Exception as error:  # any failure of a receive is what this test looks for
                errors.append(repr(error)[:120])
                continue
            for message in messages:
                got[message["Body"]] += 1
                client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            idle = 0 if messages else idle + 1

    # When they all run at once
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=send)] + [threading.Thread(target=take) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)

    # Then every message was received exactly once, none was lost and no call failed
    assert not errors, errors[:3]
    assert sorted(got) == sorted(f"m{i}" for i in range(200))
    assert max(got.values()) == 1


def test_a_long_poll_still_waits_for_a_message_sent_meanwhile(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="waiting")["QueueUrl"]
    later = threading.Timer(0.3, lambda: boto3.client("sqs").send_message(QueueUrl=url, MessageBody="late"))
    later.start()
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
    assert [m["Body"] for m in got] == ["late"] and time.monotonic() - started < 4
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []
