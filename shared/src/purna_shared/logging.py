"""Structured, masked logging for every Purna process.

``configure_logging(settings)`` once per process (api or worker main), then log with the
standard library and pass context as ``extra=``::

    log.info("participant registered", extra={"participant_id": pid, "event_id": eid})

Each line is one JSON object (``time``, ``level``, ``logger``, ``message``, ``service``, the
request/correlation id when inside a request, then every ``extra`` field); ``log_json=False``
gives a readable line for development. Either way personal data is masked on the way out
(UU PDP; a NIK is the most abused identifier in Indonesia):

* the values of personal keys (``nik``, ``name``, ``phone``, ...; see :data:`PERSONAL_KEYS`)
  wherever they appear in ``extra``, nested dicts and lists included;
* in every free text (message, string values, exception text and tracebacks): any 16-digit
  number (a NIK leaking through an f-string), Indonesian mobile numbers and e-mail addresses.

Masking is a safety net, not a licence: never put a NIK or a name in a message on purpose.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any

from .context import current_correlation_id, current_request_id
from .settings import PurnaSettings

#: keys whose values are personal data; a key also counts when it ends with ``_<key>`` or
#: starts with ``<key>_`` (``mother_name``, ``phone_number``, ``home_address``)
PERSONAL_KEYS: frozenset[str] = frozenset(
    {"nik", "full_name", "name", "worker_name", "phone", "email", "birth_date", "address"}
)

#: ``*_name`` keys that name things, not people (kept readable for operations)
NON_PERSONAL_KEYS: frozenset[str] = frozenset(
    f"{prefix}_name"
    for prefix in """
        stream consumer group template programme program service logger file host table queue
        event channel bank office village regency district province venue session scheme app
        module func task role field route column index schema database db key type class method
    """.split()  # noqa: SIM905 (a word list reads better than 39 quoted strings)
)

_NAME_KEYS = frozenset({"name", "full_name", "worker_name"})

_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
# NIK or card-like numbers typed in groups of four ("5202 0112 3456 0001")
_GROUPED_16 = re.compile(r"(?<![\w.-])\d{4}([ .-])\d{4}\1\d{4}\1\d{4}(?![\w-])")
# Indonesian mobiles: 08..., 628..., +628..., optionally with single spaces or dashes
_PHONE = re.compile(r"(?<![\w+])(?:\+62[ -]?|62|0)8(?:[ -]?\d){7,11}(?!\w)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

_MASK = "***"


def _mask_nik(text: str) -> str:
    # The first four digits (province and regency) help support; the rest encodes district,
    # birth date and sex, so never show it.
    text = text.strip()
    head = text[:4] if len(text) >= 8 else ""
    return head + "*" * (len(text) - len(head)) if text else text


def _mask_phone(text: str) -> str:
    text = text.strip()
    if len(text) < 8:
        return "****"
    head = text[:6] if text.startswith("+") else text[:5]
    return f"{head}****{text[-3:]}"


def _mask_email(text: str) -> str:
    local, at, domain = text.strip().rpartition("@")
    if not at or not local:
        return _MASK
    return f"{local[0]}***@{domain}"


def _mask_name(text: str) -> str:
    return " ".join(f"{word[0]}***" for word in text.split())


def mask_text(text: str) -> str:
    """``text`` with 16-digit numbers, Indonesian mobile numbers and e-mail addresses masked."""
    text = _NIK.sub(lambda m: _mask_nik(m.group()), text)
    text = _GROUPED_16.sub(lambda m: m.group()[:4] + re.sub(r"\d", "*", m.group()[4:]), text)
    text = _PHONE.sub(lambda m: _mask_phone(re.sub(r"[ -]", "", m.group())), text)
    return _EMAIL.sub(lambda m: _mask_email(m.group()), text)


class Masker:
    """Masks values by key; :func:`mask_value` uses the one :func:`configure_logging` set up."""

    def __init__(self, extra_personal_keys: Iterable[str] = ()) -> None:
        self.personal_keys = PERSONAL_KEYS | {_normalise(k) for k in extra_personal_keys}

    def personal_kind(self, key: str) -> str | None:
        """The personal key ``key`` falls under (``"nik"``, ``"phone"``, ...), or None."""
        key = _normalise(key)
        if key in self.personal_keys:
            return key
        if key in NON_PERSONAL_KEYS:
            return None
        # Prefix first: ``email_address`` is an e-mail, ``phone_number`` a phone.
        for personal in sorted(self.personal_keys):
            if key.startswith(f"{personal}_"):
                return personal
        for personal in sorted(self.personal_keys):
            if key.endswith(f"_{personal}"):
                return personal
        return None

    def mask_value(self, key: str, value: Any) -> Any:
        kind = self.personal_kind(key)
        if kind is not None:
            return _mask_personal(kind, value)
        return self._mask_free(key, value)

    def _mask_free(self, key: str, value: Any) -> Any:
        if value is None or isinstance(value, bool | float):
            return value
        if isinstance(value, int):
            return mask_text(str(value)) if len(str(abs(value))) == 16 else value
        if isinstance(value, str):
            return mask_text(value)
        if isinstance(value, Mapping):
            return {str(k): self.mask_value(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.mask_value(key, item) for item in value]
        # Anything else ends up as its str() in the log line: mask that text.
        return mask_text(str(value))


def _mask_personal(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): _mask_personal(kind, v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_mask_personal(kind, item) for item in value]
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if kind == "nik":
        return _mask_nik(text)
    if kind == "phone":
        return _mask_phone(text)
    if kind == "email":
        return _mask_email(text)
    if kind in _NAME_KEYS or kind.endswith("_name"):
        return _mask_name(text)
    if kind == "birth_date":
        return "****-**-**"
    return _MASK


def _normalise(key: str) -> str:
    return key.strip().lower().replace("-", "_").replace(" ", "_")


_masker = Masker()


def mask_value(key: str, value: Any) -> Any:
    """``value`` as it may appear in a log line or an audit record under ``key``: masked when
    ``key`` is personal, else with personal patterns masked inside its text."""
    return _masker.mask_value(key, value)


# LogRecord's own attributes: everything else in ``record.__dict__`` came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime"}
)
_CORE_FIELDS = ("time", "level", "logger", "message", "service")


def _rfc3339(created: float) -> str:
    return (
        datetime.fromtimestamp(created, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


class _MaskingFormatter(logging.Formatter):
    def __init__(self, service: str, masker: Masker) -> None:
        super().__init__()
        self.service = service
        self.masker = masker

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The masked fields of a line, in a stable order."""
        fields: dict[str, Any] = {
            "time": _rfc3339(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_text(record.getMessage()),
            "service": self.service,
        }
        request_id, correlation_id = current_request_id(), current_correlation_id()
        if request_id is not None:
            fields["request_id"] = request_id
        if correlation_id is not None:
            fields["correlation_id"] = correlation_id
        for key, value in record.__dict__.items():
            if key in _RECORD_ATTRIBUTES or key.startswith("_"):
                continue
            # ``extra`` must not overwrite the core fields; keep it visible under another name.
            name = f"extra_{key}" if key in _CORE_FIELDS else key
            fields[name] = self.masker.mask_value(key, value)
        if record.exc_info:
            fields["exception"] = mask_text(self.formatException(record.exc_info))
        elif record.exc_text:
            fields["exception"] = mask_text(record.exc_text)
        if record.stack_info:
            fields["stack"] = mask_text(self.formatStack(record.stack_info))
        return fields


class JsonFormatter(_MaskingFormatter):
    """One JSON object per line, personal data masked."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(self.fields(record), ensure_ascii=False, default=str)


class ConsoleFormatter(_MaskingFormatter):
    """``time LEVEL logger: message key=value ...`` for development, personal data masked."""

    def format(self, record: logging.LogRecord) -> str:
        fields = self.fields(record)
        exception = fields.pop("exception", None)
        stack = fields.pop("stack", None)
        head = f"{fields.pop('time')} {fields.pop('level'):<8} {fields.pop('logger')}: "
        message = fields.pop("message")
        fields.pop("service")
        context = " ".join(
            f"{key}={json.dumps(value, ensure_ascii=False, default=str)}"
            for key, value in fields.items()
        )
        line = f"{head}{message}" + (f"  {context}" if context else "")
        for block in (exception, stack):
            if block:
                line += f"\n{block}"
        return line


class _PurnaHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler :func:`configure_logging` installed, so calling it again replaces it
    without touching handlers others added (pytest's log capture, for one)."""


def configure_logging(
    settings: PurnaSettings,
    *,
    extra_personal_keys: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> None:
    """Route every log record (uvicorn's included) through one masked handler on stderr.

    ``extra_personal_keys`` adds keys to mask beyond :data:`PERSONAL_KEYS` (also for
    :func:`mask_value`). Run uvicorn with ``log_config=None`` so it doesn't install its own
    handlers over these (``purna_shared.http.app.serve`` does).
    """
    global _masker
    _masker = Masker(extra_personal_keys)
    formatter_class = JsonFormatter if settings.log_json else ConsoleFormatter
    handler = _PurnaHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter_class(settings.service, _masker))

    root = logging.getLogger()
    for existing in [h for h in root.handlers if isinstance(h, _PurnaHandler)]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())

    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
        uvicorn_logger.setLevel(logging.NOTSET)  # a uvicorn started earlier may have set one
    # The request middleware logs each request with its route template; uvicorn's access line
    # would add the raw path, query string and client address (personal data).
    logging.getLogger("uvicorn.access").disabled = True
    logging.captureWarnings(True)
