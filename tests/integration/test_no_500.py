"""No input produces a 500: random bodies, ids and query strings against every route, and each known class of
hostile input (JSON nested past the parser, digits int() refuses, lone surrogates) is a 4xx naming the field.
Every list route pages the same way: `limit`, an opaque `cursor`, and `next_cursor` null on the last page."""
from __future__ import annotations

import base64
import json
import random
import re
import string
from typing import Any

import pytest

from leadpilot.identity.platform import set_platform_admin
from tests.integration import isolation
from tests.integration.conftest import seeded_once, sign_up
from tests.integration.test_tenant_isolation import BODIES, PLATFORM, PUBLIC, _all_routes
from tests.support.apps import Api, Reply

FIELDS = ["first_name", "last_name", "email", "phone", "company", "source", "tags", "name", "role", "scopes",
          "workspace_name", "password", "timezone", "default_region", "token", "refresh_token", "workspace_id"]


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 2 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63, 1.5, float("1e308")])
    if kind in (3, 4, 5):
        alphabet = string.printable + "é漢\u0000\ud7ff🙂"
        return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 5, 40, 300])))
    if kind in (6, 7):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(FIELDS): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _body(rng: random.Random) -> str:
    choice = rng.randrange(6)
    if choice == 0:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(30)))
    if choice == 1:
        return json.dumps(_value(rng))
    return json.dumps({rng.choice(FIELDS): _value(rng) for _ in range(rng.randrange(1, 6))})


def _first_segments() -> list[str]:
    return sorted({path.split("/")[1] for _, path in _all_routes()})


# Random requests per route (test_fuzz adds schema-driven ones for every operation, from the OpenAPI document).
RANDOM_TRIES = 10


@pytest.mark.parametrize("segment", _first_segments())  # one test per resource: parallel workers share them out
def test_random_input_never_produces_a_500(api: Api, owner: dict[str, Any], segment: str) -> None:
    rng = random.Random(f"20261122/{segment}")
    token = owner["access_token"]
    ids = ["01M80A45J90JMESM0AR82N1PFF", "x", "0" * 26, "%00", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "..%2Fetc", "a b"]
    for method, path in (route for route in _all_routes() if route[1].split("/")[1] == segment):
        for _ in range(RANDOM_TRIES):
            concrete = path
            while "{" in concrete:
                start, end = concrete.index("{"), concrete.index("}")
                concrete = concrete[:start] + rng.choice(ids) + concrete[end + 1:]
            query = rng.choice(["", "?limit=abc", "?limit=5", "?cursor=!!", "?cursor=AAAA", "?limit=999999999999"])
            if method == "POST" and path == "/auth/logout":
                continue  # a successful logout would end the owner's session for the rest of the run
            reply = api.call(method, concrete + (query if method == "GET" else ""), raw=_body(rng),
                             token=None if (method, path) in PUBLIC else token)
            assert reply.status < 500, (method, concrete, reply)
            if reply.status >= 400:
                assert set(reply.body["error"]) == {"code", "message", "details"}, reply


# -- the known classes of hostile input, each a 4xx naming the field -----------------------------------------------

DEEP_ARRAY = "[" * 2048 + "]" * 2048  # deeper than json.loads' recursion
DEEP_OBJECT = '{"a":' * 1200 + "1" + "}" * 1200
ISOLATION_PUBLIC = PUBLIC  # public routes get no token; the others the owner's
LIST_QUERY = {"/notes": "contact_id={contact_id}", "/runs": "contact_id={flowed_contact}"}
# Every GET that answers {"items": [...]}: each pages with `limit` and an opaque `cursor` to `next_cursor: null`.
LIST_ROUTES = {
    "/contacts", "/contacts/search", "/contacts/{contact_id}/activity", "/contacts/{contact_id}/timeline",
    "/contact-fields", "/tags", "/segments", "/segments/{segment_id}/contacts",
    "/flows", "/flows/{flow_id}/runs", "/flows/{flow_id}/versions", "/runs", "/runs/{run_id}/steps",
    "/sequences", "/contacts/{contact_id}/sequences", "/dev/emails",
    "/phone-numbers", "/sms-templates", "/conversations", "/conversations/{contact_id}/messages", "/dev/sms/outbox",
    "/workspace/members", "/workspace/invites", "/workspace/api-keys", "/platform/workspaces",
    "/workspace/audit", "/workspace/support-access", "/platform/audit",
    "/jobs", "/jobs/{job_id}/errors", "/notes", "/notifications",
    "/pipelines", "/deals", "/deals/{deal_id}/history", "/tasks",
    "/webhooks/event-types", "/webhooks/endpoints", "/webhooks/endpoints/{endpoint_id}/deliveries",
    "/webhooks/hooks/samples",
    "/availability/schedules", "/event-types", "/appointments", "/calls",
    "/agency/sub-accounts", "/agency/rollups", "/agency/templates",
}
PLATFORM_LISTS = {"/platform/workspaces", "/platform/audit"}  # a workspace's owner is refused these (403)
FORGED_CURSOR = base64.urlsafe_b64encode(b"z" * 300).decode()  # decodes, but to no position any list has
LIMIT_MAXIMUM = {"/jobs/{job_id}/errors": 1000, "/dev/sms/outbox": 500}


