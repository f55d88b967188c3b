"""DynamoDB snapshots: what is saved from one cloud comes back in a fresh one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.model import Deployment
from infra.local.provision import provision
from infra.local.snapshot import Snapshotter, restore, save

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
PARAMETERS = {"Stage": "snap", "JwtSecret": "k" * 64}


@pytest.fixture
def fake_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def fresh_cloud(fake_aws_env: None) -> Iterator[Deployment]:
    with mock_aws():
        yield provision(TEMPLATE, PARAMETERS)


def _items(deployment: Deployment) -> dict[str, list[dict[str, Any]]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    found = {}
    for logical_id, table in deployment.tables.items():
        items = client.scan(TableName=table.name)["Items"]
        found[logical_id] = sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))
    return found


def _fill(deployment: Deployment, count: int) -> None:
    crm = boto3.resource("dynamodb", region_name="us-east-1").Table(deployment.tables["CrmTable"].name)
    with crm.batch_writer() as batch:
        for n in range(count):
            batch.put_item(
                Item={
                    "PK": f"WS#w1#CONTACT#{n:04d}",
                    "SK": "PROFILE",
                    "GSI1PK": "WS#w1#EMAIL",
                    "GSI1SK": f"c{n}@example.com",
                    "score": Decimal(n) / 4,
                    "tags": {"a", "b"},
                    "blob": b"\x00\xff" + bytes([n % 256]),
                    "nested": {"list": [1, "two", None]},
                }
            )
    identity = boto3.client("dynamodb", region_name="us-east-1")
    identity.put_item(
        TableName=deployment.tables["IdentityTable"].name,
        Item={"PK": {"S": "USER#u1"}, "SK": {"S": "PROFILE"}, "bins": {"BS": [b"\x01", b"\x02"]}},
    )


def test_save_then_restore_into_a_fresh_cloud(fake_aws_env: None, tmp_path: Path) -> None:
    # Given a cloud with more items than one BatchWrite (and binary, sets, numbers, maps)
    path = tmp_path / "snapshot.json"
    with mock_aws():
        before = provision(TEMPLATE, PARAMETERS)
        _fill(before, 60)
        saved = _items(before)
        # When it is saved
        counts = save(before, path)
    assert counts == {"IdentityTable": 1, "CrmTable": 60}
    assert json.loads(path.read_text())["tables"]["CrmTable"]["name"] == "leadpilot-snap-CrmTable"
    # And restored into a brand-new cloud provisioned from the same template
    with mock_aws():
        after = provision(TEMPLATE, PARAMETERS)
        assert _items(after) == {"IdentityTable": [], "CrmTable": []}
        restored = restore(after, path)
        # Then every item is back, byte for byte
        assert restored == counts
        assert _items(after) == saved


def test_snapshotter_saves_on_stop_and_only_when_changed(fresh_cloud: Deployment, tmp_path: Path) -> None:
    # Given a snapshotter that would wait an hour between saves
    path = tmp_path / "data" / "snapshot.json"
    snapshotter = Snapshotter(fresh_cloud, path, interval=3600).start()
    _fill(fresh_cloud, 3)
    # When it is stopped / Then the final save has the data
    snapshotter.stop()
    assert len(json.loads(path.read_text())["tables"]["CrmTable"]["items"]) == 3
    # And an unchanged cloud is not written again
    assert snapshotter.save_now() is False
    assert not list(path.parent.glob("*.tmp"))


def test_restore_skips_tables_no_longer_in_the_template(fresh_cloud: Deployment, tmp_path: Path) -> None:
    # Given a snapshot that mentions a table the template dropped
    path = tmp_path / "snapshot.json"
    save(fresh_cloud, path)
    snapshot = json.loads(path.read_text())
    snapshot["tables"]["RetiredTable"] = {"name": "old", "items": [{"PK": {"S": "x"}}]}
    path.write_text(json.dumps(snapshot))
    # When restored / Then the known tables are restored and the old one is ignored
    assert restore(fresh_cloud, path) == {"IdentityTable": 0, "CrmTable": 0}
