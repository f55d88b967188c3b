"""Agencies: sub-accounts that never see each other or their agency, monthly rollups billed at each sub-account's
markup (a golden file of a month's totals), and templates copied into a sub-account once."""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadpilot import usage
from leadpilot.events.bus import publish
from leadpilot.events.envelope import domain_event
from leadpilot.ids import new_id
from leadpilot.settings import get_settings
from tests.integration.conftest import drain_queue, sign_up
from tests.support.apps import Api, load_module

GOLDEN = Path(__file__).parent / "golden" / "agency_rollup_2025-06.json"
GOLDEN_CSV = GOLDEN.with_suffix(".csv")
PASSWORD = "correct-horse-battery"


def _agency(api: Api, name: str = "Agency") -> tuple[str, str]:
    """A new workspace turned into an agency: (owner's token, agency id)."""
    owner = sign_up(api, name)
    reply = api.post("/agency", token=owner["access_token"])
    assert reply.status == 201, reply
    return owner["access_token"], reply.body["id"]


def _sub(api: Api, token: str, name: str, **extra: Any) -> dict[str, Any]:
    reply = api.post("/agency/sub-accounts", {"name": name, "timezone": "America/Denver", **extra}, token=token)
    assert reply.status == 201, reply
    return dict(reply.body)


def _open(api: Api, token: str, sub_id: str) -> str:
    reply = api.post(f"/agency/sub-accounts/{sub_id}/open", token=token)
    assert reply.status == 200, reply
    return str(reply.body["access_token"])


def _error(reply: Any) -> tuple[int, str, str]:
    """(status, code, the field named) of a refusal."""
    error = reply.body["error"]
    details = error["details"]
    field = details.get("field") or (details.get("errors") or [{}])[0].get("field", "")
    return reply.status, error["code"], field


