"""The contact read model: versions per field, consent per channel, withdrawal is final."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from purna_notification.domain.model import Contact

pytestmark = pytest.mark.unit

WHEN = datetime(2024, 9, 10, 3, 0, tzinfo=UTC)


def registered(**overrides: object) -> Contact:
    contact = Contact("p-1")
    values: dict[str, object] = {
        "version": 1,
        "office": "NTB",
        "full_name": "Baiq Nurul Aini",
        "gender": "P",
        "phone": "+6281234567890",
        "email": "baiq@example.org",
        "channels": frozenset({"sms", "whatsapp", "email"}),
    }
    values.update(overrides)
    contact.register(**values)  # type: ignore[arg-type]
    return contact


def test_registration_fills_the_contact() -> None:
    contact = registered()
    assert contact.registered and not contact.withdrawn
    assert contact.salutation == "Ibu"
    assert contact.address("sms") == contact.address("whatsapp") == "+6281234567890"
    assert contact.address("email") == "baiq@example.org"


def test_one_phone_message_whatsapp_first_plus_email() -> None:
    assert registered().channels_to_message() == ["whatsapp", "email"]
    assert registered(channels=frozenset({"sms", "email"})).channels_to_message() == [
        "sms",
        "email",
    ]
    assert registered(channels=frozenset({"sms"}), email=None).channels_to_message() == ["sms"]
    # consent without an address, or an address without consent: nothing on that channel
    assert registered(phone=None).channels_to_message() == ["email"]
    assert registered(channels=frozenset({"email"}), email=None).channels_to_message() == []


def test_updates_out_of_order_keep_the_newest_value_of_each_field() -> None:
    contact = registered()
    # v3 changes the e-mail, then the late v2 arrives with a new phone and an older e-mail
    contact.update(version=3, changes={"email": "new@example.org"})
    contact.update(version=2, changes={"phone": "+6287765432109", "email": "old@example.org"})
    assert contact.email == "new@example.org"
    assert contact.phone == "+6287765432109"
    assert contact.version == 3
    # a replayed v2 changes nothing
    contact.update(version=2, changes={"phone": "+6280000000000"})
    assert contact.phone == "+6287765432109"


def test_a_channel_can_be_taken_back_and_its_address_cleared() -> None:
    contact = registered()
    contact.update(version=2, changes={"consent": frozenset({"email"})})
    assert contact.channels_to_message() == ["email"]
    assert contact.refusal("sms") == "no consent for sms"
    contact.update(version=3, changes={"email": None})
    assert contact.channels_to_message() == []
    assert contact.refusal("email") == "no e-mail address"


def test_withdrawal_stops_everything_and_forgets_the_addresses() -> None:
    contact = registered()
    contact.withdraw(version=4, at=WHEN)
    assert contact.withdrawn
    assert contact.channels_to_message() == []
    assert contact.phone is None and contact.email is None and contact.full_name is None
    for channel in ("sms", "whatsapp", "email"):
        assert contact.refusal(channel) == "consent withdrawn"  # type: ignore[arg-type]
    # a late update or a replayed registration does not bring anything back
    contact.update(version=5, changes={"phone": "+6281111111111", "consent": frozenset({"sms"})})
    contact.register(
        version=1,
        office="NTB",
        full_name="Baiq Nurul Aini",
        gender="P",
        phone="+6281234567890",
        email=None,
        channels=frozenset({"sms"}),
    )
    assert contact.withdrawn and contact.phone is None and contact.channels_to_message() == []


def test_a_withdrawal_that_overtakes_the_registration_still_wins() -> None:
    contact = Contact("p-2")
    contact.withdraw(version=2, at=WHEN)
    assert contact.refusal("sms") == "consent withdrawn"
    contact.register(
        version=1,
        office="NTB",
        full_name="Lalu Ahmad",
        gender="L",
        phone="+6281234567890",
        email=None,
        channels=frozenset({"sms"}),
    )
    assert contact.registered and contact.withdrawn
    assert contact.channels_to_message() == []


def test_unregistered_contacts_get_nothing() -> None:
    contact = Contact("p-3")
    assert contact.channels_to_message() == []
    assert contact.refusal("sms") == "participant not registered"
    assert contact.salutation == "Bapak/Ibu"
