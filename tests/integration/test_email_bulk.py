"""One email template to many contacts: each contact's own message, refusals with a reason, one charge for the
batch, and an idempotency key that makes the same request send nothing twice."""
from __future__ import annotations

from typing import Any

import boto3

from leadpilot.email import bulk
from leadpilot.email.models import EmailMessageItem
from leadpilot.email.suppression import suppress
from tests.integration.test_email_helpers import captured, contact, deliver, verified_sender
from tests.support.apps import Api

UNKNOWN = "01M80A45J90JMESM0AR82N1PFF"
TEMPLATE = {"subject": "Hi {{first_name}}", "body": "Hello **{{first_name}}**, our sale starts today."}


def used(api: Api, token: str) -> int:
    return int(api.get("/usage", token=token).body["counters"]["emails"]["day"]["used"])


def test_each_contact_gets_its_own_email_once_and_who_may_not_be_emailed_is_refused(
        cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given two reachable contacts, one who asked not to be contacted, one without an email address, one whose
    # address is suppressed, and an unknown id
    token, ws = owner["access_token"], owner["workspace"]["id"]
    verified_sender(api, token)
    ada = contact(api, token)
    bob = api.post("/contacts", {"first_name": "Bob", "email": "Bob@Example.com"}, token=token).body["id"]
    out = contact(api, token, "out@example.com", do_not_contact=True)
    phone = api.post("/contacts", {"first_name": "Pat", "phone": "+14155550129"}, token=token).body["id"]
    gone = contact(api, token, "gone@example.com")
    suppress(ws, "gone@example.com", "bounced", None)

    # When one template goes to all of them (a contact given twice counts once)
    reply = api.post("/emails/bulk", {"contact_ids": [ada, bob, out, phone, gone, UNKNOWN, ada], **TEMPLATE},
                     token=token)

    # Then each reachable contact has a queued message and the others a refusal with its reason
    assert reply.status == 202, reply
    assert reply.body["queued"] == 2 and reply.body["refused"] == 4
    outcome = {i["contact_id"]: i.get("error", {}).get("code", i["status"]) for i in reply.body["items"]}
    assert outcome == {ada: "queued", bob: "queued", out: "do_not_contact", phone: "no_email",
                       gone: "suppressed", UNKNOWN: "not_found"}
    assert [i["contact_id"] for i in reply.body["items"]] == [ada, bob, out, phone, gone, UNKNOWN]
    # And the worker sends each its own rendered message, once, charged once each
    assert deliver(cloud) == 2 and deliver(cloud) == 0
    mails = sorted(captured(api, token), key=lambda m: m["subject"])
    assert [m["subject"] for m in mails] == ["Hi Ada", "Hi Bob"]
    assert "<strong>Bob</strong>" in mails[1]["html"] and "bob@example.com" in mails[1]["to"]
    assert used(api, token) == 2
    message = next(i["message_id"] for i in reply.body["items"] if i["contact_id"] == bob)
    assert api.get(f"/emails/{message}", token=token).body["status"] == "sent"


def test_the_same_key_again_sends_and_charges_nothing_more(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a bulk send with an idempotency key, answered and sent
    token = owner["access_token"]
    verified_sender(api, token)
    ada, bob = contact(api, token), contact(api, token, "bob@example.com", first_name="Bob")
    request = {"contact_ids": [ada, bob], "idempotency_key": "spring-sale", **TEMPLATE}
    first = api.post("/emails/bulk", request, token=token)
    assert first.status == 202 and first.body["queued"] == 2, first
    # When the same request comes again before the worker ran, and once more after
    again = api.post("/emails/bulk", request, token=token)
    deliver(cloud)  # the repeat queued the still-queued messages again: the worker's claim sends each once
    assert len(captured(api, token)) == 2
    after = api.post("/emails/bulk", request, token=token)
    # Then the same messages answer (the last time as sent), two emails went out and two were charged
    ids = [i["message_id"] for i in first.body["items"]]
    assert [i["message_id"] for i in again.body["items"]] == ids == [i["message_id"] for i in after.body["items"]]
    assert [i["status"] for i in after.body["items"]] == ["sent", "sent"]
    assert deliver(cloud) == 0 and len(captured(api, token)) == 2
    assert used(api, token) == 2
    # And another key is another send
    other = api.post("/emails/bulk", {**request, "idempotency_key": "summer-sale"}, token=token)
    assert other.body["queued"] == 2 and {i["message_id"] for i in other.body["items"]}.isdisjoint(ids)


def test_a_keyed_message_saved_but_not_queued_is_queued_by_the_retry(cloud: Any, api: Api,
                                                                     owner: dict[str, Any]) -> None:
    # Given a keyed bulk send whose queue job was lost (a crash between the save and the queue)
    token, ws = owner["access_token"], owner["workspace"]["id"]
    verified_sender(api, token)
    ada = contact(api, token)
    request = {"contact_ids": [ada], "idempotency_key": "lost-job", **TEMPLATE}
    first = api.post("/emails/bulk", request, token=token)
    assert first.status == 202
    boto3.client("sqs").purge_queue(QueueUrl=cloud.resources["EmailSendQueue"].url)
    # When the client sends it again
    again = api.post("/emails/bulk", request, token=token)
    # Then the message is queued again and sent once
    assert again.body["items"][0] == first.body["items"][0]
    assert deliver(cloud) == 1 and len(captured(api, token)) == 1
    assert EmailMessageItem.get(f"WS#{ws}#EMAIL#{first.body['items'][0]['message_id']}", "MSG").status == "sent"


def test_bad_input_and_a_batch_over_the_plan_queue_nothing(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    ada = contact(api, token)
    bob = contact(api, token, "bob@example.com", first_name="Bob")
    cara = contact(api, token, "cara@example.com", first_name="Cara")
    # Given no sender: 422 naming "from"
    assert "from" in api.post("/emails/bulk", {"contact_ids": [ada], **TEMPLATE}, token=token).raw
    verified_sender(api, token)
    cases = [
        ({"contact_ids": [], **TEMPLATE}, "contact_ids"),
        ({"contact_ids": [ada] * 101, **TEMPLATE}, "contact_ids"),
        ({"contact_ids": ["nope"], **TEMPLATE}, "contact_ids"),
        ({"contact_ids": [ada], **TEMPLATE, "subject": "Hi {{nickname}}"}, "subject"),
        ({"contact_ids": [ada], **TEMPLATE, "body": "Dear {{favourite_color}}"}, "body"),
        ({"contact_ids": [ada], **TEMPLATE, "body": "x" * 100_001}, "body"),
        ({"contact_ids": [ada], **TEMPLATE, "from_name": "A\r\nBcc: x@evil.test"}, "from_name"),
        ({"contact_ids": [ada], "subject": "Hi"}, "body"),
    ]
    for body, field in cases:
        reply = api.post("/emails/bulk", body, token=token)
        assert reply.status == 422 and field in reply.raw, (body, reply)
    # Given an allowance of 2 emails a day: three contacts at once are a 429 naming the counter
    assert api.call("PUT", "/usage/limits", {"limits": {"emails": {"day": 2}}}, token=token).status == 200
    over = api.post("/emails/bulk", {"contact_ids": [ada, bob, cara], **TEMPLATE}, token=token)
    assert over.status == 429 and "emails" in over.body["error"]["message"], over
    # And nothing was queued, sent or charged
    assert deliver(cloud) == 0 and captured(api, token) == [] and used(api, token) == 0
    # While two of them fit
    assert api.post("/emails/bulk", {"contact_ids": [ada, bob], **TEMPLATE}, token=token).body["queued"] == 2
    assert deliver(cloud) == 2 and used(api, token) == 2


def test_a_contact_whose_template_renders_empty_is_refused_alone(cloud: Any, api: Api,
                                                                 owner: dict[str, Any]) -> None:
    # Given a subject that is only the contact's last name, and one contact without one
    token = owner["access_token"]
    verified_sender(api, token)
    ada = contact(api, token, last_name="Lovelace")
    bob = contact(api, token, "bob@example.com", first_name="Bob")
    # When it goes to both
    reply = api.post("/emails/bulk", {"contact_ids": [ada, bob], "subject": "{{last_name}}", "body": "Hello"},
                     token=token)
    # Then Ada's is queued and Bob's refused, naming the subject
    assert reply.status == 202 and reply.body["queued"] == 1
    refused = reply.body["items"][1]
    assert refused["status"] == "refused" and "subject" in refused["error"]["message"]
    assert deliver(cloud) == 1 and used(api, token) == 1


def test_large_messages_are_written_in_transactions_under_dynamodbs_size_limit() -> None:
    # Given 100 messages of ~190 KB each (HTML and text of a 95 KB body)
    items = [EmailMessageItem(f"WS#w#EMAIL#{n}", "MSG", html="h" * 95_000, text="t" * 95_000, subject="s")
             for n in range(100)]
    # When they are grouped for saving
    groups = bulk._groups(items)
    # Then every message is in one group, in order, and no group passes 3 MB or 100 messages
    assert [item for group in groups for item in group] == items
    assert all(sum(len(i.html) + len(i.text) for i in group) <= 3_000_000 for group in groups)
    assert len(groups) == 7
    # And small messages go 100 to a transaction
    small = [EmailMessageItem(f"WS#w#EMAIL#{n}", "MSG", html="h", text="t", subject="s") for n in range(150)]
    assert [len(group) for group in bulk._groups(small)] == [100, 50]


def test_a_keyed_request_retried_after_a_partial_save_is_charged_once(cloud: Any, api: Api, owner: dict[str, Any],
                                                                      monkeypatch: Any) -> None:
    # Given a keyed bulk send to two contacts that stopped after saving the first message (DynamoDB failed on the
    # second transaction), its charge for both taken
    token = owner["access_token"]
    verified_sender(api, token)
    ada, bob = contact(api, token), contact(api, token, "bob@example.com", first_name="Bob")
    request = {"contact_ids": [ada, bob], "idempotency_key": "half-saved", **TEMPLATE}
    saves: list[int] = []
    real_save = bulk._save

    def failing_second(settings: Any, items: list[EmailMessageItem]) -> None:
        saves.append(len(items))
        if len(saves) == 2:
            raise RuntimeError("DynamoDB is unavailable")
        real_save(settings, items)

    monkeypatch.setattr(bulk, "_groups", lambda items: [[item] for item in items])
    monkeypatch.setattr(bulk, "_save", failing_second)
    assert api.post("/emails/bulk", request, token=token).status == 500
    assert used(api, token) == 2
    monkeypatch.undo()
    # When the client sends the same request again
    again = api.post("/emails/bulk", request, token=token)
    # Then both are queued, each email goes out once, and the two are charged once
    assert again.status == 202 and again.body["queued"] == 2, again
    deliver(cloud)
    assert sorted(m["subject"] for m in captured(api, token)) == ["Hi Ada", "Hi Bob"]
    assert used(api, token) == 2