def _named(reply: Reply) -> str:
    """The field a 4xx names: details.field, else the first of details.errors."""
    assert 400 <= reply.status < 500 and set(reply.body["error"]) == {"code", "message", "details"}, reply
    details = reply.body["error"]["details"]
    return str(details["field"]) if "field" in details else str(details["errors"][0]["field"])


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: ids[m.group(1)], path)


def _with_surrogate(body: Any) -> tuple[Any, str] | None:
    """`body` with its first string value replaced by one holding a lone surrogate, and that value's path."""
    if isinstance(body, str):
        return body + "\ud800", ""
    items = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(body, list) else []
    for key, value in items:
        found = _with_surrogate(value)
        if found is not None:
            copy = dict(body) if isinstance(body, dict) else list(body)
            copy[key] = found[0]  # type: ignore[index]
            return copy, "/".join(filter(None, [str(key), found[1]]))
    return None


@pytest.fixture
def seeded(api: Api) -> dict[str, Any]:
    """A workspace with one of everything (the tenant-isolation seeds) and a second of what a body creates; seeded
    through the API once per worker, then put back for each test (`seeded_once`)."""
    return seeded_once("no_500", lambda: _seed(api))


def _seed(api: Api) -> dict[str, Any]:
    owner = sign_up(api, "Hostile")
    token = owner["access_token"]
    ids: dict[str, str] = {}
    for module in isolation.modules():
        ids.update(module.seed(api, token))
    for (method, path), body in BODIES.items():
        if method == "POST" and "{" not in path and path not in ("/auth/signup", "/imports", "/bulk-actions"):
            api.post(path, body, token=token)
    moved = api.post(f"/deals/{ids['deal_id']}/move", {"version": 1, "stage_id": ids["stage_id"]}, token=token)
    assert moved.status == 200, moved  # a second stay in the deal's history
    contacts = api.get("/contacts?limit=200", token=token).body["items"]
    ids["contact_id"] = next(c["id"] for c in contacts if c["first_name"] == "Secret")
    ids["flowed_contact"] = next(c["id"] for c in contacts if c["first_name"] == "Flowed")
    # Two of everything listed about one contact: activity, notes, texts, sequences; and a second deal.
    cid = ids["contact_id"]
    api.post(f"/contacts/{cid}/tags", {"add": ["second", "third"]}, token=token)
    api.patch(f"/contacts/{cid}", {"phone": "+14155550160"}, token=token)
    for n in range(2):
        api.post("/notes", {"contact_id": cid, "body": f"note {n}"}, token=token)
        api.post("/sms", {"contact_id": cid, "body": f"text {n}", "send_at": "2099-01-01T00:00:00Z"}, token=token)
    for sequence in api.get("/sequences?limit=200", token=token).body["items"]:
        api.post(f"/sequences/{sequence['id']}/enrollments", {"contact_ids": [cid]}, token=token)
    pipeline = api.get(f"/deals/{ids['deal_id']}", token=token).body["pipeline_id"]
    api.post("/deals", {"name": "Second deal", "pipeline_id": pipeline, "contact_id": cid}, token=token)
    ids["token"] = "not-a-hook-token"
    return {"token": token, "ids": ids}


def _body_routes() -> list[tuple[str, str]]:
    return sorted(route for route in _all_routes() if route in BODIES or route[0] in ("PUT", "PATCH"))


def test_json_deeper_than_the_parser_is_a_400_naming_the_body(api: Api, seeded: dict[str, Any]) -> None:
    # Given about 2 KB of nested brackets, as arrays and as objects
    for body in (DEEP_ARRAY, DEEP_OBJECT):
        # When it is posted to the unauthenticated login and to every route that reads a JSON body
        login = api.post("/auth/login", raw=body)
        assert login.status == 400 and login.body["error"]["code"] == "invalid_json" and _named(login) == "(body)"
        for method, path in _body_routes():
            token = None if (method, path) in ISOLATION_PUBLIC else seeded["token"]
            reply = api.call(method, _fill(path, seeded["ids"]), raw=body, token=token)
            # Then each answers a 4xx in the standard shape; a route that read the body names it
            assert 400 <= reply.status < 500, (method, path, reply)
            if reply.status in (400, 422):
                assert _named(reply) in ("(body)", "body"), (method, path, reply)


