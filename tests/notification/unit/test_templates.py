"""The built-in templates render in Bahasa Indonesia for every event and channel."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from purna_notification.adapters.templates import TemplateError, TemplateRenderer
from purna_notification.domain.gsm7 import is_gsm7
from purna_notification.domain.messages import TEMPLATES, PlanningContext, plan
from purna_notification.domain.schedule import ReminderRule
from purna_shared.reference import Zone, office_sender

pytestmark = pytest.mark.unit

RENDERER = TemplateRenderer()
RULE = ReminderRule(1, time(9, 0))


def context_of(name: str, **payload: Any) -> dict[str, Any]:
    spec = TEMPLATES[name]
    event = spec.event.model_validate({**spec.sample_payload(), **payload})
    [planned] = [p for p in plan(event, PlanningContext(RULE, None)) if p.template == name][:1]
    return {
        **planned.context,
        "nama": "Baiq Nurul Aini",
        "sapaan": "Ibu",
        "zona": Zone.WITA,
        "bp3mi": office_sender("NTB"),
    }


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("channel", ["sms", "whatsapp", "email"])
def test_every_template_renders_on_every_channel(name: str, channel: str) -> None:
    message = RENDERER.render(name, channel, context_of(name))  # type: ignore[arg-type]
    assert "Baiq Nurul Aini" in message.body or name in {
        "session-reminder",
        "credit-application-submitted",
        "credit-approved",
        "loan-disbursed",
    }
    assert "{{" not in message.body and "None" not in message.body
    if channel == "sms":
        assert message.encoding == "GSM-7" and is_gsm7(message.body)
        assert message.segments is not None and 1 <= message.segments <= 2
    if channel == "email":
        assert message.subject and "\n" not in message.subject
        assert "BP3MI" in message.body


def test_completers_and_non_completers_read_different_texts() -> None:
    yes = RENDERER.render(
        "session-completed-completer", "sms", context_of("session-completed-completer")
    )
    no = RENDERER.render(
        "session-completed-non-completer", "sms", context_of("session-completed-non-completer")
    )
    assert "LULUS" in yes.body and "NTB/2024/TENUN-TAS/0007" in yes.body
    assert "kehadiran 100%" in yes.body
    assert "belum cukup untuk lulus" in no.body and "Kehadiran Anda 25%" in no.body
    assert "sertifikat" not in no.body


def test_amounts_and_dates_as_written_in_ntb() -> None:
    message = RENDERER.render("credit-prequalified", "email", context_of("credit-prequalified"))
    assert "hingga Rp100.000.000" in message.body
    assert "6% per tahun" in message.body
    assert "Jumat, 15 November 2024" in message.body
    enrolled = RENDERER.render("participant-enrolled", "sms", context_of("participant-enrolled"))
    assert "12-15 Agustus 2024" in enrolled.body
    assert "Mulai Senin, 12 Agustus 2024" in enrolled.body


def test_approved_for_less_says_what_was_asked() -> None:
    less = RENDERER.render("credit-approved", "sms", context_of("credit-approved"))
    assert "Rp20.000.000 (diajukan Rp25.000.000)" in less.body
    full = RENDERER.render(
        "credit-approved", "sms", context_of("credit-approved", approved_amount=25_000_000)
    )
    assert "diajukan" not in full.body


def test_sms_text_is_transliterated_to_gsm7() -> None:
    context = context_of("credit-rejected", reason="usaha “belum” berjalan — 6 bulan")
    sms = RENDERER.render("credit-rejected", "sms", context)
    assert 'usaha "belum" berjalan - 6 bulan' in sms.body
    whatsapp = RENDERER.render("credit-rejected", "whatsapp", context)
    assert "“belum”" in whatsapp.body  # WhatsApp carries Unicode as is


def test_a_missing_fact_or_template_is_an_error_not_a_blank() -> None:
    with pytest.raises(TemplateError, match="undefined"):
        RENDERER.render("credit-approved", "sms", {"nama": "x", "sapaan": "Ibu"})
    with pytest.raises(TemplateError, match="no template"):
        RENDERER.render("no-such-template", "sms", {})


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "email"])
def test_a_nik_that_slipped_into_an_event_never_goes_out(channel: str) -> None:
    # issue 15, item 2: the credit API refuses a NIK in a rejection reason; an event written
    # before that (or by another producer) is masked on its way to the participant
    context = context_of("credit-rejected", reason="data NIK 5202064107900001 tidak cocok")
    message = RENDERER.render("credit-rejected", channel, context)  # type: ignore[arg-type]
    assert "5202064107900001" not in message.body
    assert "****************" in message.body
    assert "tidak cocok" in message.body


def test_each_office_signs_its_own_messages() -> None:
    jatim = {**context_of("participant-enrolled"), "bp3mi": office_sender("JATIM")}
    sms = RENDERER.render("participant-enrolled", "sms", jatim)
    assert sms.body.startswith("BP3MI Jatim:") and "NTB" not in sms.body