def test_an_agency_creates_opens_and_isolates_its_sub_accounts(api: Api) -> None:
    # Given a plain workspace: agency routes refuse it
    plain = sign_up(api, "Plain")["access_token"]
    for method, path in (("GET", "/agency"), ("GET", "/agency/sub-accounts"), ("GET", "/agency/rollups"),
                         ("GET", "/agency/rollups/csv"), ("GET", "/agency/templates")):
        assert _error(api.call(method, path, token=plain))[:2] == (403, "not_an_agency"), path
    refused = api.post("/agency/sub-accounts", {"name": "X", "timezone": "UTC"}, token=plain)
    assert _error(refused)[:2] == (403, "not_an_agency")

    # When another workspace becomes an agency (twice: the same agency) and creates three sub-accounts
    token, agency_id = _agency(api)
    again = api.post("/agency", token=token)
    assert again.status == 201 and again.body == api.get("/agency", token=token).body
    for body, field in (({"name": "X", "timezone": "Mars/Base"}, "timezone"), ({"timezone": "UTC"}, "name"),
                        ({"name": "X", "timezone": "UTC", "owner_email": "not-an-email"}, "owner_email"),
                        ({"name": "X", "timezone": "UTC", "plan": "free"}, "plan")):
        assert _error(api.post("/agency/sub-accounts", body, token=token))[::2] == (422, field), body
    first = _sub(api, token, "Alpha Dental", owner_email="dana@alpha.test")
    second = _sub(api, token, "Bravo Roofing")
    third = _sub(api, token, "Charlie Cafe")
    assert first["owner_invite"]["role"] == "owner" and second["owner_invite"] is None

    # Then they are listed a page at a time, oldest first
    page = api.get("/agency/sub-accounts?limit=2", token=token).body
    rest = api.get(f"/agency/sub-accounts?limit=2&cursor={page['next_cursor']}", token=token).body
    assert [s["name"] for s in page["items"] + rest["items"]] == ["Alpha Dental", "Bravo Roofing", "Charlie Cafe"]
    assert rest["next_cursor"] is None

    # And the agency's admin opens two of them: a session in each, as an admin of it
    in_first, in_second = _open(api, token, first["id"]), _open(api, token, second["id"])
    me = api.get("/me", token=in_first).body
    assert me["workspace"]["id"] == first["id"] and me["role"] == "admin"
    api.post("/contacts", {"first_name": "Agency lead"}, token=token)
    first_contact = api.post("/contacts", {"first_name": "Alpha patient"}, token=in_first).body
    api.post("/contacts", {"first_name": "Bravo customer"}, token=in_second)
    # ...and the identity capability's workspace switching reaches it too (the opening made a membership)
    email = api.get("/workspace/members", token=token).body["items"][0]["email"]
    switched = api.post("/auth/login", {"email": email, "password": PASSWORD, "workspace_id": third["id"]})
    assert _error(switched)[0] == 401  # never opened: no membership
    switched = api.post("/auth/login", {"email": email, "password": PASSWORD, "workspace_id": first["id"]})
    assert switched.status == 200 and switched.body["workspace_id"] == first["id"]

    # And the invited owner joins the first sub-account
    joined = api.post("/auth/accept-invite", {"token": first["owner_invite"]["token"], "name": "Dana",
                                              "password": PASSWORD})
    assert joined.status == 200 and joined.body["workspace"]["id"] == first["id"]
    dana = joined.body["access_token"]

    # Then a sub-account sees only its own data, never a sibling's or the agency's, and no agency route
    assert [c["first_name"] for c in api.get("/contacts", token=dana).body["items"]] == ["Alpha patient"]
    assert [c["first_name"] for c in api.get("/contacts", token=in_second).body["items"]] == ["Bravo customer"]
    assert [c["first_name"] for c in api.get("/contacts", token=token).body["items"]] == ["Agency lead"]
    assert api.get(f"/contacts/{first_contact['id']}", token=in_second).status == 404
    for sub_token in (dana, in_first, in_second):
        assert _error(api.get("/agency", token=sub_token))[:2] == (403, "not_an_agency")
        assert api.get(f"/agency/sub-accounts/{second['id']}", token=sub_token).status == 404
        assert api.get(f"/agency/sub-accounts/{first['id']}/rebilling", token=sub_token).status == 404
        assert agency_id not in api.get("/workspace", token=sub_token).raw
    assert _error(api.post("/agency", token=dana))[:2] == (409, "conflict")  # a sub-account is never an agency

    # And another agency reaches none of them (404, never 403: nothing says the id exists)
    other, other_id = _agency(api, "Rival")
    template = api.post("/agency/templates", {"source_workspace_id": agency_id, "name": "Mine"}, token=token).body
    own_template = api.post("/agency/templates", {"source_workspace_id": other_id, "name": "Theirs"},
                            token=other).body
    sub = f"/agency/sub-accounts/{first['id']}"
    attempts: list[tuple[str, str, Any]] = [
        ("GET", sub, None), ("POST", f"{sub}/open", None), ("GET", f"{sub}/rebilling", None),
        ("PUT", f"{sub}/rebilling", {"markups": {"emails": 1}}), ("GET", f"/agency/templates/{template['id']}", None),
        ("POST", f"/agency/templates/{own_template['id']}/apply", {"target_workspace_id": first["id"]}),
        ("POST", "/agency/templates", {"source_workspace_id": first["id"], "name": "Stolen"})]
    for method, path, body in attempts:
        assert api.call(method, path, body, token=other).status == 404, path
    assert "Alpha Dental" not in api.get("/agency/rollups", token=other).raw

    # And a plain member of the agency may look but not open a sub-account
    invite = api.post("/workspace/invites", {"email": "mo@agency.test", "role": "member"}, token=token).body
    member = api.post("/auth/accept-invite", {"token": invite["token"], "name": "Mo", "password": PASSWORD}).body
    assert api.get("/agency/sub-accounts", token=member["access_token"]).status == 200
    opened = api.post(f"/agency/sub-accounts/{first['id']}/open", token=member["access_token"])
    assert _error(opened)[:2] == (403, "forbidden")

    # And an agency admin who opened the first sub-account, and was invited into the second by hand
    invite = api.post("/workspace/invites", {"email": "ada@agency.test", "role": "admin"}, token=token).body
    ada = api.post("/auth/accept-invite", {"token": invite["token"], "name": "Ada", "password": PASSWORD}).body
    ada_first = _open(api, ada["access_token"], first["id"])
    invite = api.post("/workspace/invites", {"email": "ada@agency.test"}, token=in_second).body
    ada_second = api.post("/auth/accept-invite", {"token": invite["token"], "password": PASSWORD}).body
    assert api.get("/contacts", token=ada_first).status == 200
    # When the agency removes her
    assert api.delete(f"/workspace/members/{ada['member']['user_id']}", token=token).status == 204
    # Then the sub-account she had through the agency refuses her at once, and she cannot switch into it again
    assert _error(api.get("/contacts", token=ada_first))[0] == 401
    assert _error(api.post("/auth/login", {"email": "ada@agency.test", "password": PASSWORD,
                                           "workspace_id": first["id"]}))[0] == 401
    members = api.get("/workspace/members", token=dana).body["items"]
    assert "ada@agency.test" not in [m["email"] for m in members]
    removed = api.get("/workspace/audit?action=member.removed", token=dana).body["items"]
    assert [e["target"]["email"] for e in removed] == ["ada@agency.test"], removed
    # But the membership the second sub-account gave her itself stays, and the agency's other admin keeps theirs
    assert api.get("/contacts", token=ada_second["access_token"]).status == 200
    assert api.get("/contacts", token=in_first).status == 200


