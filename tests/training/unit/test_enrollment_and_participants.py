"""Who may enrol, who gets a seat, and the participant read model under any delivery order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from purna_training.domain.enrollment import (
    EnrollmentStatus,
    Waiting,
    choose_promotions,
    ensure_may_enrol,
    place_for_newcomer,
    waitlist_position,
)
from purna_training.domain.errors import (
    ConsentWithdrawnError,
    OverlappingSeatError,
    ParticipantNotKnownError,
)
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

PID = "p-1"
T = datetime(2024, 8, 1, 2, 0, tzinfo=UTC)
REGISTERED = Registration(PID, 1, "NTB", "pmi_purna", "Baiq Nurul Aini")


def registered() -> ParticipantRecord:
    return apply_registration(ParticipantRecord.unknown(PID), REGISTERED)


# -- who may enrol -----------------------------------------------------------------------------


def test_an_unknown_or_only_updated_participant_is_not_known_yet() -> None:
    with pytest.raises(ParticipantNotKnownError, match="may still be arriving"):
        ensure_may_enrol(PID, None, None)
    stub = apply_update(ParticipantRecord.unknown(PID), Update(PID, 2, T, full_name="X"))
    with pytest.raises(ParticipantNotKnownError):
        ensure_may_enrol(PID, stub, None)


def test_a_withdrawn_participant_is_refused() -> None:
    withdrawn = apply_withdrawal(registered(), Withdrawal(PID, 2, T))
    with pytest.raises(ConsentWithdrawnError):
        ensure_may_enrol(PID, withdrawn, None)


def test_a_seat_in_an_overlapping_session_is_refused() -> None:
    with pytest.raises(OverlappingSeatError, match="session s-9"):
        ensure_may_enrol(PID, registered(), "s-9")
    ensure_may_enrol(PID, registered(), None)


# -- seats and waitlist ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enrolled", "waitlisted", "expected"),
    [
        (0, 0, EnrollmentStatus.ENROLLED),
        (19, 0, EnrollmentStatus.ENROLLED),
        (20, 0, EnrollmentStatus.WAITLISTED),
        (20, 3, EnrollmentStatus.WAITLISTED),
        # a seat is free but people are waiting: the newcomer queues behind them
        (19, 1, EnrollmentStatus.WAITLISTED),
    ],
)
def test_place_for_a_newcomer(enrolled: int, waitlisted: int, expected: EnrollmentStatus) -> None:
    assert place_for_newcomer(20, enrolled, waitlisted) is expected


def test_waitlist_position_counts_those_who_arrived_earlier() -> None:
    arrivals = [21, 22, 25, 30]
    assert [waitlist_position(a, arrivals) for a in arrivals] == [1, 2, 3, 4]


def test_promotion_is_first_come_first_served_and_skips_those_seated_elsewhere() -> None:
    waitlist = [Waiting("c", 23), Waiting("a", 21), Waiting("b", 22), Waiting("d", 24)]
    assert choose_promotions(20, 19, waitlist) == ["a"]
    assert choose_promotions(20, 18, waitlist) == ["a", "b"]
    assert choose_promotions(20, 19, waitlist, passed_over={"a"}) == ["b"]
    assert choose_promotions(20, 20, waitlist) == []
    assert choose_promotions(20, 15, waitlist) == ["a", "b", "c", "d"]


# -- the read model ----------------------------------------------------------------------------


def test_registration_makes_a_known_consenting_participant() -> None:
    record = registered()
    assert record.registered and record.consent_granted
    assert (record.version, record.full_name, record.office) == (1, "Baiq Nurul Aini", "NTB")


def test_a_duplicate_registration_changes_nothing() -> None:
    once = apply_update(registered(), Update(PID, 2, T, full_name="Baiq Nurul Aini Hadi"))
    twice = apply_registration(once, REGISTERED)
    assert twice == once
    assert twice.full_name == "Baiq Nurul Aini Hadi"


def test_an_update_before_its_registration_is_kept_and_wins() -> None:
    stub = apply_update(ParticipantRecord.unknown(PID), Update(PID, 2, T, full_name="Corrected"))
    assert not stub.registered and stub.full_name == "Corrected" and stub.version == 2
    record = apply_registration(stub, REGISTERED)
    assert record.registered and record.consent_granted
    assert (record.full_name, record.version, record.office) == ("Corrected", 2, "NTB")


def test_an_older_update_never_overwrites_a_newer_one() -> None:
    record = apply_update(registered(), Update(PID, 3, T, full_name="Third"))
    record = apply_update(record, Update(PID, 2, T, full_name="Second"))
    assert (record.full_name, record.full_name_version, record.version) == ("Third", 3, 3)


def test_withdrawal_then_a_late_older_consent_update_stays_withdrawn() -> None:
    record = apply_withdrawal(registered(), Withdrawal(PID, 3, T))
    record = apply_update(record, Update(PID, 2, T, consent_granted=True))
    assert not record.consent_granted and record.withdrawn_at == T


def test_a_newer_consent_grant_restores_consent() -> None:
    record = apply_withdrawal(registered(), Withdrawal(PID, 2, T))
    record = apply_update(record, Update(PID, 3, T, consent_granted=True))
    assert record.consent_granted and record.withdrawn_at is None


def test_withdrawal_before_registration_is_not_undone_by_it() -> None:
    record = apply_withdrawal(ParticipantRecord.unknown(PID), Withdrawal(PID, 2, T))
    record = apply_registration(record, REGISTERED)
    assert record.registered and not record.consent_granted


def test_every_delivery_order_with_duplicates_ends_in_the_newest_state() -> None:
    events: list[Registration | Update | Withdrawal] = [
        REGISTERED,
        Update(PID, 2, T, full_name="Two"),
        Update(PID, 3, T, consent_granted=False),
        Update(PID, 4, T, full_name="Four", consent_granted=True),
    ]
    results = set()
    for order in itertools.permutations([*events, events[1], REGISTERED]):
        record = ParticipantRecord.unknown(PID)
        for event in order:
            if isinstance(event, Registration):
                record = apply_registration(record, event)
            elif isinstance(event, Update):
                record = apply_update(record, event)
            else:
                record = apply_withdrawal(record, event)
        results.add(record)
    assert len(results) == 1
    (final,) = results
    assert (final.registered, final.full_name, final.consent_granted, final.version) == (
        True,
        "Four",
        True,
        4,
    )
