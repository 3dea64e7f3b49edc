"""Capacity holds under concurrency on real PostgreSQL, and the waitlist keeps arrival order.

"Arrival order" is the order in which enrolments acquired the session's row lock: each gets
the next arrival number, its ``enrolled_at`` is read from the clock inside that lock, so the
waitlist positions 1..30 must follow arrival numbers 21..50 and enrolment times.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from purna_shared.clock import FixedClock
from purna_shared.contracts.events import EnrollmentCancelled, ParticipantEnrolled
from purna_training.bootstrap import build_unit_of_work

from .conftest import TrainingWorld, schedule

pytestmark = pytest.mark.integration

PARTICIPANTS = [f"p-{n:02d}" for n in range(1, 51)]
ROUNDS = 10


class TickingClock(FixedClock):
    """Moves one millisecond every time it is read, so enrolment times are strictly ordered."""

    def now(self):  # type: ignore[no-untyped-def]
        self.moment += timedelta(milliseconds=1)
        return self.moment


async def test_50_concurrent_enrolments_for_20_seats_ten_times(training: TrainingWorld) -> None:
    training.app.state.unit_of_work = build_unit_of_work(TickingClock(training.clock.moment))
    await training.register(PARTICIPANTS)
    operator = training.client()

    for round_no in range(ROUNDS):
        # A fresh session each round, on days that overlap no earlier round's session.
        start = date(2024, 9, 2) + timedelta(weeks=round_no)
        session_id = await schedule(
            operator,
            start_date=start.isoformat(),
            end_date=(start + timedelta(days=3)).isoformat(),
        )
        responses = await asyncio.gather(
            *(
                operator.post(f"/sessions/{session_id}/enrollments", json={"participant_id": p})
                for p in PARTICIPANTS
            )
        )
        assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses]
        answers = [r.json() for r in responses]
        enrolled = [a for a in answers if a["status"] == "enrolled"]
        waitlisted = [a for a in answers if a["status"] == "waitlisted"]
        assert len(enrolled) == 20, f"round {round_no}"
        assert len(waitlisted) == 30, f"round {round_no}"
        assert all(a["position"] is None for a in enrolled)
        assert sorted(a["position"] for a in waitlisted) == list(range(1, 31))

        # The roster is in arrival (lock) order: 20 seats, then the waitlist 1..30, with
        # enrolment times strictly increasing along it.
        roster = (
            await operator.get(f"/sessions/{session_id}/enrollments", params={"limit": 100})
        ).json()
        assert roster["total"] == 50
        items = roster["items"]
        assert [i["status"] for i in items] == ["enrolled"] * 20 + ["waitlisted"] * 30
        assert [i["position"] for i in items[20:]] == list(range(1, 31))
        times = [i["enrolled_at"] for i in items]
        assert times == sorted(times) and len(set(times)) == 50
        answered = {a["participant_id"]: a["position"] for a in answers}
        assert all(answered[i["participant_id"]] == i["position"] for i in items)

        seats = (await operator.get(f"/sessions/{session_id}")).json()["seats"]
        assert seats == {"capacity": 20, "enrolled": 20, "waitlisted": 30, "free": 0}

    await training.relay().publish_pending()
    events = [e.payload(ParticipantEnrolled) for e in await training.stream(ParticipantEnrolled)]
    assert len(events) == 50 * ROUNDS
    assert sum(1 for e in events if e.status == "enrolled") == 20 * ROUNDS


async def test_a_cancellation_promotes_the_first_waitlisted(training: TrainingWorld) -> None:
    people = PARTICIPANTS[:23]
    await training.register(people)
    operator = training.client()
    session_id = await schedule(operator)
    for participant_id in people:  # one by one: arrival order is the list order
        response = await operator.post(
            f"/sessions/{session_id}/enrollments", json={"participant_id": participant_id}
        )
        assert response.status_code == 201

    first_waiting, second_waiting = people[20], people[21]
    cancelled = await operator.delete(
        f"/sessions/{session_id}/enrollments/{people[3]}", params={"reason": "sakit"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() == {
        "session_id": session_id,
        "participant_id": people[3],
        "status": "cancelled",
        "promoted_participant_id": first_waiting,
    }
    waiting = await operator.get(
        f"/sessions/{session_id}/enrollments", params={"status": "waitlisted"}
    )
    assert [(i["participant_id"], i["position"]) for i in waiting.json()["items"]] == [
        (second_waiting, 1),
        (people[22], 2),
    ]
    # Cancelling again changes nothing; a waitlisted cancellation promotes nobody.
    again = await operator.delete(f"/sessions/{session_id}/enrollments/{people[3]}")
    assert again.json()["promoted_participant_id"] is None
    left = await operator.delete(f"/sessions/{session_id}/enrollments/{people[22]}")
    assert left.json()["promoted_participant_id"] is None
    unknown = await operator.delete(f"/sessions/{session_id}/enrollments/nobody")
    assert unknown.status_code == 404
    # Coming back after cancelling is arriving anew: the end of the queue.
    back = await operator.post(
        f"/sessions/{session_id}/enrollments", json={"participant_id": people[3]}
    )
    assert (back.status_code, back.json()["status"], back.json()["position"]) == (
        201,
        "waitlisted",
        2,
    )

    await training.relay().publish_pending()
    cancellations = [
        e.payload(EnrollmentCancelled) for e in await training.stream(EnrollmentCancelled)
    ]
    assert [(c.participant_id, c.promoted_participant_id, c.reason) for c in cancellations] == [
        (people[3], first_waiting, "sakit"),
        (people[22], None, None),
    ]
    enrolments = [
        e.payload(ParticipantEnrolled) for e in await training.stream(ParticipantEnrolled)
    ]
    promotion = enrolments[-2]  # the last is the re-enrolment
    assert (promotion.participant_id, promotion.status, promotion.position) == (
        first_waiting,
        "enrolled",
        None,
    )


async def test_enrolling_twice_is_one_enrolment(training: TrainingWorld) -> None:
    await training.register(["p-01"])
    operator = training.client()
    session_id = await schedule(operator)
    url = f"/sessions/{session_id}/enrollments"
    first, *repeats = await asyncio.gather(
        *(operator.post(url, json={"participant_id": "p-01"}) for _ in range(5))
    )
    statuses = sorted(r.status_code for r in [first, *repeats])
    assert statuses == [200, 200, 200, 200, 201]
    assert {r.json()["status"] for r in [first, *repeats]} == {"enrolled"}
    await training.relay().publish_pending()
    assert len(await training.stream(ParticipantEnrolled)) == 1
