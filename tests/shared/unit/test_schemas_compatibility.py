"""Compatibility: committed schemas against current models, and the rules themselves.

THE guard of the wire contract: a subscriber built from a committed schema must keep reading
what the current model produces. A model changed incompatibly needs a new major version (a new
stream, published in parallel), never an edit of v1.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from purna_shared.contracts.base import PERSONAL_DATA_KEY, Personal
from purna_shared.contracts.catalog import CATALOG
from purna_shared.contracts.schemas import (
    check_compatibility,
    check_folder,
    event_schema,
    schema_path,
)

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
COMMITTED = sorted((SCHEMAS / "events").glob("*.json"))
CURRENT = {schema_path(event): event for event in CATALOG}


# --- committed files against current models --------------------------------------------------


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_current_model_is_compatible_with_committed_schema(path: Path) -> None:
    relative = path.relative_to(SCHEMAS).as_posix()
    event = CURRENT.get(relative)
    assert event is not None, f"{relative} has no current model: an event type was removed"
    committed = json.loads(path.read_text(encoding="utf-8"))
    problems = check_compatibility(committed, event_schema(event))
    assert problems == [], (
        f"{event.__name__} changed incompatibly with {relative}; publish a new major version "
        f"instead: {problems}"
    )


@pytest.mark.parametrize("event", CATALOG, ids=lambda e: e.name)
def test_every_current_model_has_a_committed_schema(event: type) -> None:
    path = SCHEMAS / schema_path(event)
    assert path.is_file(), f"{path} missing: run `purna schemas export` and commit schemas/"


def test_check_folder_agrees() -> None:
    assert check_folder(SCHEMAS) == []


def test_check_folder_reports_missing_retired_and_broken_files(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    for event in CATALOG[1:]:
        (events / Path(schema_path(event)).name).write_text(json.dumps(event_schema(event)))
    retired = event_schema(CATALOG[1])
    (events / "participant-registered.v0.json").write_text(json.dumps(retired))
    broken = event_schema(CATALOG[2])
    broken["properties"]["legacy_code"] = {"type": "string"}
    (events / Path(schema_path(CATALOG[2])).name).write_text(json.dumps(broken))

    problems = check_folder(tmp_path)

    assert any(
        p.startswith("events/participant-registered.v1.json: not exported") for p in problems
    )
    assert any(
        p.startswith("events/participant-registered.v0.json: no current model") for p in problems
    )
    assert f"{schema_path(CATALOG[2])}: legacy_code: field removed" in problems


# --- the rules, on small models ----------------------------------------------------------------


class Place(BaseModel):
    """nested"""

    village: str = Field(description="village")
    regency_code: str = Field(description="code")


class V1(BaseModel):
    """v1"""

    id: str = Field(description="id")
    count: int = Field(description="count")
    name: str = Personal("name")
    status: Literal["a", "b"] = Field(description="status")
    note: str | None = Field(default=None, description="note")
    day: date = Field(description="day")
    place: Place = Field(description="place")
    places: list[Place] = Field(default_factory=list, description="places")
    code: str = Field(max_length=10, description="code")


def problems_after(change: type[BaseModel]) -> list[str]:
    return check_compatibility(V1.model_json_schema(), change.model_json_schema())


def test_identical_schemas_are_compatible() -> None:
    assert check_compatibility(V1.model_json_schema(), V1.model_json_schema()) == []


@pytest.mark.parametrize("event", CATALOG, ids=lambda e: e.name)
def test_each_current_schema_is_compatible_with_itself(event: type) -> None:
    assert check_compatibility(event_schema(event), event_schema(event)) == []


def test_additive_changes_are_compatible() -> None:
    class NestedPlus(Place):
        """nested"""

        district: str | None = Field(default=None, description="new, optional")

    class Additive(V1):
        """v1 plus: a new optional field, a new enum value, looser and re-described fields"""

        status: Literal["a", "b", "c"] = Field(description="status, now with c")
        note: str | None = Field(default=None, description="a better description")
        code: str = Field(max_length=20, description="code, longer allowed")
        extra: int | None = Field(default=None, description="new optional")
        place: NestedPlus = Field(description="place")

    assert problems_after(Additive) == []


def test_single_literal_widened_to_several_values_is_compatible() -> None:
    class Old(BaseModel):
        scope: Literal["all"]

    class New(BaseModel):
        scope: Literal["all", "messaging"]

    assert check_compatibility(Old.model_json_schema(), New.model_json_schema()) == []


def test_removed_field() -> None:
    schema = V1.model_json_schema()
    new = copy.deepcopy(schema)
    del new["properties"]["count"]
    new["required"].remove("count")
    assert check_compatibility(schema, new) == ["count: field removed"]


def test_field_type_changed() -> None:
    class Changed(V1):
        count: str = Field(description="count")  # type: ignore[assignment]

    assert problems_after(Changed) == ["count: type changed (integer -> string)"]


def test_field_made_nullable_is_a_type_change() -> None:
    class Nullable(V1):
        count: int | None = Field(description="count")  # type: ignore[assignment]

    assert problems_after(Nullable) == ["count: type changed (integer -> integer|null)"]


def test_date_format_changed() -> None:
    class Moment(V1):
        day: datetime = Field(description="day")  # type: ignore[assignment]

    assert problems_after(Moment) == ["day: format changed (date -> date-time)"]


def test_optional_field_made_required() -> None:
    class Required(V1):
        note: str | None = Field(description="note")

    assert problems_after(Required) == ["note: optional field made required"]


def test_required_field_made_optional() -> None:
    class Optional(V1):
        id: str = Field(default="", description="id")

    assert problems_after(Optional) == ["id: required field made optional"]


def test_new_required_field() -> None:
    class NewRequired(V1):
        office: str = Field(description="office")

    assert problems_after(NewRequired) == ["office: new required field"]


def test_enum_value_removed() -> None:
    class Fewer(V1):
        status: Literal["a"] = Field(description="status")  # type: ignore[assignment]

    assert problems_after(Fewer) == ['status: enum values removed: "b"']


def test_free_value_restricted_to_an_enum() -> None:
    class Restricted(V1):
        id: Literal["x", "y"] = Field(description="id")  # type: ignore[assignment]

    assert problems_after(Restricted) == ['id: values restricted to "x", "y"']


def test_personal_mark_removed() -> None:
    class Unmarked(V1):
        name: str = Field(description="name")

    assert problems_after(Unmarked) == [f"name: {PERSONAL_DATA_KEY} removed"]


def test_constraint_tightened() -> None:
    class Shorter(V1):
        code: str = Field(max_length=5, description="code")
        id: str = Field(min_length=36, description="id")

    assert problems_after(Shorter) == [
        "id: minLength tightened (None -> 36)",
        "code: maxLength tightened (10 -> 5)",
    ]


# --- nested models through $defs ---------------------------------------------------------------


def test_nested_field_removed_type_changed_and_unmarked() -> None:
    class Place2(BaseModel):
        """nested, changed"""

        regency_code: int = Field(description="code")

    class Nested(V1):
        place: Place2 = Field(description="place")  # type: ignore[assignment]
        places: list[Place2] = Field(default_factory=list, description="places")  # type: ignore[assignment]

    problems = problems_after(Nested)
    assert "place.village: field removed" in problems
    assert "place.regency_code: type changed (string -> integer)" in problems
    assert "places[].village: field removed" in problems


def test_nested_personal_mark_removed_and_required_added() -> None:
    class OldPlace(BaseModel):
        village: str = Personal("village")

    class NewPlace(BaseModel):
        village: str = Field(description="village")
        hamlet: str = Field(description="dusun")

    class Old(BaseModel):
        home: OldPlace | None = None

    class New(BaseModel):
        home: NewPlace | None = None

    assert check_compatibility(Old.model_json_schema(), New.model_json_schema()) == [
        f"home.village: {PERSONAL_DATA_KEY} removed",
        "home.hamlet: new required field",
    ]


def test_recursive_models_terminate() -> None:
    class Node(BaseModel):
        label: str
        children: list[Node] = []

    class Node2(BaseModel):
        label: int
        children: list[Node2] = []

    Node.model_rebuild()
    Node2.model_rebuild()
    assert check_compatibility(Node.model_json_schema(), Node.model_json_schema()) == []
    assert "label: type changed (string -> integer)" in check_compatibility(
        Node.model_json_schema(), Node2.model_json_schema()
    )


# --- every mutation of every real schema is caught ---------------------------------------------


def _objects(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The root and every $defs object of a schema: where properties live."""
    return [schema, *schema.get("$defs", {}).values()]


@pytest.mark.parametrize("event", CATALOG, ids=lambda e: e.name)
def test_removing_any_field_or_mark_of_a_real_schema_is_caught(event: type) -> None:
    old = event_schema(event)
    for index, obj in enumerate(_objects(old)):
        for name, prop in obj.get("properties", {}).items():
            removed = copy.deepcopy(old)
            target = _objects(removed)[index]
            del target["properties"][name]
            if name in target.get("required", []):
                target["required"].remove(name)
            assert any(
                p.endswith(f"{name}: field removed") for p in check_compatibility(old, removed)
            ), name

            if prop.get(PERSONAL_DATA_KEY):
                unmarked = copy.deepcopy(old)
                del _objects(unmarked)[index]["properties"][name][PERSONAL_DATA_KEY]
                assert any(
                    p.endswith(f"{name}: {PERSONAL_DATA_KEY} removed")
                    for p in check_compatibility(old, unmarked)
                ), name
