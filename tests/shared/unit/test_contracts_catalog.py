"""The catalog: complete, consistent with architecture.md, and safe to look up."""

from __future__ import annotations

import pytest

from purna_shared.contracts.catalog import (
    CATALOG,
    CONSUMERS,
    DEAD_LETTER_STREAM,
    SERVICES,
    UnknownEventTypeError,
    by_type,
    consumers_of,
    dead_letter_stream,
    events_produced_by,
    streams_consumed_by,
    streams_produced_by,
)
from purna_shared.contracts.events import (
    ConsentWithdrawn,
    NotificationFailed,
    NotificationSent,
    ParticipantRegistered,
    ParticipantUpdated,
    SessionCompleted,
)

pytestmark = pytest.mark.unit

ARCHITECTURE_CATALOG = {
    "ParticipantRegistered": "registration",
    "ParticipantUpdated": "registration",
    "ConsentWithdrawn": "registration",
    "SessionScheduled": "training",
    "ParticipantEnrolled": "training",
    "EnrollmentCancelled": "training",
    "SessionCompleted": "training",
    "CreditPrequalified": "credit",
    "CreditApplicationSubmitted": "credit",
    "CreditApproved": "credit",
    "CreditRejected": "credit",
    "LoanDisbursed": "credit",
    "NotificationSent": "notification",
    "NotificationFailed": "notification",
}


def test_catalog_holds_every_event_of_the_architecture_once() -> None:
    assert {e.__name__: e.producer for e in CATALOG} == ARCHITECTURE_CATALOG
    assert len({e.event_type() for e in CATALOG}) == len(CATALOG)
    assert len({e.stream() for e in CATALOG}) == len(CATALOG)


@pytest.mark.parametrize("event", CATALOG, ids=lambda e: e.name)
def test_by_type_finds_each_event(event: type) -> None:
    assert by_type(event.event_type()) is event


def test_by_type_names_what_is_known_when_the_type_is_not() -> None:
    with pytest.raises(UnknownEventTypeError) as err:
        by_type("purna.participant-registered.v9")
    message = str(err.value)
    assert message.startswith("unknown event type 'purna.participant-registered.v9'")
    assert "purna.participant-registered.v1" in message
    assert isinstance(err.value, KeyError)  # callers catching KeyError keep working


def test_consumers_follow_the_architecture() -> None:
    lifecycle = (ParticipantRegistered, ParticipantUpdated, ConsentWithdrawn)
    assert set(CONSUMERS) == {"training", "credit", "notification"}
    assert CONSUMERS["training"] == lifecycle
    assert set(CONSUMERS["credit"]) == {*lifecycle, SessionCompleted}
    notified = set(CONSUMERS["notification"])
    assert notified == set(CATALOG) - {NotificationSent, NotificationFailed}
    # every service that processes participants must hear about a withdrawal
    assert consumers_of(ConsentWithdrawn) == ("training", "credit", "notification")
    assert consumers_of(NotificationSent) == ()


def test_streams_per_service() -> None:
    assert streams_produced_by("registration") == (
        "purna.participant-registered.v1",
        "purna.participant-updated.v1",
        "purna.consent-withdrawn.v1",
    )
    assert streams_produced_by("credit", prefix="t1:")[0] == "t1:purna.credit-prequalified.v1"
    assert streams_consumed_by("registration") == ()
    assert "purna.session-completed.v1" in streams_consumed_by("credit")
    assert sum(len(events_produced_by(s)) for s in SERVICES) == len(CATALOG)
    with pytest.raises(ValueError, match="unknown service 'bank'"):
        streams_produced_by("bank")


def test_dead_letter_stream_takes_the_prefix() -> None:
    assert DEAD_LETTER_STREAM == "purna.dead-letter"
    assert dead_letter_stream() == "purna.dead-letter"
    assert dead_letter_stream("test-42:") == "test-42:purna.dead-letter"
