"""The shared participant-copy policy: any delivery order, with duplicates, ends in the state of
the newest version, and nothing waits for anything."""

from __future__ import annotations

import itertools

import pytest

from purna_shared.contracts.events import (
    ConsentWithdrawn,
    ParticipantRegistered,
    ParticipantUpdated,
)
from purna_shared.participant_copy import ParticipantCopy, ParticipantEvent
from purna_shared.testing.events import example

pytestmark = pytest.mark.unit

PID = "0191f0a4-5d2e-7c3b-9a41-2f6b1c8d9e01"


def events() -> list[ParticipantEvent]:
    registered = example(ParticipantRegistered, participant_id=PID, version=1)
    renamed = example(
        ParticipantUpdated,
        participant_id=PID,
        version=2,
        changed=["full_name"],
        full_name="Baiq Nurul",
        phone=None,
        consent=None,
    )
    moved_phone = example(
        ParticipantUpdated, participant_id=PID, version=3, changed=["phone"], consent=None
    )
    withdrawn = example(ConsentWithdrawn, participant_id=PID, version=4)
    return [registered, renamed, moved_phone, withdrawn]


def replay(order: list[ParticipantEvent]) -> ParticipantCopy:
    copy = ParticipantCopy(PID)
    for event in order:
        copy = copy.apply(event)
    return copy


def test_every_order_with_duplicates_ends_in_the_newest_state() -> None:
    in_order = replay(events())
    assert in_order.registered
    assert in_order.version == 4
    assert in_order.get("full_name") == "Baiq Nurul"
    assert in_order.get("phone") == "+6287765432109"
    assert in_order.get("consent") is False
    for order in itertools.permutations(events()):
        assert replay([*order, order[0]]) == in_order


def test_an_update_ahead_of_its_registration_is_kept_on_a_placeholder() -> None:
    registration, renamed, *_ = events()
    early = ParticipantCopy(PID).apply(renamed)
    assert not early.registered
    assert early.get("full_name") == "Baiq Nurul"
    completed = early.apply(registration)
    assert completed.registered
    assert completed.get("full_name") == "Baiq Nurul"  # the newer name stays
    assert completed.get("office") == registration.office  # the rest comes from v1


def test_a_copy_keeps_only_the_fields_it_asks_for() -> None:
    copy = ParticipantCopy(PID).apply(events()[0], keep=("office", "consent"))
    assert set(copy.values) == {"office", "consent"}
