"""What text typed by people may contain, checked once for every service (UU PDP, input hygiene).

Two rules:

* **No control or invisible characters.** NUL, BEL, ESC and the other C0/C1 controls (tab, line
  feed and carriage return excepted), zero-width and other format characters (U+200B-U+200F,
  U+2060, BOM, bidirectional overrides, soft hyphen), line/paragraph separators, surrogates and
  private-use characters are refused. PostgreSQL refuses NUL in text; SQLite stores it: refusing
  at the edge makes both behave alike, and keeps invisible spoofing out of names and messages.
* **No NIK in free text.** A NIK (``PP RR SS DDMMYY NNNN``) must never leave its service inside
  free text (a reason, a note, a description, a venue) where no masking rule can find it. Any run
  of 16 digits, typed plainly or grouped with spaces, dots, dashes or slashes, that has the
  shape of a NIK (a province code, non-zero regency and district, a birth day 01-31 or 41-71, a
  month 01-12, a non-zero serial) is refused. Only fields that are meant to hold a NIK skip it.

:class:`InputModel` applies both to every string of a request body (nested lists and dicts
included); :func:`text_problem` is the same check for text that arrives another way (a
spreadsheet cell, a form field, a file name). Error messages name the field and the rule, never
the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ValidationInfo, field_validator

#: C0 controls a person legitimately types in multi-line text
_ALLOWED_CONTROLS = frozenset("\t\n\r")
#: Unicode categories refused: controls, format (zero-width, bidi), surrogates, private use,
#: line and paragraph separators
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})

#: digits, optionally grouped by one space, dot, dash or slash ("5202 0141 0790 0001")
_DIGIT_RUN = re.compile(r"\d(?:[ .\-/]?\d)*")
NIK_LENGTH = 16

NIK_IN_TEXT_MESSAGE = (
    "must not contain a NIK: a 16-digit number shaped like one was found (leave identity "
    "numbers out of free text)"
)


def forbidden_character(text: str) -> tuple[int, str] | None:
    """The first refused character as (1-based position, ``U+XXXX`` name), or None."""
    for index, char in enumerate(text):
        if char in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return index + 1, f"U+{ord(char):04X}"
    return None


def _plausible_province(code: str) -> bool:
    # Kemendagri province codes are 11-19, 21, 31-36, 51-53, 61-65, 71-76, 81-82, 91-97: two
    # digits, neither 0 first nor 0 last. Staying this broad keeps new provinces covered.
    return code[0] != "0" and code[1] != "0"


def is_nik_shaped(digits: str) -> bool:
    """Whether 16 ASCII digits have the structure of a NIK (no checksum exists)."""
    if len(digits) != NIK_LENGTH or not digits.isascii() or not digits.isdigit():
        return False
    if not _plausible_province(digits[:2]) or digits[2:4] == "00" or digits[4:6] == "00":
        return False
    day, month = int(digits[6:8]), int(digits[8:10])
    if not (1 <= day <= 31 or 41 <= day <= 71):
        return False
    return 1 <= month <= 12 and digits[12:] != "0000"


def _ascii_digits(run: str) -> str:
    return "".join(str(unicodedata.decimal(c)) for c in run if c.isdecimal())


def contains_nik(text: str) -> bool:
    """Whether ``text`` holds a NIK-shaped run of 16 digits anywhere (also inside a longer
    number, in other scripts' digits, or grouped with separators)."""
    for match in _DIGIT_RUN.finditer(text):
        digits = _ascii_digits(match.group())
        if len(digits) < NIK_LENGTH:
            continue
        for start in range(len(digits) - NIK_LENGTH + 1):
            if is_nik_shaped(digits[start : start + NIK_LENGTH]):
                return True
    return False


def mask_niks(text: str) -> str:
    """``text`` with the digits of every NIK-shaped run starred out: the last line of defence
    for text that leaves Purna (a message to a participant) if a NIK slipped in upstream."""

    def masked(match: re.Match[str]) -> str:
        run = match.group()
        digits = _ascii_digits(run)
        for start in range(len(digits) - NIK_LENGTH + 1):
            if is_nik_shaped(digits[start : start + NIK_LENGTH]):
                return re.sub(r"\d", "*", run)
        return run

    return _DIGIT_RUN.sub(masked, text)


def text_problem(text: str, *, nik_allowed: bool = False) -> str | None:
    """Why ``text`` is refused (a message that never repeats it), or None when it is fine."""
    found = forbidden_character(text)
    if found is not None:
        position, code = found
        return f"must not contain control or invisible characters ({code} at position {position})"
    if not nik_allowed and contains_nik(text):
        return NIK_IN_TEXT_MESSAGE
    return None


def check_text(text: str, *, nik_allowed: bool = False) -> str:
    """``text`` unchanged, or :class:`ValueError` saying why it is refused."""
    problem = text_problem(text, nik_allowed=nik_allowed)
    if problem is not None:
        raise ValueError(problem)
    return text


#: a string checked by :func:`check_text`, for text outside a body model (a query parameter)
CheckedText = Annotated[str, AfterValidator(check_text)]


def _check_nested(value: Any, *, nik_allowed: bool) -> None:
    if isinstance(value, str):
        check_text(value, nik_allowed=nik_allowed)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_nested(key, nik_allowed=nik_allowed)
            _check_nested(item, nik_allowed=nik_allowed)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check_nested(item, nik_allowed=nik_allowed)
    # nested models validate their own fields; numbers, dates and enums carry no free text


class InputModel(BaseModel):
    """Base of every request body: each string field (and each string inside its lists and
    dicts) passes :func:`check_text`, so a refused value is a 422 naming the field.

    ``nik_fields`` names the fields meant to hold a NIK (checked by their own rules)."""

    nik_fields: ClassVar[frozenset[str]] = frozenset({"nik"})

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_clean(cls, value: Any, info: ValidationInfo) -> Any:
        # ids (``participant_id``, ...) are Purna's own UUIDs, whose digit groups can line up
        # into a NIK-shaped run; they are looked up, never passed on as free text
        name = info.field_name or ""
        is_id = name == "id" or name.endswith("_id")
        _check_nested(value, nik_allowed=name in cls.nik_fields or is_id)
        return value
