"""OpenID Connect sign-in (authorization code with PKCE) against a real, minimal identity
provider served over HTTP on a loopback port, the way Keycloak answers: discovery document,
authorization endpoint, token endpoint that checks the PKCE verifier, JWKS. The console keeps
the provider's RS256 access token and the services would verify it against the same JWKS."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.testclient import TestClient

from purna_console.entrypoints.api import create_app
from purna_console.settings import ConsoleSettings
from purna_shared.net import free_port

pytestmark = pytest.mark.integration

CLIENT_ID = "purna-konsol"


class FakeProvider:
    """A tiny OIDC provider: one user (an operator of BP3MI NTB), PKCE required."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict[str, str]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.app = FastAPI()
        self._routes()

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})

    def _routes(self) -> None:
        app, issuer = self.app, self.issuer

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/auth",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "end_session_endpoint": f"{issuer}/logout",
            }

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return {"keys": [public | {"kid": "k1", "use": "sig", "alg": "RS256"}]}

        @app.get("/auth")
        async def authorize(request: Request) -> RedirectResponse:
            q = request.query_params
            assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
            assert q["code_challenge_method"] == "S256" and q["code_challenge"]
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "challenge": q["code_challenge"],
                "redirect_uri": q["redirect_uri"],
                "nonce": q.get("nonce", ""),
            }
            target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
            return RedirectResponse(target, status_code=302)

        @app.post("/token")
        async def token(
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str = Form(""),
            client_id: str = Form(""),
        ) -> JSONResponse:
            self.token_requests.append({"code_verifier": code_verifier, "client_id": client_id})
            grant = self.codes.pop(code, None)
            digest = hashlib.sha256(code_verifier.encode()).digest()
            computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if grant is None or grant["challenge"] != computed:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            access = self._sign(
                {
                    "iss": "purna",
                    "aud": "purna",
                    "sub": "siti.operator",
                    "roles": ["operator"],
                    "office": "NTB",
                    "iat": now,
                    "exp": now + 600,
                }
            )
            id_token = self._sign(
                {
                    "iss": issuer,
                    "aud": CLIENT_ID,
                    "sub": "siti.operator",
                    "nonce": grant["nonce"],
                    "iat": now,
                    "exp": now + 600,
                }
            )
            return JSONResponse(
                {
                    "access_token": access,
                    "id_token": id_token,
                    "token_type": "Bearer",
                    "expires_in": 600,
                }
            )


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    port = free_port()
    fake = FakeProvider(f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield fake
    server.should_exit = True
    thread.join(10)


def test_oidc_code_flow_with_pkce_signs_the_user_in_with_the_providers_token(
    provider: FakeProvider,
) -> None:
    settings = ConsoleSettings(
        dev_mode=False,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        session_secret="a-session-secret-for-this-test-only",
        jwt_jwks_url=f"{provider.issuer}/jwks",
    )
    app = create_app(settings)
    with TestClient(app, base_url="https://konsol.test", follow_redirects=False) as console:
        start = console.get("/masuk/oidc")
        assert start.status_code == 302
        to_provider = start.headers["location"]
        assert to_provider.startswith(f"{provider.issuer}/auth?")
        query = parse_qs(urlsplit(to_provider).query)
        assert query["code_challenge_method"] == ["S256"]
        # the browser follows to the provider, which sends it back with a code
        back = httpx.get(to_provider, follow_redirects=False).headers["location"]
        assert back.startswith("https://konsol.test/masuk/kembali?")
        done = console.get(back.removeprefix("https://konsol.test"))
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/peserta"  # an operator's home
        assert provider.token_requests[0]["code_verifier"]  # PKCE: the verifier was sent
        account = console.get("/akun")
        assert account.status_code == 200
        assert "siti.operator" in account.text and "BP3MI NTB" in account.text

        # signing out ends the console's session and sends the browser to the provider's
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', account.text)
        assert csrf
        out = console.post("/keluar", data={"csrf_token": csrf.group(1)})
        assert out.status_code == 303
        assert out.headers["location"].startswith(f"{provider.issuer}/logout?client_id=")
        assert (
            "post_logout_redirect_uri=https%3A%2F%2Fkonsol.test%2Fmasuk" in out.headers["location"]
        )
        assert console.get("/akun").headers["location"].startswith("/masuk")

        # a replayed callback (the code is spent, the state used) signs nobody in
        console.cookies.clear()
        again = console.get(back.removeprefix("https://konsol.test"))
        assert again.status_code == 401
        assert "Gagal masuk" in again.text
