"""Twenty participants of one village training, and what each must receive when it ends."""

from __future__ import annotations

from typing import Any

from purna_notification.domain.messages import TEMPLATES
from purna_shared.contracts.events import SessionCompleted

from .conftest import World

COMPLETED_TEMPLATES = {"session-completed-completer", "session-completed-non-completer"}


def participant(i: int) -> dict[str, Any]:
    """Four kinds of contact: e-mail only, SMS, WhatsApp (also consented to SMS), SMS + e-mail."""
    pid = f"0191f0a4-0000-7000-8000-0000000000{i:02d}"
    phone = f"+628120000{i:04d}"
    mail = f"peserta{i:02d}@example.org"
    kind = i % 4
    if kind == 0:
        return {"participant_id": pid, "email": mail, "channels": ("email",)}
    if kind == 1:
        return {"participant_id": pid, "phone": phone, "channels": ("sms",)}
    if kind == 2:
        return {"participant_id": pid, "phone": phone, "channels": ("sms", "whatsapp")}
    return {"participant_id": pid, "phone": phone, "email": mail, "channels": ("sms", "email")}


PARTICIPANTS = [participant(i) for i in range(20)]
COMPLETERS = {p["participant_id"] for i, p in enumerate(PARTICIPANTS) if i % 5 != 0}


def session_completed() -> SessionCompleted:
    example = TEMPLATES["session-completed-completer"].sample_payload()
    outcomes = [
        {
            "participant_id": p["participant_id"],
            "completed": p["participant_id"] in COMPLETERS,
            "attendance_rate": 0.9 if p["participant_id"] in COMPLETERS else 0.4,
            "certificate_no": f"NTB/2024/TENUN-TAS/{i:04d}"
            if p["participant_id"] in COMPLETERS
            else None,
        }
        for i, p in enumerate(PARTICIPANTS)
    ]
    return SessionCompleted.model_validate({**example, "outcomes": outcomes})


def recipients_by_address() -> dict[str, str]:
    addresses = {}
    for p in PARTICIPANTS:
        for key in ("phone", "email"):
            if p.get(key):
                addresses[p[key]] = p["participant_id"]
    return addresses


async def registered_and_welcomed(world: World) -> None:
    for p in PARTICIPANTS:
        await world.register(p)
    await world.consume()
    await world.dispatcher().dispatch_due()
    assert len(world.gateway.delivered) == 15 and len(world.smtp.messages) == 10  # welcomes
    world.gateway.reset()
    world.smtp.reset()


def assert_twenty_recipients_once_each(world: World) -> None:
    """Each of the 20 participants got exactly one message per channel chosen for them.

    The gateway counts a resend under the same ``Idempotency-Key`` once, as an idempotent
    gateway does; an SMTP server has no such key, so a resent e-mail (possible only when a
    worker dies between the server's 250 and recording ``sent``) is recognised by its
    ``Message-ID``, which mailboxes use to fold duplicates."""
    by_address = recipients_by_address()
    gateway_messages = [m for m in world.gateway.delivered if m["template"] in COMPLETED_TEMPLATES]
    received = [m for m in world.smtp.messages if m.template in COMPLETED_TEMPLATES]
    emails = list({m.message_id: m for m in received}.values())
    for resent in received:  # a resend is the same message to the same person
        assert resent == next(m for m in emails if m.message_id == resent.message_id)
    # 15 phone messages (SMS or WhatsApp) and 10 e-mails; 5 participants get both
    assert len(gateway_messages) == 15
    assert len({m["id"] for m in gateway_messages}) == 15
    assert len(emails) == 10
    assert len({m.message_id for m in emails}) == 10
    reached = [by_address[m["to"]] for m in gateway_messages] + [by_address[m.to] for m in emails]
    assert set(reached) == {p["participant_id"] for p in PARTICIPANTS}  # exactly 20 people
    for message in gateway_messages:
        pid = by_address[message["to"]]
        expected_channel = "whatsapp" if PARTICIPANTS_BY_ID[pid]["kind"] == 2 else "sms"
        assert message["channel"] == expected_channel
        _assert_text(pid, message["template"], message["text"])
    for mail in emails:
        pid = by_address[mail.to]
        _assert_text(pid, mail.template, mail.body)
        assert mail.subject.startswith(
            "Selamat, Anda lulus" if pid in COMPLETERS else "Pelatihan Menjahit"
        )


PARTICIPANTS_BY_ID = {p["participant_id"]: {**p, "kind": i % 4} for i, p in enumerate(PARTICIPANTS)}


def _assert_text(pid: str, template: str, text: str) -> None:
    if pid in COMPLETERS:
        assert template == "session-completed-completer"
        assert "lulus" in text.lower() and "NTB/2024/TENUN-TAS/" in text
        assert "kehadiran 90%" in text
    else:
        assert template == "session-completed-non-completer"
        assert "40%" in text and "NTB/2024/TENUN-TAS/" not in text
        assert "berikutnya" in text
