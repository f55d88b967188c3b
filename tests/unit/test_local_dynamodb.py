"""Which DynamoDB the local cloud runs (LEADPILOT_DYNAMODB, java, the npm package) and how it starts DynamoDB Local."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra.local.dynamodb_local import DynamoDBLocal, choose_backend, find_jar, jit_options

JAVA_DIR = str(Path(shutil.which("java") or "/usr/bin/java").parent)


def _package(tmp_path: Path, *releases: str) -> Path:
    for release in releases:
        (tmp_path / release).mkdir(parents=True)
        (tmp_path / release / "DynamoDBLocal.jar").write_bytes(b"jar")
    return tmp_path


def test_dynamodb_local_is_the_default_when_java_and_the_jar_are_there(tmp_path: Path) -> None:
    # Given java on the PATH and an installed package / When no backend is asked for
    backend = choose_backend({"PATH": JAVA_DIR}, _package(tmp_path, "dynamodb_local_2026-05-28"))
    # Then DynamoDB Local runs, with nothing to say
    assert (backend.name, backend.notice) == ("local", "")


def test_without_java_dynamodb_falls_back_to_moto_with_a_one_line_notice(tmp_path: Path) -> None:
    # Given a PATH without java / When the backend is chosen
    backend = choose_backend({"PATH": str(tmp_path)}, _package(tmp_path, "dynamodb_local_2026-05-28"))
    # Then moto keeps DynamoDB and the notice says why and how to silence it, on one line
    assert backend.name == "moto"
    assert "`java` is not installed" in backend.notice and "LEADPILOT_DYNAMODB=moto" in backend.notice
    assert "\n" not in backend.notice


def test_without_the_package_the_notice_says_make_install(tmp_path: Path) -> None:
    # Given java but no installed package / When the backend is chosen
    backend = choose_backend({"PATH": JAVA_DIR}, tmp_path / "missing")
    # Then moto keeps DynamoDB, and the notice names `make install`
    assert backend.name == "moto" and "make install" in backend.notice


def test_moto_when_asked_even_with_dynamodb_local_installed(tmp_path: Path) -> None:
    # Given everything DynamoDB Local needs / When LEADPILOT_DYNAMODB=moto
    backend = choose_backend({"PATH": JAVA_DIR, "LEADPILOT_DYNAMODB": "MOTO"}, _package(tmp_path, "dynamodb_local_x"))
    # Then moto is chosen, with no notice
    assert (backend.name, backend.notice) == ("moto", "")


def test_asking_for_dynamodb_local_without_java_stops_the_start(tmp_path: Path) -> None:
    # Given no java / When LEADPILOT_DYNAMODB=local / Then the start stops with the reason
    with pytest.raises(RuntimeError, match="`java` is not installed"):
        choose_backend({"PATH": str(tmp_path), "LEADPILOT_DYNAMODB": "local"}, tmp_path)


def test_an_unknown_backend_is_refused_naming_the_variable() -> None:
    # Given a mistyped value / When the backend is chosen / Then the error names the variable and the choices
    with pytest.raises(ValueError, match="LEADPILOT_DYNAMODB must be 'local' or 'moto'"):
        choose_backend({"LEADPILOT_DYNAMODB": "dynamo"})


def test_the_newest_release_of_the_package_is_run(tmp_path: Path) -> None:
    # Given two releases in the package (a directory per release date)
    package = _package(tmp_path, "dynamodb_local_2025-01-02", "dynamodb_local_2026-05-28")
    # When the jar is looked up and the command built for a data dir
    jar = find_jar(package)
    server = DynamoDBLocal(tmp_path / "data", tmp_path / "log", jar=jar)
    command = server.command()
    # Then the newest is run, with its native libraries, on one shared SQLite file, with no telemetry
    assert jar == package / "dynamodb_local_2026-05-28" / "DynamoDBLocal.jar"
    assert f"-Djava.library.path={package / 'dynamodb_local_2026-05-28' / 'DynamoDBLocal_lib'}" in command
    assert command[command.index("-dbPath") + 1] == str(tmp_path / "data")
    assert {"-sharedDb", "-disableTelemetry"} <= set(command) and "-inMemory" not in command


def test_no_data_dir_means_in_memory(tmp_path: Path) -> None:
    # Given no data dir / When the command is built / Then DynamoDB Local keeps its data in memory
    command = DynamoDBLocal(None, tmp_path / "log", jar=tmp_path / "DynamoDBLocal.jar").command()
    assert "-inMemory" in command and "-dbPath" not in command


def test_dynamodb_local_runs_both_compilers_unless_told_to_start_quick() -> None:
    # Given nothing set, `full`, `quick` and a value that is neither
    # Then a product cloud gets the JVM's optimising compiler, a short-lived one only the quick one, and a typo
    # stops the start naming the variable
    assert jit_options({}) == () and jit_options({"LEADPILOT_DYNAMODB_JIT": "Full "}) == ()
    assert jit_options({"LEADPILOT_DYNAMODB_JIT": "quick"}) == ("-XX:TieredStopAtLevel=1",)
    with pytest.raises(ValueError, match="LEADPILOT_DYNAMODB_JIT must be 'full' or 'quick', got 'fast'"):
        jit_options({"LEADPILOT_DYNAMODB_JIT": "fast"})


def test_the_command_carries_the_chosen_compilers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = DynamoDBLocal(None, tmp_path / "log", jar=tmp_path / "DynamoDBLocal.jar")
    # When the suite's setting is read / Then C1 only
    monkeypatch.setenv("LEADPILOT_DYNAMODB_JIT", "quick")
    assert "-XX:TieredStopAtLevel=1" in server.command()
    # When `make dev` runs it (nothing set) / Then both compilers, the java options before the jar
    monkeypatch.delenv("LEADPILOT_DYNAMODB_JIT")
    command = server.command()
    assert not any(option.startswith("-XX:TieredStopAtLevel") for option in command)
    assert command.index("-XX:+UseSerialGC") < command.index("-jar")
