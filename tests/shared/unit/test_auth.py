from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Depends

from purna_shared.http.app import create_service_app
from purna_shared.http.auth import (
    InvalidTokenError,
    Principal,
    Role,
    TokenVerifier,
    ensure_bank,
    ensure_office,
    mint_token,
    office_scope,
    require_read,
    require_roles,
)
from purna_shared.http.problems import PROBLEM_JSON, ProblemError
from purna_shared.settings import PurnaSettings

pytestmark = pytest.mark.unit

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"
SETTINGS = PurnaSettings(jwt_secret=SECRET, jwt_issuer="purna", jwt_audience="purna")

Operator = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Reader = Annotated[Principal, Depends(require_read(Role.OPERATOR))]
router = APIRouter()


def _as_json(principal: Principal) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "roles": sorted(principal.roles),
        "office": principal.office,
        "bank": principal.bank,
    }


@router.get("/participants")
async def list_participants(principal: Reader) -> dict[str, Any]:
    return _as_json(principal)


@router.post("/participants")
async def register(principal: Operator) -> dict[str, Any]:
    return _as_json(principal)


@router.post("/search")
async def search(principal: Reader) -> dict[str, Any]:  # a reading route reached by POST
    return _as_json(principal)


@router.get("/offices/{office}/participants/{participant_id}")
async def office_participant(office: str, participant_id: str, principal: Reader) -> dict[str, str]:
    ensure_office(principal, office, hide=True)
    return {"office": office}


@router.post("/offices/{office}/participants")
async def office_register(office: str, principal: Operator) -> dict[str, str]:
    ensure_office(principal, office)
    return {"office": office}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(SETTINGS, title="auth test", version="0", routers=[router])
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(role: Role, **kwargs: Any) -> str:
    return mint_token(SETTINGS, role=role, **kwargs)


def raw_token(claims: dict[str, Any], secret: str = SECRET) -> str:
    now = datetime.now(UTC)
    base = {"iss": "purna", "aud": "purna", "sub": "u-1", "exp": now + timedelta(hours=1)}
    return jwt.encode({**base, **claims}, secret, algorithm="HS256")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    assert body["request_id"]
    return body


async def test_a_valid_token_yields_the_principal(client: httpx.AsyncClient) -> None:
    token = token_for(Role.OPERATOR, office="NTB", subject="op-1")
    response = await client.post("/participants", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {
        "subject": "op-1",
        "roles": ["operator"],
        "office": "NTB",
        "bank": None,
    }


async def test_a_missing_token_is_a_401_problem_with_a_bearer_challenge(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/participants")
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "bearer token is required" in body["detail"]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (raw_token({"roles": ["admin"], "exp": datetime.now(UTC) - timedelta(minutes=5)}),
         "expired"),
        (raw_token({"roles": ["admin"]}, secret="another-secret-another-secret-123"), "signature"),
        (raw_token({"roles": ["admin"], "aud": "someone-else"}), "audience"),
        (raw_token({"roles": ["admin"], "iss": "someone-else"}), "issued"),
        (jwt.encode({"iss": "purna", "aud": "purna", "sub": "x"}, SECRET), "'exp'"),
        (raw_token({"roles": "admin", "sub": ""}), "sub"),
        (raw_token({"roles": [1, 2]}), "roles"),
        ("not-a-jwt", "malformed"),
    ],
    ids=["expired", "wrong-secret", "wrong-audience", "wrong-issuer", "no-exp", "empty-sub",
         "bad-roles", "garbage"],
)  # fmt: skip
async def test_an_invalid_token_is_a_401_problem_saying_why(
    client: httpx.AsyncClient, token: str, reason: str
) -> None:
    response = await client.get("/participants", headers=bearer(token))
    body = assert_problem(response, 401)
    assert reason in body["detail"]
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_another_auth_scheme_is_a_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/participants", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert_problem(response, 401)