def _charge(sub_id: str, at: datetime, amounts: dict[str, int]) -> None:
    settings = get_settings()
    for kind, amount in amounts.items():
        usage.charge(settings, sub_id, kind, amount, now=at, enforce=False)


def _events(sub_id: str, occurred_at: str, counts: dict[str, int]) -> list[dict[str, Any]]:
    actor = {"type": "user", "id": new_id()}
    out = []
    for event_type, n in counts.items():
        for _ in range(n):
            event = domain_event(new_id(), event_type, sub_id, actor, {})
            out.append({**event, "occurred_at": occurred_at})
    return out


def test_rollups_bill_a_months_usage_at_each_sub_accounts_markup(api: Api, cloud: Any) -> None:
    # Given an agency with two sub-accounts, each rebilled at its own markups
    token, _ = _agency(api)
    alpha, bravo = _sub(api, token, "Alpha Dental"), _sub(api, token, "Bravo Roofing")
    put = api.call("PUT", f"/agency/sub-accounts/{alpha['id']}/rebilling",
                   {"markups": {"sms_segments": 25, "voice_minutes": "12.5", "ai_tokens": 0}}, token=token)
    assert put.status == 200 and put.body["markups"] == {"sms_segments": "25.00", "emails": "0.00",
                                                         "voice_minutes": "12.50", "ai_tokens": "0.00"}
    api.call("PUT", f"/agency/sub-accounts/{bravo['id']}/rebilling", {"markups": {"emails": 100}}, token=token)
    for markups, field in (({"fax": 10}, "markups/fax"), ({"sms_segments": -1}, "markups/sms_segments"),
                           ({"emails": "lots"}, "markups/emails"), ({}, "markups")):
        reply = api.call("PUT", f"/agency/sub-accounts/{alpha['id']}/rebilling", {"markups": markups}, token=token)
        assert _error(reply)[::2] == (422, field), markups
    assert api.get(f"/agency/sub-accounts/{alpha['id']}/rebilling", token=token).body == put.body

    # And June 2025's usage and activity of each (plus July's, which June must not count, and a duplicate event)
    june, july = datetime(2025, 6, 14, 15, tzinfo=UTC), datetime(2025, 7, 1, 0, 0, 1, tzinfo=UTC)
    _charge(alpha["id"], june, {"sms_segments": 1234, "emails": 40, "voice_minutes": 57, "ai_tokens": 98_765})
    _charge(bravo["id"], june, {"sms_segments": 3, "emails": 2_500, "ai_tokens": 123_457})
    _charge(alpha["id"], july, {"sms_segments": 1_000})
    events = _events(alpha["id"], "2025-06-30T23:59:59.999Z", {"sms.sent": 3, "sms.received": 2, "email.sent": 1,
                                                                 "call.completed": 2, "appointment.booked": 1,
                                                                 "contact.created": 1})
    events += _events(bravo["id"], "2025-06-01T00:00:00.000Z", {"email.sent": 5, "appointment.booked": 1})
    events += _events(alpha["id"], "2025-07-01T00:00:00.000Z", {"sms.sent": 9, "deal.won": 1})
    events.append(events[0])  # delivered twice: counted once
    settings = get_settings()
    assert len(publish(settings.event_bus_name, settings.region, events)) == len(events)
    handled = drain_queue(cloud, "AgencyActivityQueue", load_module("functions/agency").on_activity_event)
    assert handled == len(events) - 1  # the rule does not route deal.won
    # (a batch is counted in one transaction; a whole batch delivered again is counted nothing the second time)
    assert len(publish(settings.event_bus_name, settings.region, events[:10])) == 10
    assert drain_queue(cloud, "AgencyActivityQueue", load_module("functions/agency").on_activity_event) == 10

    # When the agency asks for June's rollups
    reply = api.get("/agency/rollups?month=2025-06", token=token)

    # Then each sub-account's counts, cost and billed amount match the golden file
    assert reply.status == 200, reply
    body = reply.body
    assert [i["id"] for i in body["items"]] == [alpha["id"], bravo["id"]] and body["next_cursor"] is None
    found = {"month": body["month"], "totals": body["totals"],
             "items": [{k: v for k, v in i.items() if k != "id"} for i in body["items"]]}
    if os.environ.get("LEADPILOT_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")
    assert found == json.loads(GOLDEN.read_text())
    # (by hand: 1,234 segments at 7,900 µ$ cost 9,748,600 µ$, billed at +25% 12,185,750 µ$)
    assert body["items"][0]["cost_micros"]["sms_segments"] == 9_748_600
    assert body["items"][0]["billed_micros"]["sms_segments"] == 12_185_750
    assert body["items"][0]["messages"]["total"] == 6 and body["items"][1]["appointments"] == 1

    # And the page walks; the first page of any size carries the agency's totals over every sub-account
    assert body["agency_totals"] == body["totals"] and body["totals"]["sub_accounts"] == 2
    one = api.get("/agency/rollups?month=2025-06&limit=1", token=token).body
    assert [i["name"] for i in one["items"]] == ["Alpha Dental"] and one["totals"]["sub_accounts"] == 1
    assert one["agency_totals"] == body["totals"]
    rest = api.get(f"/agency/rollups?month=2025-06&limit=1&cursor={one['next_cursor']}", token=token).body
    assert [i["name"] for i in rest["items"]] == ["Bravo Roofing"] and rest["agency_totals"] is None

    # And the CSV has a line per sub-account and the agency's TOTAL line, in dollars (a golden file)
    csv = api.get("/agency/rollups/csv?month=2025-06", token=token)
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv"), csv
    assert csv.headers["content-disposition"] == 'attachment; filename="rollups-2025-06.csv"'
    if os.environ.get("LEADPILOT_UPDATE_GOLDEN"):
        GOLDEN_CSV.write_text(csv.raw.replace(alpha["id"], "ALPHA").replace(bravo["id"], "BRAVO"), newline="")
    assert csv.raw.replace(alpha["id"], "ALPHA").replace(bravo["id"], "BRAVO") == GOLDEN_CSV.read_bytes().decode()
    total = csv.raw.splitlines()[-1].split(",")
    assert total[1] == "TOTAL" and total[-1] == f"{body['totals']['billed_micros']['total'] / 1e6:.6f}"

    # And a malformed or future month is refused naming it, as JSON and as CSV
    for month in ("2025-6", "June", "2999-01", "2025-13"):
        assert _error(api.get(f"/agency/rollups?month={month}", token=token))[::2] == (422, "month"), month
    assert _error(api.get("/agency/rollups/csv?month=2999-01", token=token))[::2] == (422, "month")
    assert api.get("/agency/rollups", token=token).body["month"] == datetime.now(UTC).strftime("%Y-%m")


