from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import date

import pytest

import purna_shared.logging as purna_logging
from purna_shared.http.context import request_context
from purna_shared.logging import configure_logging, mask_text, mask_value
from purna_shared.settings import PurnaSettings

pytestmark = pytest.mark.unit

NIK = "5202015508900001"  # a woman born 15 Aug 1990 in Lombok Tengah (day + 40)


class _Settings(PurnaSettings):
    service = "registration"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    uvicorn = {n: logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "uvicorn.access")}
    saved = {n: (list(lg.handlers), lg.propagate, lg.disabled) for n, lg in uvicorn.items()}
    masker = purna_logging._masker
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, (h, propagate, disabled) in saved.items():
        uvicorn[name].handlers[:] = h
        uvicorn[name].propagate = propagate
        uvicorn[name].disabled = disabled
    purna_logging._masker = masker


def _configure(json_lines: bool = True, **kwargs: object) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(
        _Settings(log_json=json_lines, log_level="DEBUG"),
        stream=stream,
        **kwargs,  # type: ignore[arg-type]
    )
    return stream


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


@pytest.mark.usefixtures("restore_logging")
def test_a_json_line_carries_time_level_logger_message_service_and_extras() -> None:
    stream = _configure()
    logging.getLogger("purna.test").info(
        "participant %s registered",
        "p-1",
        extra={
            "event_id": "e-1",
            "correlation_id": "c-1",
            "participant_id": "p-1",
            "stream": "purna.participant-registered.v1",
            "entry_id": "1732734495123-0",
        },
    )
    (line,) = _lines(stream)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(line["time"]))
    assert line["level"] == "INFO"
    assert line["logger"] == "purna.test"
    assert line["message"] == "participant p-1 registered"
    assert line["service"] == "registration"
    assert line["event_id"] == "e-1"
    assert line["correlation_id"] == "c-1"
    assert line["participant_id"] == "p-1"
    assert line["stream"] == "purna.participant-registered.v1"
    assert line["entry_id"] == "1732734495123-0"


@pytest.mark.usefixtures("restore_logging")
def test_every_personal_key_is_masked() -> None:
    stream = _configure()
    logging.getLogger("purna.test").info(
        "registered",
        extra={
            "nik": NIK,
            "full_name": "Siti Rahayu",
            # `name` is a LogRecord attribute, so it can only arrive nested
            "family": [{"name": "Baiq Nurul Aini", "relation": "spouse"}],
            "worker_name": "Lalu Ahmad",
            "phone": "+6281234567890",
            "email": "siti.rahayu@example.com",
            "birth_date": date(1990, 8, 15),
            "address": "Jl. Pejanggik No. 10, Mataram",
        },
    )
    (line,) = _lines(stream)
    assert line["nik"] == "5202************"
    assert line["full_name"] == "S*** R***"
    assert line["family"] == [{"name": "B*** N*** A***", "relation": "spouse"}]
    assert line["worker_name"] == "L*** A***"
    assert line["phone"] == "+62812****890"
    assert line["email"] == "s***@example.com"
    assert line["birth_date"] == "****-**-**"
    assert line["address"] == "***"
    raw = stream.getvalue()
    for secret in (NIK, "Siti", "Rahayu", "Nurul", "Ahmad", "4567", "siti.rahayu", "1990", "Jl."):
        assert secret not in raw


@pytest.mark.usefixtures("restore_logging")
def test_personal_values_nested_in_extras_and_compound_keys_are_masked() -> None:
    stream = _configure()
    logging.getLogger("purna.test").warning(
        "batch",
        extra={
            "participant": {
                "nik": NIK,
                "contact": {"phone_number": "081234567890", "email_address": "a@b.id"},
                "address": {"village": "Bonjeruk", "regency_code": "5202"},
                "mother_name": "Inaq Sahnun",
            },
            "participants": [{"full_name": "Siti Rahayu"}, {"full_name": "Lalu Ahmad"}],
            "stream_name": "purna.participant-registered.v1",
        },
    )
    (line,) = _lines(stream)
    participant = line["participant"]
    assert participant == {
        "nik": "5202************",
        "contact": {"phone_number": "08123****890", "email_address": "a***@b.id"},
        "address": {"village": "***", "regency_code": "***"},
        "mother_name": "I*** S***",
    }
    assert line["participants"] == [{"full_name": "S*** R***"}, {"full_name": "L*** A***"}]
    # names of things, not people, stay readable
    assert line["stream_name"] == "purna.participant-registered.v1"


@pytest.mark.usefixtures("restore_logging")
def test_configured_extra_personal_keys_are_masked_too() -> None:
    stream = _configure(extra_personal_keys={"nama_ibu_kandung", "NPWP"})
    logging.getLogger("purna.test").info(
        "x", extra={"nama_ibu_kandung": "Inaq Sahnun", "npwp": "12.345.678.9-012.000"}
    )
    (line,) = _lines(stream)
    assert line["nama_ibu_kandung"] == "***"
    assert line["npwp"] == "***"
    assert mask_value("npwp", "12.345.678.9-012.000") == "***"


