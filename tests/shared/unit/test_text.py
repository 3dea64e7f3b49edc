"""The shared text rules (issue 15, items 2 and 10): no NIK in free text, no control or
invisible characters, on every string field of every request body of every service."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from purna_shared.text import InputModel, contains_nik, is_nik_shaped, text_problem

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    [
        "5202064107900001",
        "NIK 5202064107900001.",
        "5202 0641 0790 0001",
        "5202.06.410790.0001",
        "5202-0641-0790-0001",
        "ref:995202064107900001",  # inside a longer run of digits
        "\uff15\uff12\uff10\uff12\uff10\uff16\uff14\uff11\uff10\uff17\uff19\uff10\uff10\uff10\uff10\uff11",
        "3578011508850002",  # a man's, Surabaya
    ],
)
def test_nik_shaped_runs_are_found(text: str) -> None:
    assert contains_nik(text)
    assert text_problem(text) is not None
    assert text_problem(text, nik_allowed=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "Rp100.000.000",
        "081234567890",
        "+6281234567890",
        "5202064107900000",  # serial 0000
        "5202063207900001",  # day 32
        "5202064113900001",  # month 13
        "0202064107900001",  # no province 02
        "520206410790001",  # 15 digits
        "Sesi 2024-11-20 s/d 2024-11-24, 20 peserta",
        "",
    ],
)
def test_other_numbers_pass(text: str) -> None:
    assert not contains_nik(text)
    assert text_problem(text) is None


def test_nik_shape_is_structural() -> None:
    assert is_nik_shaped("5202064107900001")
    assert not is_nik_shaped("52020641079000011")


@pytest.mark.parametrize(
    "char",
    [
        "\x00",
        "\x07",
        "\x1b",
        "\x7f",
        "\x85",
        "\u200b",
        "\u200d",
        "\u202e",
        "\u2060",
        "\ufeff",
        "\u00ad",
        "\u2028",
        "\ue000",
    ],
)
def test_control_and_invisible_characters_are_refused(char: str) -> None:
    problem = text_problem(f"Baiq{char}Nurul")
    assert problem is not None
    assert "position 5" in problem
    assert "Baiq" not in problem


def test_tabs_and_new_lines_and_letters_of_any_script_pass() -> None:
    assert text_problem("Catatan:\n\tbaris dua\r\n") is None
    assert text_problem("Nusa Tenggara Barat — Lombok, Ñ, 日本, العربية") is None


class _Address(InputModel):
    village: str


class _Body(InputModel):
    nik: str
    note: str | None = None
    tags: tuple[str, ...] = ()
    address: _Address | None = None


def test_input_model_names_the_field_and_never_the_value() -> None:
    nik = "5202064107900001"
    assert _Body(nik=nik).nik == nik  # the field meant for it
    for body, field in (
        ({"nik": nik, "note": f"lihat {nik}"}, ("note",)),
        ({"nik": nik, "tags": ["ok", "a\x00b"]}, ("tags",)),
        ({"nik": nik, "address": {"village": "Bon\u200bjeruk"}}, ("address", "village")),
    ):
        with pytest.raises(ValidationError) as raised:
            _Body.model_validate(body)
        error = raised.value.errors(include_input=False)[0]
        assert error["loc"] == field
        assert nik not in error["msg"]


def _apps() -> list[FastAPI]:
    from purna_credit.entrypoints.api import create_app as credit
    from purna_notification.entrypoints.api import create_app as notification
    from purna_registration.entrypoints.api import create_app as registration
    from purna_training.entrypoints.api import create_app as training

    return [registration(), training(), credit(), notification()]


def _api_routes(routes: Any) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (router := getattr(route, "original_router", None)) is not None:
            found.extend(_api_routes(router.routes))  # FastAPI includes routers lazily
    return found


def _body_models(app: FastAPI) -> list[tuple[str, type[BaseModel]]]:
    found = []
    for route in _api_routes(app.routes):
        for param in route.dependant.body_params:
            annotation: Any = param.field_info.annotation
            for candidate in (annotation, *getattr(annotation, "__args__", ())):
                if inspect.isclass(candidate) and issubclass(candidate, BaseModel):
                    found.append((f"{route.methods} {route.path}", candidate))
    return found


def _nested_models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    """``model`` and every model its fields hold (in lists, unions, dicts...)."""
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        stack: list[Any] = [field.annotation]
        while stack:
            annotation = stack.pop()
            if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
                _nested_models(annotation, seen)
            stack.extend(getattr(annotation, "__args__", ()))
    return seen


def test_every_request_body_of_every_service_checks_its_text() -> None:
    checked = 0
    for app in _apps():
        for where, body in _body_models(app):
            for model in _nested_models(body, set()):
                assert issubclass(model, InputModel), f"{where}: {model.__name__} is no InputModel"
                checked += 1
    assert checked >= 15


def test_mask_niks_stars_out_nik_shaped_runs_only() -> None:
    from purna_shared.text import mask_niks

    assert mask_niks("NIK 5202064107900001.") == "NIK ****************."
    assert mask_niks("5202 0641 0790 0001") == "**** **** **** ****"
    assert mask_niks("telp 081234567890, Rp100.000.000") == "telp 081234567890, Rp100.000.000"


def test_an_id_whose_digit_groups_look_like_a_nik_is_accepted() -> None:
    # a UUIDv7 can have all-digit groups; joined they read as a NIK-shaped run
    from purna_shared.text import InputModel as Body

    class Enrolment(Body):
        participant_id: str
        note: str = ""

    uuid = "52020641-0790-7001-8123-456789abcdef"
    assert Enrolment(participant_id=uuid).participant_id == uuid