def test_json_nested_past_32_levels_is_refused_naming_the_path(api: Api, seeded: dict[str, Any]) -> None:
    # Given bodies the parser reads, but nested past what the stores and validators are built for
    deep: Any = "x"
    for _ in range(40):
        deep = {"a": deep}
    token = seeded["token"]
    past = "/".join(["a"] * 31)
    cases = [("/auth/login", {"email": "a@b.test", "password": deep}, None, f"password/{past}"),
             ("/contacts", {"first_name": "Ada", "custom_fields": deep}, token, f"custom_fields/{past}"),
             ("/flows", {"name": "Deep", "trigger": deep}, token, f"trigger/{past}")]
    for path, body, credential, field in cases:
        # When it is posted, Then a 422 names the first value past the limit
        reply = api.post(path, body, token=credential)
        assert reply.status == 422 and _named(reply) == field, (path, reply)


def _platform_admin(api: Api) -> str:
    """The access token of a platform administrator (the platform routes refuse everyone else before reading)."""
    made = sign_up(api, "Platform")
    set_platform_admin(made["user"]["email"])
    return str(api.post("/auth/login", {"email": made["user"]["email"], "password": "correct-horse-battery"})
               .body["access_token"])


def test_a_lone_surrogate_in_any_body_field_is_refused_naming_it(api: Api, seeded: dict[str, Any]) -> None:
    checked = 0
    admin = _platform_admin(api)
    for (method, path), body in sorted(BODIES.items()):
        # Given a valid body of the route whose first text value holds a lone UTF-16 surrogate (JSON "\ud800")
        hostile = _with_surrogate(body)
        if hostile is None:
            continue
        token = None if (method, path) in ISOLATION_PUBLIC else admin if (method, path) in PLATFORM else seeded["token"]
        # When it is sent
        reply = api.call(method, _fill(path, seeded["ids"]), hostile[0], token=token)
        # Then the 422 names that field
        assert reply.status == 422 and _named(reply) == hostile[1], (method, path, reply)
        checked += 1
    signup = api.post("/auth/signup", {"workspace_name": "W\ud800", "email": "s@s.test", "password": "x" * 12,
                                       "name": "N"})
    assert signup.status == 422 and _named(signup) == "workspace_name"
    assert checked >= 40


