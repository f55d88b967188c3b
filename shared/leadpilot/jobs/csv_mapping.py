"""Reading CSV files and mapping their columns to contact fields, with auto-detection of the
column names common CRM exports use (HubSpot, GoHighLevel, Salesforce, Pipedrive, Mailchimp)."""
from __future__ import annotations

import csv
import io
import re
from typing import Any

from leadpilot.errors import ValidationFailed

TARGETS = ("first_name", "last_name", "full_name", "email", "phone", "company", "source", "tags")
_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "first", "givenname", "fname", "contactfirstname"),
    "last_name": ("lastname", "last", "surname", "familyname", "lname", "contactlastname"),
    "full_name": ("name", "fullname", "contactname", "contact"),
    "email": ("email", "emailaddress", "email1", "primaryemail", "workemail", "contactemail", "emailaddr"),
    "phone": ("phone", "phonenumber", "mobile", "mobilephone", "mobilephonenumber", "cell", "cellphone",
              "telephone", "primaryphone", "workphone", "contactphone", "phone1"),
    "company": ("company", "companyname", "businessname", "organization", "organisation", "account",
                "accountname", "org"),
    "source": ("source", "leadsource", "originalsource", "contactsource", "origin"),
    "tags": ("tags", "tag", "labels", "lists"),
}
_BY_ALIAS = {alias: target for target, aliases in _ALIASES.items() for alias in aliases}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def detect_mapping(headers: list[str]) -> dict[str, str]:
    """header -> target field for every header that looks like a known column (first match wins)."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = _BY_ALIAS.get(_key(header))
        if target and target not in taken:
            mapping[header] = target
            taken.add(target)
    return mapping


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Headers and rows; a file with no header row or no data is a 422 naming `csv`."""
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = [h.strip() for h in (reader.fieldnames or []) if h is not None]
    if not headers or not any(headers):
        raise ValidationFailed.field("csv", "needs a header row")
    try:
        rows = [{(k or "").strip(): (v or "") if isinstance(v, str) else "" for k, v in row.items()} for row in reader]
    except csv.Error as exc:
        raise ValidationFailed.field("csv", f"is not valid CSV: {exc}") from exc
    if not rows:
        raise ValidationFailed.field("csv", "has no data rows")
    return headers, rows


def resolve_mapping(headers: list[str], given: dict[str, str] | None) -> dict[str, str]:
    """The mapping to use: the caller's (checked) or the detected one; it must find a name, email or phone."""
    mapping = dict(given) if given is not None else detect_mapping(headers)
    for header, target in mapping.items():
        if header not in headers:
            raise ValidationFailed.field(f"mapping/{header}", "is not a column of the file")
        if target not in TARGETS and target != "ignore":
            raise ValidationFailed.field(f"mapping/{header}", f"must be one of {', '.join(TARGETS)} or ignore")
    if not {"first_name", "last_name", "full_name", "email", "phone"} & set(mapping.values()):
        raise ValidationFailed.field("mapping", "no column maps to a name, email or phone")
    return {h: t for h, t in mapping.items() if t != "ignore"}


def row_to_body(row: dict[str, str], mapping: dict[str, str]) -> dict[str, Any]:
    """A contact body (as the API takes it) from one CSV row."""
    body: dict[str, Any] = {}
    for header, target in mapping.items():
        value = row.get(header, "").strip()
        if not value:
            continue
        if target == "full_name":
            first, _, last = value.partition(" ")
            body.setdefault("first_name", first)
            if last:
                body.setdefault("last_name", last.strip())
        elif target == "tags":
            body["tags"] = [t.strip() for t in re.split(r"[;,|]", value) if t.strip()]
        else:
            body[target] = value
    return body
