"""botocore's data files are parsed once per process, whichever session asks (infra/local/botocore_files.py)."""
from __future__ import annotations

import boto3
import botocore.session

from infra.local import botocore_files


def test_two_sessions_made_after_share_read_one_parsed_model() -> None:
    # Given sharing installed (tests/conftest.py does it for every test process, as the local cloud does)
    botocore_files.share()
    # When two independent sessions load the same service model and the endpoints file
    first = boto3.session.Session(region_name="us-east-1")._session.get_component("data_loader")
    second = boto3.session.Session(region_name="eu-west-1")._session.get_component("data_loader")
    # Then they are two loaders holding the same parsed objects, and a client works from them
    assert first is not second
    assert first.load_service_model("sqs", "service-2") is second.load_service_model("sqs", "service-2")
    assert first.load_data("endpoints") is second.load_data("endpoints")
    client = boto3.session.Session(region_name="us-east-1").client("sqs", endpoint_url="http://127.0.0.1:9")
    assert client.meta.service_model.operation_model("SendMessage").name == "SendMessage"


def test_a_session_with_another_data_path_keeps_its_own_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Given sharing installed and a session told to look in another data path first (AWS_DATA_PATH)
    botocore_files.share()
    other = botocore.session.get_session()
    other.set_config_variable("data_path", str(tmp_path))
    default = botocore.session.get_session()
    # When both load the same model / Then each has its own parse (another path could hold another model)
    assert other.get_component("data_loader").load_service_model("sqs", "service-2") is not default.get_component(
        "data_loader").load_service_model("sqs", "service-2")