async def test_a_token_without_roles_is_a_403_naming_the_required_roles(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/participants", headers=bearer(raw_token({})))
    body = assert_problem(response, 403)
    assert body["required_roles"] == ["admin", "operator"]
    assert "admin, operator" in body["detail"]


async def test_roles_of_other_applications_are_ignored(client: httpx.AsyncClient) -> None:
    token = raw_token({"roles": ["superuser", "operator"], "office": "NTB"})
    response = await client.post("/participants", headers=bearer(token))
    assert response.json()["roles"] == ["operator"]


async def test_a_role_not_listed_is_a_403(client: httpx.AsyncClient) -> None:
    response = await client.post("/participants", headers=bearer(token_for(Role.TRAINER)))
    assert_problem(response, 403)


async def test_admin_passes_every_role_check(client: httpx.AsyncClient) -> None:
    token = bearer(token_for(Role.ADMIN))
    assert (await client.post("/participants", headers=token)).status_code == 200
    assert (await client.get("/participants", headers=token)).status_code == 200


async def test_auditor_reads_but_never_writes(client: httpx.AsyncClient) -> None:
    token = bearer(token_for(Role.AUDITOR))
    assert (await client.get("/participants", headers=token)).status_code == 200
    assert_problem(await client.post("/participants", headers=token), 403)
    # even a reading dependency refuses an auditor on an unsafe method
    assert_problem(await client.post("/search", headers=token), 403)
    operator = bearer(token_for(Role.OPERATOR, office="NTB"))
    assert (await client.post("/search", headers=operator)).status_code == 200


def test_require_roles_refuses_auditor_at_definition_time() -> None:
    with pytest.raises(ValueError, match="read-only"):
        require_roles(Role.AUDITOR)


async def test_operators_are_scoped_to_their_office(client: httpx.AsyncClient) -> None:
    ntb = bearer(token_for(Role.OPERATOR, office="NTB"))
    assert (await client.post("/offices/NTB/participants", headers=ntb)).status_code == 200
    assert (await client.post("/offices/ntb/participants", headers=ntb)).status_code == 200
    body = assert_problem(await client.post("/offices/JATIM/participants", headers=ntb), 403)
    assert "another BP3MI office" in body["detail"]
    # reads of a single resource hide that it exists elsewhere
    assert_problem(await client.get("/offices/JATIM/participants/p-1", headers=ntb), 404)
    assert (await client.get("/offices/NTB/participants/p-1", headers=ntb)).status_code == 200
    for role in (Role.ADMIN, Role.AUDITOR):
        response = await client.get(
            "/offices/JATIM/participants/p-1", headers=bearer(token_for(role))
        )
        assert response.status_code == 200


async def test_an_operator_token_without_office_is_refused(client: httpx.AsyncClient) -> None:
    token = bearer(token_for(Role.OPERATOR))
    assert_problem(await client.post("/offices/NTB/participants", headers=token), 403)


def _principal(*roles: Role, office: str | None = None, bank: str | None = None) -> Principal:
    return Principal(subject="u", roles=frozenset(roles), office=office, bank=bank)


def test_ensure_office_rules() -> None:
    ensure_office(_principal(Role.ADMIN), "JATIM")
    ensure_office(_principal(Role.AUDITOR), "JATIM")
    ensure_office(_principal(Role.OPERATOR, office="NTB"), "NTB")
    with pytest.raises(ProblemError) as refused:
        ensure_office(_principal(Role.OPERATOR, office="NTB"), "JATIM")
    assert refused.value.status == 403
    with pytest.raises(ProblemError) as hidden:
        ensure_office(_principal(Role.OPERATOR, office="NTB"), "JATIM", hide=True)
    assert hidden.value.status == 404
    with pytest.raises(ProblemError) as trainer:
        ensure_office(_principal(Role.TRAINER), "NTB")
    assert trainer.value.status == 403


def test_ensure_bank_rules() -> None:
    for wide in (Role.ADMIN, Role.AUDITOR, Role.CREDIT_OFFICER):
        ensure_bank(_principal(wide), "BNI")
    ensure_bank(_principal(Role.BANK, bank="BRI"), "BRI")
    ensure_bank(_principal(Role.BANK, bank="BRI"), "bri")
    with pytest.raises(ProblemError) as other:
        ensure_bank(_principal(Role.BANK, bank="BRI"), "BNI")
    assert other.value.status == 403
    with pytest.raises(ProblemError) as hidden:
        ensure_bank(_principal(Role.BANK, bank="BRI"), "BNI", hide=True)
    assert hidden.value.status == 404
    with pytest.raises(ProblemError) as no_bank:
        ensure_bank(_principal(Role.BANK), "BRI")
    assert no_bank.value.status == 403
    with pytest.raises(ProblemError):
        ensure_bank(_principal(Role.OPERATOR, office="NTB"), "BRI")


def test_office_scope_for_listings() -> None:
    assert office_scope(_principal(Role.ADMIN)) is None
    assert office_scope(_principal(Role.AUDITOR)) is None
    assert office_scope(_principal(Role.OPERATOR, office="NTB")) == "NTB"
    with pytest.raises(ProblemError):
        office_scope(_principal(Role.OPERATOR))


def test_principal_helpers() -> None:
    auditor = _principal(Role.AUDITOR)
    assert auditor.is_read_only
    assert auditor.has(Role.AUDITOR, Role.ADMIN)
    assert not auditor.has(Role.OPERATOR)
    assert not _principal(Role.AUDITOR, Role.OPERATOR, office="NTB").is_read_only
    assert not _principal().is_read_only


def test_mint_token_claims() -> None:
    token = mint_token(SETTINGS, role="bank", bank="BRI", ttl_seconds=60)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="purna", issuer="purna")
    assert claims["roles"] == ["bank"]
    assert claims["bank"] == "BRI"
    assert "office" not in claims
    assert claims["sub"] == "dev-bank-BRI"
    assert 55 <= claims["exp"] - claims["iat"] <= 60
    principal = TokenVerifier(SETTINGS).verify(token)
    assert principal == Principal("dev-bank-BRI", frozenset({Role.BANK}), None, "BRI")


