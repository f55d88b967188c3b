"""Messages per minute through the email send pipeline (API -> queue -> worker -> SES), as a ratio to the raw
SES send_raw_email calls the same messages need, on in-process moto patched as the local cloud runs it
(infra.local.moto_main: per-item transaction undo instead of a copy of the whole table per transaction).

Pipeline per message: POST /emails (render, checks, message record, SQS send) + the worker's share of one
batch of 10: two BatchGetItem (messages; contacts and suppression entries), one claim transaction, one SES call
per message, one recording transaction, one PutEvents and one outbox transaction: about 1.6 AWS calls per
message (9 when the worker took one message at a time). The API makes about 10 calls per message (caller,
rate limit, contact, workspace, suppression, sender, usage limits and charge, the message put, the SQS send).
Raw baseline: one send_raw_email of an equivalent MIME message.
Run: python -m bench.email_send [--messages 200]
"""
from __future__ import annotations

import argparse
import os
import time
from typing import Any

import boto3
from moto import mock_aws

from infra.local.moto_main import patch_dynamodb, patch_sqs
from infra.local.provision import provision
from leadpilot.email.config import email_config
from leadpilot.settings import get_settings
from tests.support.apps import TEMPLATE, Api, load_module


def _environment() -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                       "POWERTOOLS_METRICS_DISABLED": "true"}.items():
        os.environ.setdefault(key, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)


def _drain(url: str, handler: Any) -> int:
    sqs, handled = boto3.client("sqs"), 0
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not msgs:
            return handled
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": {}, "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                    "eventSourceARN": "", "awsRegion": "us-east-1"} for m in msgs]
        handler({"Records": records}, None)
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(msgs)])
        handled += len(msgs)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args(argv)
    _environment()
    patch_dynamodb()  # moto as the local cloud runs it: per-item transaction undo, per-partition queries
    patch_sqs()
    with mock_aws():
        deployment = provision(TEMPLATE, {"Stage": "bench", "JwtSecret": "bench-secret-0123456789abcdef0123456789"})
        for key, value in deployment.function("EmailFunction").environment.items():
            if key.isupper() and key != "POWERTOOLS_SERVICE_NAME":
                os.environ[key] = str(value)
        get_settings.cache_clear()
        email_config.cache_clear()
        api = Api()
        token = api.post("/auth/signup", {"workspace_name": "Bench", "email": "mail@bench.test",
                                          "password": "bench-password-123", "name": "Bench"}).body["access_token"]
        api.call("PUT", "/email/sender", {"email": "hello@bench.test"}, token=token)
        contact = api.post("/contacts", {"first_name": "Ada", "email": "ada@bench.test"}, token=token).body
        body = {"contact_id": contact["id"], "subject": "Hi {{first_name}}",
                "body": "Hello **{{first_name}}**, see [our prices](https://bench.test/p)."}
        started = time.perf_counter()
        for _ in range(args.messages):
            assert api.post("/emails", body, token=token).status == 202
        queued = time.perf_counter() - started
        sent = _drain(str(deployment.resources["EmailSendQueue"].url), load_module("functions/email").on_send)
        pipeline = time.perf_counter() - started
        assert sent == args.messages
        ses = boto3.client("ses")
        raw = b"From: hello@bench.test\r\nTo: ada@bench.test\r\nSubject: Hi\r\n\r\nHello\r\n"
        started = time.perf_counter()
        for _ in range(args.messages):
            ses.send_raw_email(Source="hello@bench.test", Destinations=["ada@bench.test"], RawMessage={"Data": raw})
        baseline = time.perf_counter() - started
    result = {"messages": args.messages, "per_minute": round(args.messages / pipeline * 60),
              "api_ms": round(queued / args.messages * 1000, 1),
              "worker_ms": round((pipeline - queued) / args.messages * 1000, 1),
              "raw_ses_ms": round(baseline / args.messages * 1000, 1), "ratio": round(pipeline / baseline, 1)}
    print(f"email send pipeline: {result['per_minute']} messages/min on in-process moto "
          f"(API {result['api_ms']} ms + worker {result['worker_ms']} ms per message; raw SES call "
          f"{result['raw_ses_ms']} ms; ratio {result['ratio']}x)")
    return result


if __name__ == "__main__":
    main()
