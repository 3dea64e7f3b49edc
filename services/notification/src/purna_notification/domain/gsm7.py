"""SMS text in the GSM 03.38 7-bit alphabet, and how many SMS segments it takes.

One character outside GSM-7 switches a whole SMS to UCS-2 (70 characters instead of 160, so
two or three times the price), and some phones in the field show UCS-2 badly. So SMS text is
transliterated to GSM-7 (curly quotes to straight ones, accented letters to their base letter)
and what cannot be written is dropped. A single SMS holds 160 septets; a longer text is split
into parts of 153 (7 septets go to the concatenation header). The extension characters
``^ { } \\ [ ] ~ | €`` and form feed take two septets (escape + character), and an escape
pair is never split across two parts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: The basic character set (the escape 0x1B itself is not a character one can write)
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: each costs two septets
EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_SMS_SEPTETS = 160
PART_SEPTETS = 153

_REPLACEMENTS = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark, also the apostrophe of "Jum'at"
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "´": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "«": '"',
    "»": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",  # en dash, as in "12–15 Agustus"
    "\u2014": "-",
    "\u2212": "-",
    "\u2022": "-",
    "·": "-",
    "\u2026": "...",
    "\t": " ",
    "\u00a0": " ",  # no-break space
    "\u202f": " ",
    "\u2009": " ",
    "\u200b": "",  # zero-width space
    "×": "x",
    "÷": "/",
    "©": "(c)",
    "®": "(R)",
    "™": "TM",
    "°": "",
    "ç": "c",  # GSM-7 has Ç but not ç
}


def is_gsm7(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENSION for ch in text)


def to_gsm7(text: str) -> str:
    """``text`` rewritten in GSM-7: known look-alikes replaced, accents removed where the
    accented letter is not in the alphabet, anything else (emoji, other scripts) dropped."""
    text = text.replace("\r\n", "\n")
    out: list[str] = []
    for ch in text:
        if ch in BASIC or ch in EXTENSION:
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        else:
            # "ā" -> "a" + combining macron: keep the base letters the alphabet has
            decomposed = unicodedata.normalize("NFKD", ch)
            out.extend(c for c in decomposed if c in BASIC or c in EXTENSION)
    return "".join(out)


def septets(text: str) -> int:
    """Length in septets; ``text`` must be GSM-7 (see :func:`to_gsm7`)."""
    return sum(_cost(ch) for ch in text)


def segments(text: str) -> int:
    """How many SMS parts ``text`` takes (at least one: an empty SMS is still an SMS)."""
    costs = [_cost(ch) for ch in text]
    if sum(costs) <= SINGLE_SMS_SEPTETS:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > PART_SEPTETS:  # an escape pair never straddles two parts
            parts, used = parts + 1, 0
        used += cost
    return parts


def _cost(ch: str) -> int:
    if ch in BASIC:
        return 1
    if ch in EXTENSION:
        return 2
    raise ValueError(f"{ch!r} is not in the GSM-7 alphabet; transliterate with to_gsm7 first")


@dataclass(frozen=True, slots=True)
class SmsText:
    """An SMS body ready to send: GSM-7 text, its length in septets and its parts."""

    text: str
    septets: int
    segments: int

    @classmethod
    def of(cls, text: str) -> SmsText:
        gsm = to_gsm7(text)
        return cls(gsm, septets(gsm), segments(gsm))
