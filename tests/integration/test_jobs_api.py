"""Import, export and bulk actions as jobs with progress and per-row errors (moto in-process)."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

import boto3
import pytest

from tests.integration.conftest import drain_queue, sign_up
from tests.support.apps import Api, load_module

HUBSPOT_EXPORT = """Record ID,First Name,Last Name,Email,Phone Number,Company Name,Original Source,Lifecycle Stage
1,Ada,Lovelace,ada@example.com,(415) 555-0101,Analytical Engines,Organic Search,lead
2,Alan,Turing,ALAN@example.com,415-555-0102,Bletchley,Referrals,customer
3,Bad,Email,not-an-email,,X,Offline,lead
4,Grace,Hopper,grace@example.com,12,Navy,Paid,lead
5,Ada,Again,ada@example.com,,Dup,Organic Search,lead
"""
GHL_EXPORT = """Contact Id,First Name,Last Name,Business Name,Phone,Email,Tags,Source
x1,Linus,Torvalds,Linux,+1 415 555 0103,linus@example.com,"vip, kernel",facebook ads
"""


def _worker(cloud: Any) -> int:
    return drain_queue(cloud, "JobsQueue", load_module("functions/jobs").run_job_chunk)


def _job(api: Api, token: str, job_id: str) -> dict[str, Any]:
    reply = api.get(f"/jobs/{job_id}", token=token)
    assert reply.status == 200, reply
    return reply.body


def test_hubspot_export_imports_with_auto_mapping_and_a_row_error_report(api: Api, owner: dict[str, Any],
                                                                         cloud: Any) -> None:
    token = owner["access_token"]
    # Given an existing contact that the file also contains
    api.post("/contacts", {"first_name": "Alan", "email": "alan@example.com"}, token=token)
    # When a HubSpot export is imported with the default dedupe (skip)
    started = api.post("/imports", {"csv": HUBSPOT_EXPORT, "tags": ["imported"]}, token=token)
    assert started.status == 201, started
    assert started.body["status"] == "queued" and started.body["total"] == 5
    assert started.body["params"]["mapping"]["Phone Number"] == "phone"
    _worker(cloud)
    # Then the job reports exact progress and outcome per row
    job = _job(api, token, started.body["id"])
    assert job["status"] == "completed_with_errors" and job["progress_percent"] == 100.0
    assert (job["processed"], job["succeeded"], job["skipped"], job["failed"]) == (5, 1, 2, 2)
    errors = api.get(f"/jobs/{job['id']}/errors", token=token).body["items"]
    by_row = {e["row"]: e for e in errors}
    assert by_row[4]["field"] == "email"          # not-an-email
    assert by_row[5]["field"] == "phone"          # "12"
    assert by_row[3]["ref"] and "skipped" in by_row[3]["message"]   # Alan exists
    assert "skipped" in by_row[6]["message"]  # repeats row 2 of the file
    contacts = {c["email"]: c for c in api.get("/contacts", token=token).body["items"]}
    assert contacts["ada@example.com"]["phone"] == "+14155550101"
    assert contacts["ada@example.com"]["tags"] == ["imported"]
    assert contacts["ada@example.com"]["source"] == "Organic Search"
    assert by_row[6]["ref"] == contacts["ada@example.com"]["id"]


def test_import_reports_unmapped_columns_and_pages_its_errors_to_the_end(api: Api, owner: dict[str, Any],
                                                                       cloud: Any) -> None:
    token = owner["access_token"]
    # When a HubSpot export is imported (two of its columns are not contact fields)
    started = api.post("/imports", {"csv": HUBSPOT_EXPORT}, token=token)
    # Then the job says which columns it leaves out
    assert started.status == 201, started
    assert started.body["params"]["unmapped_columns"] == ["Record ID", "Lifecycle Stage"]
    assert _job(api, token, started.body["id"])["params"]["unmapped_columns"] == ["Record ID", "Lifecycle Stage"]
    _worker(cloud)
    # When its three row errors are read two at a time
    path = f"/jobs/{started.body['id']}/errors?limit=2"
    first = api.get(path, token=token).body
    second = api.get(f"{path}&cursor={first['next_cursor']}", token=token).body
    # Then the pages hold every error once, and the last page has no cursor
    assert [e["row"] for e in first["items"] + second["items"]] == [4, 5, 6]
    assert first["next_cursor"] and first["next_after_row"] == 5
    assert second["next_cursor"] is None and second["next_after_row"] is None
    assert [e["row"] for e in api.get(f"{path}&after_row=4", token=token).body["items"]] == [5, 6]
    # And a page that holds exactly the rest has no cursor either
    whole = api.get(f"/jobs/{started.body['id']}/errors?limit=3", token=token).body
    assert len(whole["items"]) == 3 and whole["next_cursor"] is None
    # And a cursor that is not one of ours, or a row that is not a number, is a 422 naming it
    for query, field in (("cursor=%%%", "cursor"), ("after_row=²", "after_row")):
        reply = api.get(f"{path}&{query}", token=token)
        assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == field, reply


def test_gohighlevel_export_maps_tags_and_business_name(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    job = api.post("/imports", {"csv": GHL_EXPORT}, token=token).body
    _worker(cloud)
    assert _job(api, token, job["id"])["status"] == "completed"
    [linus] = api.get("/contacts", token=token).body["items"]
    assert (linus["company"], linus["tags"], linus["phone"]) == ("Linux", ["vip", "kernel"], "+14155550103")


def test_update_mode_updates_existing_contacts(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    existing = api.post("/contacts", {"first_name": "Linus", "email": "linus@example.com"}, token=token).body
    job = api.post("/imports", {"csv": GHL_EXPORT, "dedupe": "update"}, token=token).body
    _worker(cloud)
    assert _job(api, token, job["id"])["succeeded"] == 1
    assert api.get(f"/contacts/{existing['id']}", token=token).body["company"] == "Linux"


def test_a_redelivered_chunk_is_counted_once(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    job = api.post("/imports", {"csv": GHL_EXPORT}, token=token).body
    sqs = boto3.client("sqs")
    url = cloud.resources["JobsQueue"].url
    body = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]["Body"]
    worker = load_module("functions/jobs").run_job_chunk
    event = {"Records": [{"messageId": "m1", "receiptHandle": "r", "body": body, "attributes": {},
                          "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                          "eventSourceARN": cloud.resources["JobsQueue"].arn, "awsRegion": "us-east-1"}]}
    assert worker(event, None) == {"batchItemFailures": []}
    assert worker(event, None) == {"batchItemFailures": []}
    final = _job(api, token, job["id"])
    assert (final["processed"], final["succeeded"], final["status"]) == (1, 1, "completed")
    assert len(api.get("/contacts", token=token).body["items"]) == 1


@pytest.mark.parametrize("body,field", [
    ({"csv": "only,a,header\n"}, "csv"),
    ({"csv": "Favourite Colour\nblue\n"}, "mapping"),
    ({"csv": GHL_EXPORT, "mapping": {"Nope": "email"}}, "mapping/Nope"),
    ({"csv": GHL_EXPORT, "mapping": {"Email": "shoe_size"}}, "mapping/Email"),
    ({"csv": GHL_EXPORT, "dedupe": "merge"}, "dedupe"),
])
def test_a_bad_file_or_mapping_is_refused_up_front(api: Api, owner: dict[str, Any], body: dict[str, Any],
                                                  field: str) -> None:
    reply = api.post("/imports", body, token=owner["access_token"])
    assert reply.status == 422, reply
    assert field in [e["field"] for e in reply.body["error"]["details"]["errors"]]
    assert api.get("/jobs", token=owner["access_token"]).body["items"] == []


def test_export_of_the_workspace_and_of_a_selection(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    ids = [api.post("/contacts", {"first_name": f"P{i}", "company": "=HYPERLINK(1)" if i == 0 else "Co"},
                    token=token).body["id"] for i in range(3)]
    everything = api.post("/exports", {}, token=token).body
    selection = api.post("/exports", {"contact_ids": [ids[1], "01M80A45J90JMESM0AR82N1PFF"]}, token=token).body
    _worker(cloud)
    done = _job(api, token, everything["id"])
    assert done["status"] == "completed" and done["result"]["rows"] == 3
    link = api.get(f"/jobs/{everything['id']}/download", token=token)
    assert link.status == 200 and link.body["rows"] == 3
    text = boto3.client("s3").get_object(Bucket=cloud.resources["FilesBucket"].name,
                                          Key=done["result"]["file"])["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == ids
    assert rows[0]["company"] == "'=HYPERLINK(1)"  # no formula injection into spreadsheets
    partial = _job(api, token, selection["id"])
    assert partial["status"] == "completed_with_errors" and (partial["succeeded"], partial["failed"]) == (1, 1)


def test_bulk_tag_untag_and_delete_report_per_item_results(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    ids = [api.post("/contacts", {"first_name": f"B{i}", "tags": ["old"]}, token=token).body["id"] for i in range(4)]
    foreign = api.post("/contacts", {"first_name": "Other"}, token=sign_up(api, "Foreign")["access_token"]).body["id"]
    tag = api.post("/bulk-actions", {"action": "tag", "contact_ids": [*ids, foreign], "tags": ["VIP"]}, token=token)
    assert tag.status == 201, tag
    _worker(cloud)
    job = _job(api, token, tag.body["id"])
    assert (job["succeeded"], job["failed"], job["status"]) == (4, 1, "completed_with_errors")
    assert api.get(f"/jobs/{job['id']}/errors", token=token).body["items"][0]["ref"] == foreign
    assert all(api.get(f"/contacts/{i}", token=token).body["tags"] == ["old", "vip"] for i in ids)
    api.post("/bulk-actions", {"action": "untag", "contact_ids": ids, "tags": ["old"]}, token=token)
    api.post("/bulk-actions", {"action": "delete", "contact_ids": ids[:2]}, token=token)
    _worker(cloud)
    remaining = api.get("/contacts", token=token).body["items"]
    assert [c["id"] for c in remaining] == ids[2:] and all(c["tags"] == ["vip"] for c in remaining)
    bad = api.post("/bulk-actions", {"action": "tag", "contact_ids": ids}, token=token)
    assert bad.status == 422 and bad.body["error"]["details"]["errors"][0]["field"] == "tags"


def test_bulk_enroll_needs_a_published_flow(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    # Given a contact, when a bulk enrolment names a flow that does not exist
    token = owner["access_token"]
    cid = api.post("/contacts", {"first_name": "E"}, token=token).body["id"]
    bad = api.post("/bulk-actions", {"action": "enroll", "contact_ids": [cid], "flow_id": "welcome"}, token=token)
    # Then nothing is queued and the error names the field
    assert bad.status == 422 and bad.body["error"]["details"]["errors"][0]["field"] == "flow_id"


def test_jobs_of_another_workspace_are_not_found(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    job = api.post("/imports", {"csv": GHL_EXPORT}, token=owner["access_token"]).body
    other = sign_up(api, "Snoop")["access_token"]
    for path in (f"/jobs/{job['id']}", f"/jobs/{job['id']}/errors", f"/jobs/{job['id']}/download"):
        assert api.get(path, token=other).status == 404
    assert json.dumps(api.get("/jobs", token=other).body).count(job["id"]) == 0


def test_bulk_on_a_segment_assigns_owner_and_moves_deal_stages(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    # Given two VIP contacts with an open deal each, and a segment of VIPs
    pipeline = api.post("/pipelines", {"name": "Sales"}, token=token).body
    first, won = pipeline["stages"][0]["id"], pipeline["stages"][1]["id"]
    vips = [api.post("/contacts", {"first_name": f"V{i}", "tags": ["vip"]}, token=token).body["id"] for i in range(2)]
    api.post("/contacts", {"first_name": "Plain"}, token=token)
    deal_ids = [api.post("/deals", {"name": f"D{i}", "pipeline_id": pipeline["id"], "contact_id": cid,
                                    "stage_id": first}, token=token).body["id"] for i, cid in enumerate(vips)]
    segment = api.post("/segments", {"name": "VIPs", "filter": {"tags": {"all": ["vip"]}}}, token=token)
    assert segment.status == 201, segment
    # When the segment's deals are moved and an owner is assigned in bulk
    moved = api.post("/bulk-actions", {"action": "move_stage", "segment_id": segment.body["id"],
                                       "pipeline_id": pipeline["id"], "stage_id": won}, token=token)
    assigned = api.post("/bulk-actions", {"action": "assign_owner", "segment_id": segment.body["id"],
                                          "owner_id": owner["user"]["id"]}, token=token)
    assert moved.status == 201 and moved.body["total"] == 2, moved
    _worker(cloud)
    # Then every selected contact was handled, and nobody else
    assert _job(api, token, moved.body["id"])["succeeded"] == 2
    assert _job(api, token, assigned.body["id"])["succeeded"] == 2
    assert {api.get(f"/deals/{d}", token=token).body["stage_id"] for d in deal_ids} == {won}
    assert all(api.get(f"/contacts/{c}", token=token).body["owner_id"] == owner["user"]["id"] for c in vips)
    # And bad parameters are refused before anything runs
    bad_stage = api.post("/bulk-actions", {"action": "move_stage", "contact_ids": vips,
                                           "pipeline_id": pipeline["id"], "stage_id": vips[0]}, token=token)
    assert bad_stage.status == 422 and bad_stage.body["error"]["details"]["errors"][0]["field"] == "stage_id"
    # And a segment exports to CSV with its members only
    export = api.post("/exports", {"segment_id": segment.body["id"]}, token=token)
    assert export.status == 201 and export.body["total"] == 2, export
    _worker(cloud)
    assert _job(api, token, export.body["id"])["result"]["rows"] == 2
    both = api.post("/bulk-actions", {"action": "delete", "contact_ids": vips, "segment_id": segment.body["id"]},
                    token=token)
    assert both.status == 422


def test_a_job_whose_file_is_gone_fails_visibly(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    job = api.post("/imports", {"csv": GHL_EXPORT}, token=token).body
    # Given the uploaded file disappeared before the worker ran (e.g. a local cloud restart)
    boto3.client("s3").delete_object(Bucket=cloud.resources["FilesBucket"].name, Key=job["params"]["file"])
    _worker(cloud)
    # Then the job is failed with a reason, not stuck or retried into the DLQ
    final = _job(api, token, job["id"])
    assert final["status"] == "failed" and "file" in final["result"]["reason"], final
    assert boto3.client("sqs").get_queue_attributes(QueueUrl=cloud.resources["JobsDLQ"].url,
                                                    AttributeNames=["ApproximateNumberOfMessages"]
                                                    )["Attributes"]["ApproximateNumberOfMessages"] == "0"
