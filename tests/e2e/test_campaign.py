"""A whole campaign across real processes: registration, enrollment, attendance, completion,
KUR pre-qualification and messages; and the same with workers killed halfway."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from typing import Any

import pytest

from purna.demo import TRAININGS, VillageResult, run_demo

from .conftest import RunningSystem

pytestmark = pytest.mark.e2e

COMPLETION_TEMPLATES = ("session-completed-completer", "session-completed-non-completer")
VILLAGES = TRAININGS[-2:]  # Pringgasela and Bonjeruk: 40 participants


def e164(phone: str) -> str:
    return "+62" + phone[1:] if phone.startswith("0") else phone


def expected_completion_messages(results: list[VillageResult]) -> Counter[tuple[str, str, str]]:
    """(channel, recipient address, template) -> 1 for every message a completion must cause."""
    expected: Counter[tuple[str, str, str]] = Counter()
    for result in results:
        for pid, person in zip(result.participant_ids, result.people, strict=True):
            completed = result.absences[pid] <= 1  # 3 of 4 days: the 0.75 rule
            template = COMPLETION_TEMPLATES[0] if completed else COMPLETION_TEMPLATES[1]
            channels = person["consent"]["channels"]
            # one phone message, on WhatsApp when consented, else SMS; plus e-mail if consented
            phone_channel = "whatsapp" if "whatsapp" in channels else "sms"
            expected[(phone_channel, e164(person["phone"]), template)] += 1
            if "email" in channels:
                expected[("email", person["email"], template)] += 1
    return expected


def received_completion_messages(running: RunningSystem) -> Counter[tuple[str, str, str]]:
    received: Counter[tuple[str, str, str]] = Counter()
    for body in list(running.gateway.delivered):
        if body.get("template") in COMPLETION_TEMPLATES:
            received[(body["channel"], body["to"], body["template"])] += 1
    seen_ids: set[str] = set()
    for mail in list(running.mailbox.messages):
        if mail.template in COMPLETION_TEMPLATES and mail.message_id not in seen_ids:
            # A resent e-mail keeps its Message-ID: mail clients show it once.
            seen_ids.add(mail.message_id)
            received[("email", mail.to, mail.template)] += 1
    return received


async def wait_for_messages(
    running: RunningSystem, expected: Counter[tuple[str, str, str]], timeout: float = 120
) -> Counter[tuple[str, str, str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        received = received_completion_messages(running)
        if sum(received.values()) >= sum(expected.values()):
            await asyncio.sleep(2)  # anything doubled would arrive now
            return received_completion_messages(running)
        running.system.check_children()
        await asyncio.sleep(0.5)
    return received_completion_messages(running)


def assert_funnel(results: list[VillageResult]) -> None:
    for result in results:
        assert len(result.participant_ids) == 20
        assert len(set(result.participant_ids)) == 20
        assert result.enrolled == 20
        expected_completed = sum(1 for missed in result.absences.values() if missed <= 1)
        assert result.completed == expected_completed
        assert 0 < result.completed < 20  # the demo's absences make both outcomes occur
        # every completer is an adult with consent and no KUR: pre-qualified, none refused
        assert result.prequalified == result.completed
        assert result.plafond >= result.completed * 10_000_000


def assert_text_matches_outcome(running: RunningSystem) -> None:
    for body in running.gateway.delivered:
        if body.get("template") == "session-completed-non-completer":
            assert "sertifikat" not in body["text"].lower() or "belum" in body["text"].lower()
    for mail in running.mailbox.messages:
        if mail.template == "session-completed-completer":
            assert "/" in mail.body  # the certificate number, e.g. NTB/2024/TENUN/0001


async def test_a_campaign_through_every_service(running_system: RunningSystem) -> None:
    results = await asyncio.to_thread(
        run_demo, seed=11, ports=running_system.ports, trainings=VILLAGES
    )
    assert_funnel(results)

    expected = expected_completion_messages(results)
    received = await wait_for_messages(running_system, expected)
    assert received == expected
    assert_text_matches_outcome(running_system)
    # nothing at all was delivered twice, whatever the template
    keys = [(b["channel"], b["to"], b["template"]) for b in running_system.gateway.delivered]
    assert len(keys) == len(set(keys))
    emails = [(m.to, m.template) for m in running_system.mailbox.messages]
    assert len(emails) == len(set(emails))


async def test_workers_killed_halfway_lose_and_double_nothing(
    running_system: RunningSystem,
) -> None:
    system = running_system.system
    demo = asyncio.create_task(
        asyncio.to_thread(run_demo, seed=12, ports=running_system.ports, trainings=VILLAGES)
    )
    killed: list[str] = []
    # Kill the credit and notification workers with SIGKILL as soon as completion messages
    # start to flow: they hold entries and deliveries they have not finished.
    while not demo.done():
        if received_completion_messages(running_system).total() >= 3 and not killed:
            for name in ("notification-worker", "credit-worker"):
                child = system.child(name)
                assert child.process is not None
                os.kill(child.process.pid, signal.SIGKILL)
                killed.append(name)
        system.check_children()  # the supervisor restarts them, as Kubernetes would
        await asyncio.sleep(0.1)
    results: list[VillageResult] = demo.result()
    assert killed, "the workers should have been killed while messages were flowing"
    assert all(system.child(name).restarts >= 1 for name in killed)
    assert_funnel(results)

    expected = expected_completion_messages(results)
    received = await wait_for_messages(running_system, expected)
    assert received == expected
    keys: list[Any] = [
        (b["channel"], b["to"], b["template"]) for b in running_system.gateway.delivered
    ]
    assert len(keys) == len(set(keys))
