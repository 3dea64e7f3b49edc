"""Indonesian mobile numbers in every typed form, stored as E.164."""

from __future__ import annotations

import pytest

from purna_registration.domain.phone import PhoneError, normalise_phone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("081234567890", "+6281234567890"),  # 08... national form
        ("6281234567890", "+6281234567890"),  # 628... without the plus
        ("+6281234567890", "+6281234567890"),  # +628... international form
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("(0812) 3456.7890", "+6281234567890"),
        ("0819 1234 5678", "+6281912345678"),  # XL
        ("085712345678", "+6285712345678"),  # Indosat
        ("0812345678", "+62812345678"),  # 9 digits after +62: the shortest mobile
        ("81234567890", "+6281234567890"),  # Excel dropped the leading zero
    ],
)
def test_mobile_numbers_are_normalised_to_e164(typed: str, e164: str) -> None:
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "must not be empty"),
        ("0812-CALL-ME", "may contain only digits, spaces, dashes, dots, brackets and a leading +"),
        ("0812345678x", "may contain only digits, spaces, dashes, dots, brackets and a leading +"),
        ("0361234567", "must be a mobile number: 08..., 628... or +628..."),  # Denpasar fixed
        ("0370123456", "must be a mobile number: 08..., 628... or +628..."),  # Mataram fixed
        ("+60123456789", "must be an Indonesian number (+62), not country code +60"),  # Malaysia
        ("+6581234567", "must be an Indonesian number (+62), not country code +65"),  # Singapore
        ("+852 9123 4567", "must be an Indonesian number (+62), not country code +852"),  # HK
        # valid Indonesian numbers after 08 that are not mobile: toll-free, premium, UAN
        ("08001234567", "is not a mobile number (its prefix is not a mobile range)"),
        ("0809-1234-567", "is not a mobile number (its prefix is not a mobile range)"),
        ("+628071123456", "is not a mobile number (its prefix is not a mobile range)"),
        ("0841234567", "is not a valid Indonesian mobile number (wrong length or prefix)"),  # 084
        ("0811", "is not a valid Indonesian mobile number (wrong length or prefix)"),
        ("08123456789012", "is not a valid Indonesian mobile number (wrong length or prefix)"),
        ("+0812", "is not a phone number (Could not interpret numbers after plus-sign.)"),
    ],
)
def test_other_numbers_are_refused_saying_why(typed: str, why: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalise_phone(typed)
    assert str(caught.value) == why