@pytest.mark.usefixtures("restore_logging")
def test_a_nik_in_the_message_or_any_free_text_is_masked() -> None:
    stream = _configure()
    log = logging.getLogger("purna.test")
    log.info(f"duplicate NIK {NIK} for participant p-1")
    log.info("rejected %s", NIK)
    log.warning("handler failed", extra={"error": f"IntegrityError: nik={NIK} exists"})
    log.info("as a number", extra={"value": int(NIK)})
    lines = _lines(stream)
    assert lines[0]["message"] == "duplicate NIK 5202************ for participant p-1"
    assert lines[1]["message"] == "rejected 5202************"
    assert lines[2]["error"] == "IntegrityError: nik=5202************ exists"
    assert lines[3]["value"] == "5202************"
    assert NIK not in stream.getvalue()


@pytest.mark.usefixtures("restore_logging")
def test_exception_text_and_traceback_are_masked() -> None:
    stream = _configure()
    log = logging.getLogger("purna.test")

    def register(nik: str) -> None:
        raise ValueError(f"NIK {nik} does not match birth date; call +62 812-3456-7890")

    try:
        register(NIK)
    except ValueError:
        log.exception("registration failed")
    (line,) = _lines(stream)
    exception = str(line["exception"])
    assert "Traceback (most recent call last)" in exception
    assert "ValueError: NIK 5202************ does not match" in exception
    assert NIK not in stream.getvalue()
    assert "3456" not in stream.getvalue()


@pytest.mark.usefixtures("restore_logging")
def test_development_lines_are_readable_and_still_masked() -> None:
    stream = _configure(json_lines=False)
    log = logging.getLogger("purna.dev")
    try:
        raise RuntimeError(f"boom {NIK}")
    except RuntimeError:
        log.error("failed for %s", NIK, exc_info=True, extra={"phone": "081234567890"})
    text = stream.getvalue()
    first = text.splitlines()[0]
    assert re.match(r"\d{4}-\d\d-\d\dT[\d:.]+Z ERROR +purna\.dev: failed for 5202\*{12}", first)
    assert 'phone="08123****890"' in first
    assert "RuntimeError: boom 5202************" in text
    assert NIK not in text
    assert not text.lstrip().startswith("{")


@pytest.mark.usefixtures("restore_logging")
def test_request_and_correlation_ids_are_added_inside_a_request() -> None:
    stream = _configure()
    log = logging.getLogger("purna.test")
    with request_context("req-1", "corr-1"):
        log.info("inside")
    log.info("outside")
    inside, outside = _lines(stream)
    assert inside["request_id"] == "req-1"
    assert inside["correlation_id"] == "corr-1"
    assert "request_id" not in outside


@pytest.mark.usefixtures("restore_logging")
def test_extras_cannot_overwrite_core_fields() -> None:
    stream = _configure()
    logging.getLogger("purna.test").info("m", extra={"service": "fake", "level": "x"})
    (line,) = _lines(stream)
    assert line["service"] == "registration"
    assert line["level"] == "INFO"
    assert line["extra_service"] == "fake"


@pytest.mark.usefixtures("restore_logging")
def test_configuring_twice_keeps_one_handler_and_routes_uvicorn_through_it() -> None:
    _configure()
    stream = _configure()
    root = logging.getLogger()
    assert sum(isinstance(h, purna_logging._PurnaHandler) for h in root.handlers) == 1
    logging.getLogger("uvicorn.error").info("Started server process")
    assert _lines(stream)[0]["logger"] == "uvicorn.error"
    assert logging.getLogger("uvicorn.access").disabled


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"nik={NIK}", "nik=5202************"),
        (f"NIK:{NIK}.", "NIK:5202************."),
        ("card 5202 0155 0890 0001 end", "card 5202 **** **** **** end"),
        ("call 081234567890 now", "call 08123****890 now"),
        ("call +62 812-3456-7890 now", "call +62812****890 now"),
        ("wa 6281234567890", "wa 62812****890"),
        ("mail siti.rahayu@example.co.id", "mail s***@example.co.id"),
    ],
)
def test_mask_text_masks_personal_patterns(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "entry 1732734495123-0 of purna.session-completed.v1",
        "entry 1732734495123-123",
        "event 01936b4e-7c1d-7a3e-9b2f-3c4d5e6f7a8b",
        "took 1234567 ms, 17-digit 12345678901234567, 15-digit 123456789012345",
        "2026-11-27T19:28:15.123Z amount Rp100.000.000",
    ],
)
def test_mask_text_leaves_operational_values_alone(text: str) -> None:
    assert mask_text(text) == text


def test_mask_value_by_key() -> None:
    assert mask_value("nik", NIK) == "5202************"
    assert mask_value("NIK", NIK) == "5202************"
    assert mask_value("phone", "+6281234567890") == "+62812****890"
    assert mask_value("full_name", "Siti Rahayu") == "S*** R***"
    assert mask_value("email", "siti@example.com") == "s***@example.com"
    assert mask_value("birth_date", date(1990, 8, 15)) == "****-**-**"
    assert mask_value("nik", None) is None
    assert mask_value("participant_id", "p-1") == "p-1"
    assert mask_value("note", f"see {NIK}") == "see 5202************"
    assert mask_value("count", 3) == 3


@pytest.mark.usefixtures("restore_logging")
def test_request_and_correlation_ids_are_masked_like_any_field() -> None:
    # issue 15, item 3: ids are validated where they come in; the log masks them anyway
    from purna_shared.http.context import request_context

    stream = _configure()
    with request_context("5202064107900001", "x5202064107900001"):
        logging.getLogger("purna.test").info("handled")
    (line,) = _lines(stream)
    assert "5202064107900001" not in json.dumps(line)
    assert str(line["request_id"]).startswith("5202")
