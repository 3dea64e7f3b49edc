"""The console's guarantees that need no browser: every template compiles; every changing
route refuses a request without the session's CSRF token; no page but sign-in is served
without a session; every page says ``Cache-Control: no-store``; the services are called with
the user's own token and their refusals are shown in their words."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from purna_console.entrypoints import credit, dashboard, imports, participants, signin, training
from purna_console.entrypoints.api import create_app
from purna_console.entrypoints.web import templates
from purna_console.settings import ConsoleSettings

pytestmark = pytest.mark.unit

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class FakeServices:
    """In-memory stand-in for the four APIs (unit tests only): records each call's token."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.answers: dict[tuple[str, str], tuple[int, Any]] = {}

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(
            (request.method, request.url.path, request.headers.get("authorization", ""))
        )
        status, body = self.answers.get(
            (request.method, request.url.path), (200, {"items": [], "total": 0})
        )
        return httpx.Response(
            status,
            content=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
        )


@pytest.fixture
def fake() -> FakeServices:
    return FakeServices()


@pytest.fixture
def client(fake: FakeServices) -> Iterator[TestClient]:
    settings = ConsoleSettings(dev_mode=True)
    app = create_app(settings, transport=httpx.MockTransport(fake.handler))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def signed_in(client: TestClient, role: str = "operator", **scope: str) -> str:
    if role == "operator":
        scope.setdefault("office", "NTB")
    page = client.get("/masuk")
    csrf = _CSRF.search(page.text)
    assert csrf
    data = {"csrf_token": csrf.group(1), "role": role, **scope}
    answer = client.post("/masuk", data=data)
    assert answer.status_code == 303, answer.text
    home = client.get("/akun")
    fresh = _CSRF.search(home.text)
    assert fresh
    return fresh.group(1)


def test_every_template_compiles() -> None:
    for name in templates.env.list_templates():
        templates.env.get_template(name)


def _routes(client: TestClient, method: str) -> list[str]:
    # The app's own routes and those of every router it includes (the routers are walked
    # directly: FastAPI keeps included routers as lazy entries in app.routes).
    app: Any = client.app
    found = [r for r in app.routes if isinstance(r, APIRoute)]
    for module in (signin, dashboard, participants, imports, training, credit):
        found += [r for r in module.router.routes if isinstance(r, APIRoute)]
    return [route.path for route in found if method in route.methods]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_every_form_refuses_a_request_without_the_csrf_token(
    client: TestClient, fake: FakeServices
) -> None:
    signed_in(client, "admin")
    posts = _routes(client, "POST")
    assert len(posts) >= 10
    for path in posts:
        url = _concrete(path)
        missing = client.post(url, data={"role": "admin"})
        assert missing.status_code == 403, (path, missing.status_code)
        assert "Formulir ditolak" in missing.text
        wrong = client.post(url, data={"csrf_token": "forged", "role": "admin"})
        assert wrong.status_code == 403, path
        header = client.post(url, headers={"X-CSRF-Token": "forged"})
        assert header.status_code == 403, path
    assert fake.calls == []  # nothing reached a service


def test_sign_in_itself_needs_the_csrf_token(client: TestClient) -> None:
    answer = client.post("/masuk", data={"role": "admin"})
    assert answer.status_code == 403
    assert client.get("/akun").headers["location"].startswith("/masuk")  # no session began


def test_no_page_is_served_without_a_session(client: TestClient, fake: FakeServices) -> None:
    pages = [p for p in _routes(client, "GET") if p not in ("/masuk", "/masuk/oidc")]
    pages = [p for p in pages if p not in ("/", "/livez", "/readyz", "/metrics", "/masuk/kembali")]
    assert len(pages) >= 15
    for path in pages:
        answer = client.get(_concrete(path))
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/masuk"), path
    assert fake.calls == []
    assert client.get("/masuk").status_code == 200


def test_pages_are_not_cached_and_carry_security_headers(client: TestClient) -> None:
    signed_in(client)
    for path in ("/peserta", "/peserta/x1", "/masuk", "/akun", "/tidak-ada"):
        answer = client.get(path)
        assert answer.headers["cache-control"] == "no-store", path
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
    assert client.get("/static/konsol.css").headers["cache-control"].startswith("public")


def test_session_cookie_is_http_only_and_same_site(client: TestClient) -> None:
    answer = client.get("/masuk")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # development over http; Secure outside development mode


def test_outside_development_cookies_are_secure_and_dev_sign_in_is_off() -> None:
    settings = ConsoleSettings(
        dev_mode=False,
        oidc_issuer="https://sso.example.go.id/realms/p2mi",
        oidc_client_id="konsol",
        session_secret="a-real-secret-from-the-secret-store",
    )
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/masuk")
        assert "secure" in page.headers["set-cookie"].lower()
        assert "Masuk dengan akun kantor" in page.text
        assert 'action="/masuk"' not in page.text
        csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
        token = csrf.group(1) if csrf else ""
        refused = client.post("/masuk", data={"csrf_token": token, "role": "admin"})
        assert refused.status_code == 404


def test_production_needs_oidc_and_a_session_secret() -> None:
    with pytest.raises(ValueError, match="OIDC"):
        ConsoleSettings(dev_mode=False)
    with pytest.raises(ValueError, match="SESSION_SECRET"):
        ConsoleSettings(dev_mode=False, oidc_issuer="https://sso", oidc_client_id="konsol")


def test_services_get_the_users_token_and_their_refusal_is_shown(
    client: TestClient, fake: FakeServices
) -> None:
    signed_in(client, "bank", bank="BRI")
    fake.answers[("GET", "/applications/a1")] = (
        404,
        {"title": "Not Found", "status": 404, "detail": "No application a1 for bank BRI."},
    )
    answer = client.get("/pengajuan/a1")
    assert answer.status_code == 404
    assert "No application a1 for bank BRI." in answer.text
    assert "Traceback" not in answer.text
    _, _, auth = fake.calls[-1]
    assert auth.startswith("Bearer ") and len(auth) > 50


def test_next_after_sign_in_stays_on_the_console(client: TestClient) -> None:
    page = client.get("/masuk?lanjut=//evil.example/x")
    assert 'value="//evil.example/x"' not in page.text
    csrf = _CSRF.search(page.text)
    assert csrf
    answer = client.post(
        "/masuk",
        data={"csrf_token": csrf.group(1), "role": "admin", "lanjut": "https://evil.example"},
    )
    assert answer.headers["location"] == "/dasbor"


def test_an_unexpected_error_is_a_page_with_the_request_id(
    client: TestClient, fake: FakeServices
) -> None:
    signed_in(client)
    fake.answers[("GET", "/participants")] = (200, {"unexpected": True})
    answer = client.get("/peserta")
    assert answer.status_code == 500
    assert "Terjadi kesalahan" in answer.text and "ID permintaan" in answer.text
    assert answer.headers["cache-control"] == "no-store"


def test_every_label_table_a_template_names_exists() -> None:
    from purna_console.domain import labels

    names: set[str] = set()
    for name in templates.env.list_templates():
        source = templates.env.loader.get_source(templates.env, name)[0]  # type: ignore[union-attr]
        names |= set(re.findall(r"\bL\.([A-Z_]+)", source))
    assert names, "the templates name no label table"
    missing = sorted(n for n in names if not isinstance(getattr(labels, n, None), dict))
    assert not missing, missing