def test_a_token_within_the_clock_skew_leeway_is_accepted() -> None:
    token = raw_token({"roles": ["admin"], "exp": datetime.now(UTC) - timedelta(seconds=5)})
    assert TokenVerifier(SETTINGS).verify(token).roles == {Role.ADMIN}


class _StaticJWKClient(jwt.PyJWKClient):
    """The identity provider's key set without HTTP."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        super().__init__("https://idp.invalid/jwks")
        self._static = jwks

    def fetch_data(self) -> Any:
        return self._static


@pytest.fixture
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_a_jwks_url_switches_the_verifier_to_rs256() -> None:
    settings = PurnaSettings(jwt_secret=SECRET, jwt_jwks_url="https://idp.invalid/jwks")
    assert TokenVerifier(settings).uses_jwks
    assert not TokenVerifier(SETTINGS).uses_jwks


async def test_rs256_tokens_are_verified_against_the_jwks(rsa_key: rsa.RSAPrivateKey) -> None:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")
    settings = PurnaSettings(jwt_secret=SECRET, jwt_jwks_url="https://idp.invalid/jwks")
    verifier = TokenVerifier(settings, jwks_client=_StaticJWKClient({"keys": [jwk]}))
    claims = {
        "iss": "purna",
        "aud": "purna",
        "sub": "idp-user",
        "exp": datetime.now(UTC) + timedelta(minutes=5),
        "roles": ["credit_officer"],
    }
    token = jwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": "k1"})
    principal = await verifier.authenticate(token)
    assert principal.subject == "idp-user"
    assert principal.roles == {Role.CREDIT_OFFICER}
    # with a JWKS the development HS256 secret is no longer accepted
    with pytest.raises(InvalidTokenError):
        await verifier.authenticate(mint_token(settings, role=Role.ADMIN))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(InvalidTokenError, match="signature"):
        await verifier.authenticate(forged)
    unknown_kid = jwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": "k2"})
    with pytest.raises(InvalidTokenError, match="signing key"):
        await verifier.authenticate(unknown_kid)
