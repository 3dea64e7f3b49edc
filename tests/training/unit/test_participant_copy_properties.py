"""Training's participant copy as a property: registration's events of one participant may
arrive in any order and any number of times, and every delivery order ends in the same state,
that of the newest version of each field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purna_training.domain.participants import (
    ParticipantRecord,
    Registration,
    Update,
    Withdrawal,
    apply_registration,
    apply_update,
    apply_withdrawal,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 2, tzinfo=UTC)
Event = Registration | Update | Withdrawal


def apply(record: ParticipantRecord, event: Event) -> ParticipantRecord:
    if isinstance(event, Registration):
        return apply_registration(record, event)
    if isinstance(event, Update):
        return apply_update(record, event)
    return apply_withdrawal(record, event)


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """One participant's events with distinct versions: the registration at version 1, then
    updates and withdrawals."""
    count = draw(st.integers(min_value=0, max_value=5))
    events: list[Event] = [Registration("p1", 1, "NTB", "pmi_purna", "Baiq Nurul")]
    for version in range(2, count + 2):
        at = T0 + timedelta(hours=version)
        if draw(st.booleans()):
            events.append(Withdrawal("p1", version, at))
        else:
            events.append(
                Update(
                    "p1",
                    version,
                    at,
                    full_name=draw(st.one_of(st.none(), st.sampled_from(["Nurul", "Baiq N."]))),
                    consent_granted=draw(st.one_of(st.none(), st.booleans())),
                )
            )
    return events


@given(events=histories(), data=st.data())
def test_every_delivery_order_with_duplicates_ends_in_the_same_state(
    events: list[Event], data: st.DataObject
) -> None:
    in_order = ParticipantRecord.unknown("p1")
    for event in events:
        in_order = apply(in_order, event)
    deliveries = data.draw(st.lists(st.sampled_from(events), max_size=len(events) * 2))
    shuffled = data.draw(st.permutations([*events, *deliveries]))
    record = ParticipantRecord.unknown("p1")
    for event in shuffled:
        record = apply(record, event)
    assert record == in_order
    assert record.registered
    assert record.version == max(e.version for e in events)


def test_an_older_event_never_undoes_a_newer_one() -> None:
    registered = apply_registration(
        ParticipantRecord.unknown("p1"), Registration("p1", 1, "NTB", "pmi_purna", "Baiq Nurul")
    )
    withdrawn = apply_withdrawal(registered, Withdrawal("p1", 3, T0))
    regranted_late = apply_update(withdrawn, Update("p1", 2, T0, consent_granted=True))
    assert (regranted_late.consent_granted, regranted_late.withdrawn_at) == (False, T0)
    assert apply_withdrawal(withdrawn, Withdrawal("p1", 3, T0 + timedelta(days=1))) == withdrawn
    renamed = apply_update(withdrawn, Update("p1", 4, T0, full_name="Nurul"))
    assert (renamed.full_name, renamed.consent_granted) == ("Nurul", False)


def test_an_update_before_its_registration_is_kept_but_not_enrolable() -> None:
    early = apply_update(ParticipantRecord.unknown("p1"), Update("p1", 2, T0, full_name="Nurul"))
    assert not early.registered
    late = apply_registration(early, Registration("p1", 1, "NTB", "pmi_purna", "Baiq Nurul"))
    assert (late.registered, late.full_name, late.office) == (True, "Nurul", "NTB")
    assert late.consent_granted