FLOW_NAME = "Move new leads"


def _setup_source(api: Api, token: str) -> dict[str, Any]:
    """A sub-account configured by hand: a custom field, a pipeline, a saved text, a sequence and a flow that
    refers to the pipeline's stage."""
    assert api.post("/contact-fields", {"key": "insurer", "label": "Insurer", "type": "single_select",
                                        "options": ["Delta", "Aetna"]}, token=token).status == 201
    pipeline = api.post("/pipelines", {"name": "Patients", "stages": [
        {"name": "New", "kind": "open"}, {"name": "Booked", "kind": "open"}, {"name": "Won", "kind": "won"}]},
        token=token).body
    assert api.post("/sms-templates", {"name": "Welcome", "body": "Hi {{first_name|there}}!"},
                    token=token).status == 201
    sequence = api.post("/sequences", {"name": "Recall", "steps": [
        {"day": 1, "subject": "Time for a check-up", "body": "Book now"}]}, token=token)
    assert sequence.status == 201, sequence
    booked = pipeline["stages"][1]["id"]
    flow = api.post("/flows", {"name": FLOW_NAME, "trigger": {"event": "contact.created"},
                               "nodes": [{"id": "start", "type": "trigger"},
                                         {"id": "move", "type": "move_stage", "pipeline_id": pipeline["id"],
                                          "stage_id": booked, "create_deal_if_missing": True},
                                         {"id": "done", "type": "end"}],
                               "edges": [{"from": "start", "to": "move"}, {"from": "move", "to": "done"}]},
                    token=token)
    assert flow.status == 201, flow
    return {"pipeline": pipeline, "booked": booked}


