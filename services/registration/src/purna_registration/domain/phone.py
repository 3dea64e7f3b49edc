"""Indonesian mobile numbers: accepted as typed (08..., 628..., +628...), stored in E.164."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

INDONESIA_COUNTRY_CODE = 62

# Digits with the separators people type; phonenumbers would otherwise read letters as keypad
# digits ("0812-CALL-ME").
_TYPED = re.compile(r"^\+?[0-9(][0-9 ().\-]*$")


class PhoneError(ValueError):
    """Not an Indonesian mobile number; the message says why."""


def normalise_phone(raw: str) -> str:
    """Return the E.164 form (``+628...``) of an Indonesian mobile number, or raise
    :class:`PhoneError`. Mobile numbers start with 8 after +62 and have 9-12 digits there;
    ``084`` and fixed lines are not mobile (the ``phonenumbers`` metadata knows the ranges)."""
    typed = raw.strip()
    if not typed:
        raise PhoneError("must not be empty")
    if not _TYPED.fullmatch(typed):
        raise PhoneError("may contain only digits, spaces, dashes, dots, brackets and a leading +")
    try:
        number = phonenumbers.parse(typed, "ID")
    except NumberParseException as exc:
        raise PhoneError(
            f"is not a phone number ({exc.args[0] if exc.args else 'unparseable'})"
        ) from exc
    if number.country_code != INDONESIA_COUNTRY_CODE:
        raise PhoneError(
            f"must be an Indonesian number (+62), not country code +{number.country_code}"
        )
    national = str(number.national_number)
    if not national.startswith("8"):
        raise PhoneError("must be a mobile number: 08..., 628... or +628...")
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("is not a valid Indonesian mobile number (wrong length or prefix)")
    if phonenumbers.number_type(number) != PhoneNumberType.MOBILE:
        raise PhoneError("is not a mobile number (its prefix is not a mobile range)")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