def test_a_lone_surrogate_in_a_query_path_or_header_is_refused_naming_it(api: Api, seeded: dict[str, Any]) -> None:
    token, ids = seeded["token"], seeded["ids"]
    cases = [("GET", "/contacts/search?q=a\ud800", token, "q"), ("GET", "/contacts?cursor=\udfff", token, "cursor"),
             ("GET", "/tasks?view=\ud800", token, "view"), ("GET", "/flows?x\ud800=1", token, "x\\ud800"),
             ("PATCH", "/tags/vip\ud800", token, "tag"), ("GET", "/contacts/\ud800", token, "contact_id"),
             ("DELETE", "/contact-fields/\udc80", token, "field_key"), ("GET", "/calendar/\ud800.ics", None,
                                                                        "feed_token"),
             ("GET", "/e/u/\ud800", None, "token"), ("POST", "/hooks/\ud800", None, "token"),
             ("POST", "/webhooks/twilio/sms?x=\ud800", None, "x"), ("GET", "/usage?q=\ud800", token, "q"),
             ("GET", f"/deals/{ids['deal_id']}?q=\ud800", token, "q"), ("GET", "/jobs?q=\ud800", token, "q"),
             ("GET", "/notes?contact_id=\ud800", token, "contact_id"), ("GET", "/notifications?\ud800", token,
                                                                         "\\ud800"),
             ("GET", "/me?q=\ud800", token, "q"), ("GET", "/conversations?q=\ud800", token, "q"),
             ("GET", "/usage/reports?from=\ud800", token, "from"),
             ("GET", "/platform/usage/reports?granularity=\ud800", token, "granularity")]
    for method, path, credential, field in cases:
        # When a request carries a lone surrogate in a query parameter, a path parameter
        reply = api.call(method, path, token=credential, raw="{}")
        # Then the 422 names it
        assert reply.status == 422 and _named(reply) == field, (method, path, reply)
    # And in a header
    header = api.call("GET", "/contacts", token=token, headers={"X-Request-Note": "\ud800"})
    assert header.status == 422 and _named(header) == "x-request-note"
    # A Twilio form whose percent-escapes are not UTF-8 is not Twilio's: refused before anything reads it
    form = api.call("POST", "/webhooks/twilio/sms", raw="Body=%ED%A0%80&From=%2B1",
                    headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"})
    assert form.status == 403 and _named(form) == "X-Twilio-Signature"


def test_unicode_digits_in_numeric_parameters_are_refused_naming_them(api: Api, seeded: dict[str, Any]) -> None:
    token, ids = seeded["token"], seeded["ids"]
    api.post("/contact-fields", {"key": "seats", "label": "Seats", "type": "number"}, token=token)
    # Given numbers str.isdigit() accepts but int() does not, other scripts' digits and a 5,000-digit number
    for bad in ("²", "٣", "9" * 5000, "1e3"):
        # When they are given to every list route's limit, and to the other numeric parameters
        for path in sorted(LIST_ROUTES - PLATFORM_LISTS):
            query = LIST_QUERY.get(path, "").format(**ids)
            reply = api.get(f"{_fill(path, ids)}?{query}&limit={bad}", token=token)
            # Then each is a 422 naming the parameter
            assert reply.status == 422 and _named(reply) == "limit", (path, bad, reply)
        for path, name in ((f"/jobs/{ids['job_id']}/errors?after_row={bad}", "after_row"),
                           (f"/contacts/search?score_min={bad}", "score_min"),
                           (f"/contacts/search?cf.seats=gt:{bad}", "cf.seats")):
            reply = api.get(path, token=token)
            assert reply.status == 422 and _named(reply) == name, (path, bad, reply)


def test_every_list_route_pages_with_limit_and_cursor_to_the_end(api: Api, seeded: dict[str, Any]) -> None:
    token, ids = seeded["token"], seeded["ids"]
    found, counts = set(), {}
    for method, path in _all_routes():
        if method != "GET" or path in PLATFORM_LISTS:
            continue
        query = LIST_QUERY.get(path, "").format(**ids)
        base = f"{_fill(path, ids)}?{query}"
        whole = api.get(f"{base}&limit=200", token=token)
        if not (isinstance(whole.body, dict) and isinstance(whole.body.get("items"), list)):
            continue
        # Given a list route and everything it lists in one page
        found.add(path)
        assert whole.status == 200 and whole.body.get("next_cursor", "absent") is None, (path, whole)
        expected = [_key(item) for item in whole.body["items"]]

        # When it is walked one item at a time, following next_cursor
        walked: list[str] = []
        reply = api.get(f"{base}&limit=1", token=token)
        while True:
            assert reply.status == 200 and len(reply.body["items"]) <= 1, (path, reply)
            walked += [_key(item) for item in reply.body["items"]]
            cursor = reply.body["next_cursor"]
            if cursor is None:
                break
            assert len(walked) <= len(expected) + 1, (path, walked)  # a search walk may end on an empty page
            reply = api.get(f"{base}&limit=1&cursor={cursor}", token=token)

        # Then the walk gives the same items in the same order, and limit and cursor are checked
        assert walked == expected, (path, walked, expected)
        counts[path] = len(expected)
        too_many = api.get(f"{base}&limit={LIMIT_MAXIMUM.get(path, 200) + 1}", token=token)
        forged = api.get(f"{base}&cursor={FORGED_CURSOR}", token=token)
        assert _named(too_many) == "limit" and _named(forged) == "cursor", (path, too_many, forged)
    assert found == LIST_ROUTES - PLATFORM_LISTS
    assert sum(n >= 2 for n in counts.values()) >= 20, json.dumps(counts)  # most walks cross pages


def test_the_platform_listing_pages_too(api: Api, seeded: dict[str, Any]) -> None:
    # Given a platform administrator and several workspaces
    sign_up(api, "Other")
    token = {"access_token": _platform_admin(api)}

    # When the workspaces are walked one at a time
    walked, cursor = [], None
    while True:
        reply = api.get("/platform/workspaces?limit=1" + (f"&cursor={cursor}" if cursor else ""),
                        token=token["access_token"])
        assert reply.status == 200 and len(reply.body["items"]) <= 1, reply
        walked += [w["id"] for w in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break

    # Then every workspace comes once, newest first
    whole = api.get("/platform/workspaces?limit=100", token=token["access_token"]).body["items"]
    assert walked == [w["id"] for w in whole] and len(walked) >= 3
    # And a limit past the page size, other scripts' digits or a forged cursor are 422 naming the parameter
    for query, name in (("limit=101", "limit"), ("limit=²", "limit"), (f"cursor={FORGED_CURSOR}", "cursor")):
        reply = api.get(f"/platform/workspaces?{query}", token=token["access_token"])
        assert reply.status == 422 and _named(reply) == name, (query, reply)


def _key(item: Any) -> str:
    """An item's identity in a listing: its id when it has one, else its whole content."""
    if isinstance(item, dict):
        for name in ("id", "tag", "key", "user_id", "contact_id", "message_id", "row", "provider_message_id",
                     "entered_at"):
            if name in item:
                return f"{name}={item[name]}"
    return json.dumps(item, sort_keys=True)
