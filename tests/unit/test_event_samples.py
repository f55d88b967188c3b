"""Every domain event has a JSON Schema and a sample EventBridge event, and the sample is valid."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

ROOT = Path(__file__).resolve().parents[2] / "events"
SCHEMAS = sorted((ROOT / "schemas").glob("*.json"))
SAMPLES = sorted((ROOT / "eventbridge").glob("*.json"))


def test_every_schema_has_a_sample_and_every_sample_a_schema() -> None:
    assert {p.name for p in SCHEMAS} == {p.name for p in SAMPLES}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_the_sample_is_a_valid_eventbridge_event_of_its_schema(sample: Path) -> None:
    envelope = json.loads(sample.read_text())
    event_type = sample.stem
    assert envelope["detail-type"] == event_type == envelope["detail"]["type"]
    assert envelope["source"] == f"leadpilot.{event_type.split('.', 1)[0]}s"
    schema = json.loads((ROOT / "schemas" / f"{event_type}.json").read_text())
    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(envelope["detail"]))
    assert errors == [], [e.message for e in errors]