def _inventory(api: Api, token: str) -> dict[str, list[str]]:
    names = {"custom_fields": [f["key"] for f in api.get("/contact-fields", token=token).body["items"]]}
    for kind, path in (("pipelines", "/pipelines"), ("sms_templates", "/sms-templates"), ("sequences", "/sequences"),
                       ("flows", "/flows")):
        names[kind] = sorted(i["name"] for i in api.get(f"{path}?limit=200", token=token).body["items"])
    return names


def test_templates_copy_a_setup_into_a_sub_account_once(api: Api, cloud: Any) -> None:
    # Given an agency whose first sub-account is set up by hand, and a second one that already has a "Welcome" text
    token, agency_id = _agency(api)
    source, target = _sub(api, token, "Alpha Dental"), _sub(api, token, "Beta Dental")
    in_source, in_target = _open(api, token, source["id"]), _open(api, token, target["id"])
    setup = _setup_source(api, in_source)
    source_before = _inventory(api, in_source)
    api.post("/sms-templates", {"name": "welcome", "body": "Hello from Beta"}, token=in_target)

    # When the agency captures the first sub-account as a template (bad input first)
    for body, status, field in (({"source_workspace_id": source["id"], "name": ""}, 422, "name"),
                                ({"source_workspace_id": "nope", "name": "X"}, 422, "source_workspace_id"),
                                ({"source_workspace_id": new_id(), "name": "X"}, 404, "source_workspace_id")):
        assert _error(api.post("/agency/templates", body, token=token))[::2] == (status, field), body
    captured = api.post("/agency/templates", {"source_workspace_id": source["id"], "name": "Dental starter"},
                        token=token)
    assert captured.status == 201, captured
    assert captured.body["counts"] == {"custom_fields": 1, "pipelines": 1, "sms_templates": 1, "sequences": 1,
                                       "flows": 1}  # the sequence's own flow comes with the sequence
    template_id = captured.body["id"]
    assert [t["id"] for t in api.get("/agency/templates", token=token).body["items"]] == [template_id]

    # And applies it to the second sub-account (never to a workspace outside the agency, nor the agency itself)
    for target_id in (new_id(), agency_id):
        refused = api.post(f"/agency/templates/{template_id}/apply", {"target_workspace_id": target_id}, token=token)
        assert _error(refused)[::2] == (404, "target_workspace_id")
    assert _error(api.post(f"/agency/templates/{new_id()}/apply", {"target_workspace_id": target["id"]},
                           token=token))[::2] == (404, "agency_template_id")
    report = api.post(f"/agency/templates/{template_id}/apply", {"target_workspace_id": target["id"]}, token=token)

    # Then the report says what was copied and what was already there
    assert report.status == 200 and report.body["status"] == "completed", report
    assert report.body["copied"]["custom_fields"] == ["insurer"] and report.body["copied"]["sequences"] == ["Recall"]
    assert report.body["copied"]["pipelines"] == ["Patients"] and report.body["copied"]["flows"] == [FLOW_NAME]
    assert report.body["skipped"]["sms_templates"] == [{"name": "Welcome", "reason": "exists"}]
    assert all(not failed for failed in report.body["failed"].values()), report.body["failed"]
    # And the copied flow points at the target's own pipeline and stage, not the source's
    pipeline = next(p for p in api.get("/pipelines", token=in_target).body["items"] if p["name"] == "Patients")
    flow = next(f for f in api.get("/flows", token=in_target).body["items"] if f["name"] == FLOW_NAME)
    move = next(n for n in flow["document"]["nodes"] if n["type"] == "move_stage")
    assert move["pipeline_id"] == pipeline["id"] != setup["pipeline"]["id"]
    assert move["stage_id"] == pipeline["stages"][1]["id"] != setup["booked"]
    after_first = _inventory(api, in_target)
    assert after_first["sms_templates"] == ["welcome"] and after_first["flows"] == source_before["flows"]

    # When it is applied again, Then nothing is duplicated: everything is reported as already there
    again = api.post(f"/agency/templates/{template_id}/apply", {"target_workspace_id": target["id"]}, token=token)
    assert again.status == 200 and all(not names for names in again.body["copied"].values()), again.body
    assert sum(len(s) for s in again.body["skipped"].values()) == sum(captured.body["counts"].values())
    assert _inventory(api, in_target) == after_first
    # And the source is untouched
    assert _inventory(api, in_source) == source_before

    # Given a larger setup (more than one request copies): 40 more saved texts
    for n in range(40):
        api.post("/sms-templates", {"name": f"Reminder {n:02d}", "body": f"Reminder {n}"}, token=in_source)
    big = api.post("/agency/templates", {"source_workspace_id": source["id"], "name": "Everything"}, token=token).body
    fresh = _sub(api, token, "Gamma Dental")

    # When it is applied, Then it is queued as a job whose result is the report
    queued = api.post(f"/agency/templates/{big['id']}/apply", {"target_workspace_id": fresh["id"]}, token=token)
    assert queued.status == 202 and queued.body["status"] == "queued", queued
    assert drain_queue(cloud, "JobsQueue", load_module("functions/jobs").run_job_chunk) == 1
    job = api.get(f"/jobs/{queued.body['job_id']}", token=token).body
    assert job["status"] == "completed" and job["type"] == "agency_template_apply", job
    assert job["succeeded"] == sum(big["counts"].values()) == 45 and job["failed"] == 0
    assert len(job["result"]["copied"]["sms_templates"]) == 41
    assert len(_inventory(api, _open(api, token, fresh["id"]))["sms_templates"]) == 41
