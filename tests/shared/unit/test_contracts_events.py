"""The v1 payload models: valid examples, wire round trips, personal-data marks, invariants."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from purna_shared.contracts.base import PERSONAL_DATA_KEY, IntegrationEvent
from purna_shared.contracts.catalog import CATALOG
from purna_shared.contracts.envelope import Envelope, EnvelopeError
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    CreditPrequalified,
    EnrollmentCancelled,
    ParticipantEnrolled,
    ParticipantOutcome,
    ParticipantRegistered,
    ParticipantUpdated,
    SessionCompleted,
    SessionScheduled,
)
from purna_shared.contracts.schemas import event_schema, iter_properties

pytestmark = pytest.mark.unit

EVENTS = pytest.mark.parametrize("event", CATALOG, ids=lambda e: e.name)


def example_data(event: type[IntegrationEvent]) -> dict[str, Any]:
    data: dict[str, Any] = event.model_json_schema()["examples"][0]
    return data


def example(event: type[IntegrationEvent]) -> IntegrationEvent:
    return event.model_validate(example_data(event))


def as_redis(fields: dict[str, str]) -> dict[bytes, bytes]:
    """What redis-py returns for an entry (decode_responses=False)."""
    return {k.encode(): v.encode() for k, v in fields.items()}


# --- the catalog's events as a whole ------------------------------------------------------


@EVENTS
def test_event_declares_its_identity(event: type[IntegrationEvent]) -> None:
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", event.name)
    assert event.major == 1
    assert event.producer in {"registration", "training", "credit", "notification"}
    assert event.subject_field in event.model_fields
    assert event.event_type() == f"purna.{event.name}.v1"
    assert event.__doc__, "the docstring becomes the schema description"


@EVENTS
def test_every_field_is_described(event: type[IntegrationEvent]) -> None:
    undescribed = [
        name for name, prop in iter_properties(event_schema(event)) if not prop.get("description")
    ]
    assert undescribed == []


@EVENTS
def test_example_is_valid_and_serialises_back_to_itself(event: type[IntegrationEvent]) -> None:
    instance = example(event)
    assert json.loads(instance.model_dump_json()) == example_data(event)


@EVENTS
def test_round_trips_through_the_redis_entry(event: type[IntegrationEvent]) -> None:
    instance = example(event)
    envelope = Envelope.wrap(instance, source=event.producer)
    fields = envelope.to_fields()

    assert all(isinstance(v, str) for v in fields.values())
    assert fields["type"] == event.stream()
    assert fields["source"] == f"purna/{event.producer}"
    assert fields["subject"] == str(getattr(instance, event.subject_field))
    assert fields["dataschema"] == f"schemas/events/{event.name}.v1.json"

    received = Envelope.from_fields(as_redis(fields))
    assert received == envelope
    assert received.payload(event) == instance


@EVENTS
def test_no_event_carries_a_nik(event: type[IntegrationEvent]) -> None:
    schema = event_schema(event)
    names = {name.lower() for name, _ in iter_properties(schema)}
    assert not {n for n in names if re.search(r"(^|_)(nik|nomor_induk)(_|$)", n)}
    # nor does an example hold anything shaped like one (16 digits)
    assert not re.search(r"\b\d{16}\b", json.dumps(schema["examples"]))


# --- personal data ---------------------------------------------------------------------------

PERSONAL_TOP_LEVEL: dict[str, set[str]] = {
    "participant-registered": {
        "full_name",
        "gender",
        "birth_date",
        "marital_status",
        "phone",
        "email",
        "address",
    },
    "participant-updated": {"full_name", "phone", "email", "address", "marital_status"},
    "session-scheduled": {"trainer"},
}
# A property with one of these names identifies a person wherever it appears
ALWAYS_PERSONAL = {
    "full_name",
    "birth_date",
    "phone",
    "email",
    "worker_name",
    "trainer",
    "gender",
    "marital_status",
    "address",
}


@EVENTS
def test_schema_marks_the_personal_fields(event: type[IntegrationEvent]) -> None:
    schema = event_schema(event)
    marked = {
        name for name, prop in schema["properties"].items() if prop.get(PERSONAL_DATA_KEY) is True
    }
    assert marked == PERSONAL_TOP_LEVEL.get(event.name, set())
    assert event.personal_fields() == marked
    unmarked = [
        name
        for name, prop in iter_properties(schema)
        if name in ALWAYS_PERSONAL and prop.get(PERSONAL_DATA_KEY) is not True
    ]
    assert unmarked == []


def test_nested_personal_fields_are_marked() -> None:
    defs = event_schema(ParticipantRegistered)["$defs"]
    assert defs["FamilyLink"]["properties"]["worker_name"][PERSONAL_DATA_KEY] is True
    assert defs["Address"]["properties"]["village"][PERSONAL_DATA_KEY] is True
    assert defs["Address"]["properties"]["district"][PERSONAL_DATA_KEY] is True
    assert PERSONAL_DATA_KEY not in defs["Address"]["properties"]["regency_code"]


def test_a_new_envelope_gets_a_fresh_id_and_time_and_cannot_change() -> None:
    first = Envelope(type="purna.probe.v1", source="purna/test", data="{}")
    second = Envelope(type="purna.probe.v1", source="purna/test", data="{}")
    assert first.id != second.id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first.time)
    assert (first.specversion, first.datacontenttype) == ("1.0", "application/json")
    with pytest.raises(AttributeError):
        first.id = "another"  # type: ignore[misc]


def test_an_entry_with_only_the_required_fields_gets_the_defaults() -> None:
    """As written by hand with redis-cli: the optional fields may be left out."""
    fields = {"specversion": "1.0", "id": "e-1", "type": "purna.probe.v1"}
    fields |= {"source": "purna/test", "time": "2024-07-01T02:15:03.000Z", "data": "{}"}
    envelope = Envelope.from_fields(as_redis(fields))
    assert envelope == Envelope(
        type="purna.probe.v1",
        source="purna/test",
        data="{}",
        id="e-1",
        time="2024-07-01T02:15:03.000Z",
    )
    assert envelope.to_fields() == fields | {
        "subject": "",
        "datacontenttype": "application/json",
        "dataschema": "",
        "correlationid": "",
        "causationid": "",
    }


# --- from_fields / payload reject bad entries with a clear message -------------------------


def registered_fields(**data_changes: Any) -> dict[str, str]:
    data = {**example_data(ParticipantRegistered), **data_changes}
    fields = Envelope.wrap(example(ParticipantRegistered), source="registration").to_fields()
    fields["data"] = json.dumps(data)
    return fields


@pytest.mark.parametrize("missing", ["id", "type", "data", "specversion"])
def test_entry_missing_a_field_is_rejected(missing: str) -> None:
    fields = registered_fields()
    del fields[missing]
    with pytest.raises(EnvelopeError, match=rf"missing envelope field\(s\): {missing}"):
        Envelope.from_fields(as_redis(fields))


def test_data_that_is_not_json_is_rejected() -> None:
    fields = registered_fields()
    fields["data"] = "{participant_id: 1"
    envelope = Envelope.from_fields(fields)
    with pytest.raises(EnvelopeError, match="data is not valid JSON"):
        envelope.payload(ParticipantRegistered)


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"gender": "X"}, "gender"),
        ({"birth_date": "17-04-1990"}, "birth_date"),
        ({"registered_at": "2024-07-01T02:15:03"}, "registered_at"),  # naive: no zone
        ({"address": {"province_code": "52"}}, "address.regency_code"),
        ({"phone": "081234567890"}, "phone"),  # not E.164
        ({"participant_id": None}, "participant_id"),
    ],
)
def test_data_violating_the_schema_is_rejected(change: dict[str, Any], names: str) -> None:
    envelope = Envelope.from_fields(registered_fields(**change))
    with pytest.raises(EnvelopeError, match=r"data does not match ParticipantRegistered: ") as err:
        envelope.payload(ParticipantRegistered)
    assert names in str(err.value)


def test_data_of_another_type_is_rejected() -> None:
    envelope = Envelope.from_fields(registered_fields())
    with pytest.raises(EnvelopeError, match=re.escape("is not 'purna.session-completed.v1'")):
        envelope.payload(SessionCompleted)


def test_unknown_payload_fields_are_ignored() -> None:
    # additive changes keep the major version: an old reader must accept a newer payload
    envelope = Envelope.from_fields(registered_fields(hobby="menenun"))
    assert envelope.payload(ParticipantRegistered) == example(ParticipantRegistered)


# --- invariants of individual events ---------------------------------------------------------


def test_aggregate_version_field_leaves_the_schema_major_alone() -> None:
    updated = example(ParticipantUpdated)
    assert isinstance(updated, ParticipantUpdated)
    assert updated.version == 2  # the participant record's version
    assert ParticipantUpdated.major == 1  # the schema's major version
    assert updated.event_type() == "purna.participant-updated.v1"


def test_timestamps_are_normalised_to_utc() -> None:
    wita = timezone(timedelta(hours=8))
    data = {**example_data(ConsentWithdrawn), "withdrawn_at": "2024-09-10T11:00:00+08:00"}
    withdrawn = ConsentWithdrawn.model_validate(data)
    assert withdrawn.withdrawn_at == datetime(2024, 9, 10, 11, tzinfo=wita)
    assert withdrawn.withdrawn_at.tzinfo == UTC
    assert '"withdrawn_at":"2024-09-10T03:00:00Z"' in withdrawn.model_dump_json()


def test_registration_requires_consent() -> None:
    consent = {**example_data(ParticipantRegistered)["consent"], "granted": False}
    with pytest.raises(ValidationError, match="consent is required"):
        ParticipantRegistered.model_validate(
            {**example_data(ParticipantRegistered), "consent": consent}
        )


@pytest.mark.parametrize(
    ("category", "message"),
    [("pmi_purna", "pmi is required"), ("keluarga_pmi", "family is required")],
)
def test_registration_requires_the_history_of_its_category(category: str, message: str) -> None:
    data = {**example_data(ParticipantRegistered), "category": category, "pmi": None}
    with pytest.raises(ValidationError, match=message):
        ParticipantRegistered.model_validate({**data, "family": None})


def test_family_member_registration() -> None:
    data = {
        **example_data(ParticipantRegistered),
        "category": "keluarga_pmi",
        "pmi": None,
        "family": {"relation": "suami_istri", "worker_name": "Lalu Hendra", "worker_abroad": True},
    }
    assert ParticipantRegistered.model_validate(data).family is not None


def test_update_lists_what_changed() -> None:
    base = {
        "participant_id": "p-1",
        "version": 2,
        "updated_at": datetime(2024, 8, 2, tzinfo=UTC),
    }
    with pytest.raises(ValidationError, match="phone is set but not named in changed"):
        ParticipantUpdated.model_validate({**base, "changed": ["email"], "phone": "+6281234567"})
    with pytest.raises(ValidationError, match="address is named in changed but null"):
        ParticipantUpdated.model_validate({**base, "changed": ["address"]})
    with pytest.raises(ValidationError, match="changed"):
        ParticipantUpdated.model_validate({**base, "changed": []})
    cleared = ParticipantUpdated.model_validate({**base, "changed": ["phone"]})
    assert cleared.phone is None and cleared.changed == ("phone",)


def test_withdrawal_is_total_in_v1() -> None:
    withdrawn = ConsentWithdrawn(
        participant_id="p-1", version=3, withdrawn_at=datetime(2024, 9, 10, tzinfo=UTC)
    )
    assert withdrawn.scope == "all"
    with pytest.raises(ValidationError):
        ConsentWithdrawn.model_validate({**withdrawn.model_dump(), "scope": "sms"})


def test_session_dates_must_be_ordered() -> None:
    data = {**example_data(SessionScheduled), "end_date": "2024-08-01"}
    with pytest.raises(ValidationError, match="end_date is before start_date"):
        SessionScheduled.model_validate(data)


def test_waitlist_position_goes_with_the_status() -> None:
    data = example_data(ParticipantEnrolled)
    with pytest.raises(ValidationError, match="position is required when waitlisted"):
        ParticipantEnrolled.model_validate({**data, "position": None})
    with pytest.raises(ValidationError, match="position must be null when enrolled"):
        ParticipantEnrolled.model_validate({**data, "status": "enrolled"})
    enrolled = ParticipantEnrolled.model_validate({**data, "status": "enrolled", "position": None})
    assert enrolled.position is None


def test_outcome_certificate_only_when_completed() -> None:
    with pytest.raises(ValidationError, match="did not complete"):
        ParticipantOutcome(
            participant_id="p-1", completed=False, attendance_rate=0.5, certificate_no="X/1"
        )
    with pytest.raises(ValidationError, match="attendance_rate"):
        ParticipantOutcome(participant_id="p-1", completed=True, attendance_rate=1.5)


def test_prequalification_rate_is_a_percent_float() -> None:
    prequalified = example(CreditPrequalified)
    assert isinstance(prequalified, CreditPrequalified)
    assert json.loads(prequalified.model_dump_json())["interest_rate"] == 6.0
    assert isinstance(prequalified.max_plafond, int)
    assert prequalified.valid_until == date(2024, 11, 15)


def test_cancellation_may_name_the_promoted_participant() -> None:
    cancelled = example(EnrollmentCancelled)
    assert isinstance(cancelled, EnrollmentCancelled)
    assert cancelled.promoted_participant_id is not None
