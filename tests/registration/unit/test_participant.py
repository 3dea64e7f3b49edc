"""Registration rules and the Participant aggregate's life: every error names its field."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest

from purna_registration.domain.errors import ConsentWithdrawnError, ValidationFailed
from purna_registration.domain.participant import (
    Address,
    ConsentRevoked,
    FamilyLink,
    Participant,
    ParticipantChanges,
    PmiHistory,
    Registered,
    RegistrationForm,
    Updated,
    validate_registration,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
WOMAN_NIK = "5202064107900003"  # born 1990-07-01, P


def form(**changes: Any) -> RegistrationForm:
    base = RegistrationForm(
        nik=WOMAN_NIK,
        full_name="  Baiq   Nurul Aini ",
        gender="P",
        birth_date=date(1990, 7, 1),
        marital_status="kawin",
        phone="0812-3456-7890",
        email=None,
        address=Address("52", "5202", "Jonggat", "Bonjeruk"),
        category="pmi_purna",
        pmi=PmiHistory("my", "perkebunan", 6, date(2023, 11, 20)),
        family=None,
        consent_granted=True,
        consent_channels=("whatsapp", "sms"),
        campaign_id=None,
        office="NTB",
    )
    return dataclasses.replace(base, **changes)


def errors_of(f: RegistrationForm) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_registration(f, today=TODAY)
    return {e.field: e.message for e in caught.value.errors}


def test_a_valid_registration_is_normalised() -> None:
    r = validate_registration(form(), today=TODAY)
    assert r.nik.value == WOMAN_NIK
    assert r.full_name == "Baiq Nurul Aini"
    assert r.phone == "+6281234567890"
    assert r.pmi == PmiHistory("MY", "perkebunan", 6, date(2023, 11, 20))
    assert r.consent_channels == ("sms", "whatsapp")  # catalogue order


def test_nik_errors_name_the_nik_field() -> None:
    assert errors_of(form(nik="520206410790003")) == {"nik": "must be exactly 16 digits, got 15"}
    assert errors_of(form(nik="5202064107900000")) == {
        "nik": "serial number (digits 13-16) must not be 0000"
    }


def test_a_birth_date_that_disagrees_with_the_nik_is_refused() -> None:
    assert errors_of(form(birth_date=date(1990, 7, 2))) == {
        "birth_date": "does not agree with the birth date in the NIK (digits 7-12: day, month, "
        "year)"
    }


def test_a_man_with_a_womans_nik_is_refused() -> None:
    assert errors_of(form(gender="L")) == {
        "gender": "is L but the NIK's birth day is over 40, which marks a woman (P)"
    }


def test_a_nik_from_another_province_is_fine_for_an_ntb_participant() -> None:
    # Issued in Surabaya, lives in Lombok Tengah, registered by BP3MI NTB.
    r = validate_registration(form(nik="3578014107900003"), today=TODAY)
    assert r.nik.province_code == "35"
    assert r.address.province_code == "52"


def test_every_broken_rule_is_reported_at_once() -> None:
    errors = errors_of(
        form(
            full_name="4ini",
            phone="0361234567",
            email="not-an-email",
            address=Address("52", "5209", "", "Bonjeruk"),
            consent_granted=False,
            consent_channels=("email",),
        )
    )
    assert errors == {
        "full_name": "must not contain digits",
        "phone": "must be a mobile number: 08..., 628... or +628...",
        "email": "is not an e-mail address (name@domain.tld)",
        "address.regency_code": "5209 is not a regency of province 52",
        "address.district": "must not be empty",
        "consent.granted": "must be true: consent is required to register (UU PDP)",
    }


def test_the_email_channel_needs_an_email_address() -> None:
    assert errors_of(form(consent_channels=("sms", "email"))) == {
        "consent.channels": "lists email but no email address is given"
    }
    assert (
        validate_registration(
            form(consent_channels=("email",), email=" Aini@Example.ID "), today=TODAY
        ).email
        == "aini@example.id"
    )


def test_unknown_consent_channels_are_named() -> None:
    errors = errors_of(form(consent_channels=("pigeon",)))
    assert errors == {"consent.channels": "1 unknown channel(s); allowed: sms, whatsapp, email"}


@pytest.mark.parametrize(
    ("address", "field", "why"),
    [
        (
            Address("5", "5202", "Jonggat", "Bonjeruk"),
            "address.province_code",
            "must be 2 digits, e.g. 52",
        ),
        (
            Address("99", "9901", "X", "Y"),
            "address.province_code",
            "99 is not an Indonesian province code",
        ),
        (
            Address("52", "5102", "Jonggat", "Bonjeruk"),
            "address.regency_code",
            "5102 is not in province 52 (it must start with it)",
        ),
        (
            Address("52", "52A2", "Jonggat", "Bonjeruk"),
            "address.regency_code",
            "must be 4 digits, e.g. 5201",
        ),
        (
            Address("52", "5200", "Jonggat", "Bonjeruk"),
            "address.regency_code",
            "5200 is not a regency code (the last two digits are 00)",
        ),
        (Address("52", "5202", "Jonggat", " "), "address.village", "must not be empty"),
    ],
)
def test_address_codes(address: Address, field: str, why: str) -> None:
    assert errors_of(form(address=address)) == {field: why}


def test_ntb_regencies_and_cities_are_all_accepted() -> None:
    for code in ("5201", "5203", "5204", "5205", "5206", "5207", "5208", "5271", "5272"):
        assert validate_registration(form(address=Address("52", code, "K", "D")), today=TODAY)


def test_category_needs_its_own_record_and_not_the_other() -> None:
    assert errors_of(form(pmi=None)) == {"pmi": "is required when category is pmi_purna"}
    family = FamilyLink("suami_istri", "Lalu Ahmad", True)
    assert errors_of(form(family=family)) == {"family": "must be absent when category is pmi_purna"}
    assert errors_of(form(category="keluarga_pmi")) == {
        "family": "is required when category is keluarga_pmi",
        "pmi": "must be absent when category is keluarga_pmi",
    }
    r = validate_registration(form(category="keluarga_pmi", pmi=None, family=family), today=TODAY)
    assert r.family == family


def test_pmi_history_rules() -> None:
    assert errors_of(form(pmi=PmiHistory("ID", "perkebunan", 6))) == {
        "pmi.destination_country": "must be the country worked in, not Indonesia"
    }
    assert errors_of(form(pmi=PmiHistory("XX", "perkebunan", 6))) == {
        "pmi.destination_country": "is not an ISO 3166-1 alpha-2 code (e.g. MY)"
    }
    assert "pmi.sector" in errors_of(form(pmi=PmiHistory("MY", "astronaut", 6)))
    assert errors_of(form(pmi=PmiHistory("MY", "perkebunan", 40))) == {
        "pmi.years_abroad": "is more than the participant's age"
    }
    assert errors_of(form(pmi=PmiHistory("MY", "perkebunan", 6, date(2027, 1, 1)))) == {
        "pmi.returned_on": "must not be in the future"
    }


def test_family_relation_and_worker_name() -> None:
    errors = errors_of(
        form(category="keluarga_pmi", pmi=None, family=FamilyLink("tetangga", " ", False))
    )
    assert errors == {
        "family.relation": "must be one of suami_istri, anak, orang_tua, saudara_kandung, lainnya",
        "family.worker_name": "must not be empty",
    }


def test_birth_date_bounds() -> None:
    born = date(2027, 1, 1)
    errors = errors_of(form(nik="5202064101270003", birth_date=born))
    assert errors["birth_date"] == "must not be in the future"
    # 15 years old and unmarried: no e-KTP of their own yet.
    errors = errors_of(
        form(nik="5202064107110003", birth_date=date(2011, 7, 1), marital_status="belum_kawin")
    )
    assert errors == {
        "birth_date": "gives an age under 17: a NIK holder registers from 17, or once married"
    }
    # Married at 16: the e-KTP comes with marriage.
    assert validate_registration(
        form(
            nik="5202064107100003", birth_date=date(2010, 7, 1), pmi=PmiHistory("MY", "lainnya", 0)
        ),
        today=TODAY,
    )


def test_office_code_shape() -> None:
    assert errors_of(form(office="ntb")) == {
        "office": "must be a BP3MI office code of 2-16 capitals, e.g. NTB"
    }


def registered_participant() -> Participant:
    r = validate_registration(form(email="aini@example.id"), today=TODAY)
    return Participant.register(r, participant_id="p-1", now=NOW)


def test_registration_starts_at_version_1_with_one_event_and_masked_nik() -> None:
    p = registered_participant()
    assert p.version == 1
    assert p.nik_masked == "5202********0003"
    assert p.events == [Registered("p-1")]
    assert p.consent.granted and p.consent.granted_at == NOW


def test_a_change_bumps_the_version_and_names_what_changed() -> None:
    p = registered_participant()
    p.events.clear()
    later = datetime(2026, 12, 1, tzinfo=UTC)
    changed = p.change(
        ParticipantChanges(phone="+62 877 6543 2109", marital_status="cerai_hidup"),
        today=TODAY,
        now=later,
    )
    assert changed == ("phone", "marital_status")
    assert (p.version, p.phone, p.updated_at) == (2, "+6287765432109", later)
    assert p.events == [Updated("p-1", 2, ("phone", "marital_status"))]


def test_a_change_to_the_same_values_is_no_new_version() -> None:
    p = registered_participant()
    p.events.clear()
    assert p.change(ParticipantChanges(phone="081234567890"), today=TODAY, now=NOW) == ()
    assert p.version == 1 and p.events == []


def test_a_bad_change_names_the_field_and_changes_nothing() -> None:
    p = registered_participant()
    with pytest.raises(ValidationFailed) as caught:
        p.change(ParticipantChanges(phone="0361234567", email=None), today=TODAY, now=NOW)
    assert {e.field for e in caught.value.errors} == {"phone"}
    # e-mail can't go while consent.channels lists it
    p2 = registered_participant()
    p2.change(ParticipantChanges(consent_channels=("email",)), today=TODAY, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        p2.change(ParticipantChanges(email=None), today=TODAY, now=NOW)
    assert [str(e) for e in caught.value.errors] == [
        "email: cannot be removed while consent.channels lists email"
    ]
    assert p.version == 1 and p.phone == "+6281234567890"


def test_changing_channels_records_a_new_consent() -> None:
    p = registered_participant()
    later = datetime(2026, 12, 1, tzinfo=UTC)
    assert p.change(ParticipantChanges(consent_channels=("email",)), today=TODAY, now=later) == (
        "consent",
    )
    assert p.consent.channels == ("email",) and p.consent.granted_at == later


def test_withdrawal_is_recorded_once_and_stops_changes() -> None:
    p = registered_participant()
    p.events.clear()
    later = datetime(2026, 12, 2, tzinfo=UTC)
    assert p.withdraw_consent(now=later) is True
    assert p.withdraw_consent(now=later) is False
    assert p.version == 2
    assert p.events == [ConsentRevoked("p-1", 2, later)]
    assert not p.consent.granted and p.consent.withdrawn_at == later
    with pytest.raises(ConsentWithdrawnError):
        p.change(ParticipantChanges(phone="081234567891"), today=TODAY, now=later)
