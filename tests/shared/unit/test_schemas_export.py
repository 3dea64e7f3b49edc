"""The exported files: deterministic, up to date, valid JSON Schema, and `purna schemas`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from purna_shared.cli.schemas import default_folder, schemas_app
from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.catalog import CATALOG
from purna_shared.contracts.envelope import ENTRY_FIELDS, Envelope
from purna_shared.contracts.schemas import (
    ENTRY_FIELD_DESCRIPTIONS,
    JSON_SCHEMA_DIALECT,
    envelope_schema,
    event_schema,
    export_schemas,
    generated_files,
    schema_path,
    stale_files,
)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "schemas"
EVENTS = pytest.mark.parametrize("event", CATALOG, ids=lambda e: e.name)


def example(event: type[IntegrationEvent]) -> dict[str, Any]:
    data: dict[str, Any] = event.model_json_schema()["examples"][0]
    return data


def test_export_writes_every_file_deterministically(tmp_path: Path) -> None:
    first = export_schemas(tmp_path / "a")
    second = export_schemas(tmp_path / "b")
    relative = sorted(p.relative_to(tmp_path / "a").as_posix() for p in first)
    assert relative == sorted(
        ["envelope.json", "asyncapi.json", *(schema_path(e) for e in CATALOG)]
    )
    for a, b in zip(first, second, strict=True):
        text = a.read_text(encoding="utf-8")
        assert text == b.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert (
            text
            == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )


def test_committed_schemas_are_up_to_date() -> None:
    assert stale_files(SCHEMAS) == [], "models changed: run `purna schemas export` and commit"


@EVENTS
def test_event_schema_identifies_itself(event: type[IntegrationEvent]) -> None:
    schema = event_schema(event)
    envelope = Envelope.wrap(event.model_validate(example(event)), source=event.producer)
    assert schema["$schema"] == JSON_SCHEMA_DIALECT
    assert schema["$id"] == envelope.dataschema
    assert schema["title"] == event.__name__
    assert schema["description"].startswith(event.__doc__.strip().splitlines()[0])  # type: ignore[union-attr]
    assert schema["x-stream"] == event.stream()
    assert schema["x-event-type"] == envelope.type
    assert schema["x-subject-field"] == event.subject_field


@EVENTS
def test_committed_schema_is_valid_and_accepts_the_example(event: type[IntegrationEvent]) -> None:
    schema = json.loads((SCHEMAS / schema_path(event)).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    # a subscriber validating with a generic JSON Schema library accepts what Purna produces
    produced = json.loads(event.model_validate(example(event)).model_dump_json())
    Draft202012Validator(schema).validate(produced)


def test_envelope_schema_describes_every_entry_field() -> None:
    schema = envelope_schema()
    Draft202012Validator.check_schema(schema)
    assert set(ENTRY_FIELD_DESCRIPTIONS) == set(ENTRY_FIELDS)
    assert list(schema["properties"]) == list(ENTRY_FIELDS)
    assert all(p["type"] == "string" and p["description"] for p in schema["properties"].values())


@EVENTS
def test_envelope_schema_accepts_real_entries(event: type[IntegrationEvent]) -> None:
    fields = Envelope.wrap(event.model_validate(example(event)), source=event.producer).to_fields()
    Draft202012Validator(envelope_schema()).validate(fields)


def test_envelope_schema_rejects_a_bad_entry() -> None:
    fields = Envelope.wrap(
        CATALOG[0].model_validate(example(CATALOG[0])), source="registration"
    ).to_fields()
    fields["specversion"] = "0.3"
    del fields["data"]
    errors = {e.message for e in Draft202012Validator(envelope_schema()).iter_errors(fields)}
    assert "'data' is a required property" in errors
    assert "'1.0' was expected" in errors


# --- the CLI ------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_export_then_check(tmp_path: Path) -> None:
    result = runner.invoke(schemas_app, ["export", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json")) == sorted(
        generated_files()
    )
    result = runner.invoke(schemas_app, ["check", "--against", str(tmp_path), "--strict"])
    assert result.exit_code == 0, result.output
    assert "compatible" in result.output


def test_cli_check_fails_on_an_incompatible_change(tmp_path: Path) -> None:
    export_schemas(tmp_path)
    committed = tmp_path / schema_path(CATALOG[0])
    schema = json.loads(committed.read_text(encoding="utf-8"))
    schema["properties"]["nickname"] = {"type": "string", "description": "was there in v1"}
    committed.write_text(json.dumps(schema), encoding="utf-8")
    (tmp_path / schema_path(CATALOG[-1])).unlink()

    result = runner.invoke(schemas_app, ["check", "--against", str(tmp_path)])

    assert result.exit_code == 1
    assert f"incompatible: {schema_path(CATALOG[0])}: nickname: field removed" in result.output
    assert f"incompatible: {schema_path(CATALOG[-1])}: not exported" in result.output


def test_cli_check_strict_fails_on_a_stale_file(tmp_path: Path) -> None:
    export_schemas(tmp_path)
    (tmp_path / "asyncapi.json").write_text("{}\n", encoding="utf-8")
    assert runner.invoke(schemas_app, ["check", "--against", str(tmp_path)]).exit_code == 0
    result = runner.invoke(schemas_app, ["check", "--against", str(tmp_path), "--strict"])
    assert result.exit_code == 1
    assert "stale: asyncapi.json" in result.output


def test_default_folder_is_the_repository_root_schemas(tmp_path: Path) -> None:
    assert default_folder(ROOT / "shared" / "src") == SCHEMAS
    assert default_folder(tmp_path) == tmp_path / "schemas"
