from __future__ import annotations

import jwt
import pytest
from typer.testing import CliRunner

from purna_shared.cli import app
from purna_shared.http.auth import Principal, Role, TokenVerifier
from purna_shared.settings import PurnaSettings

pytestmark = pytest.mark.unit

SECRET = "cli-test-secret-cli-test-secret-cli-test"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> PurnaSettings:
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.delenv("JWT_JWKS_URL", raising=False)
    return PurnaSettings()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--role", "operator", "--office", "NTB"],
         Principal("dev-operator-NTB", frozenset({Role.OPERATOR}), "NTB", None)),
        (["--role", "bank", "--bank", "BRI"],
         Principal("dev-bank-BRI", frozenset({Role.BANK}), None, "BRI")),
        (["--role", "credit_officer"],
         Principal("dev-credit_officer", frozenset({Role.CREDIT_OFFICER}))),
        (["--role", "admin", "--subject", "ops@bp3mi-ntb"],
         Principal("ops@bp3mi-ntb", frozenset({Role.ADMIN}))),
    ],
)  # fmt: skip
def test_token_prints_only_a_token_the_services_accept(
    settings: PurnaSettings, args: list[str], expected: Principal
) -> None:
    result = CliRunner().invoke(app, ["token", *args])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert TokenVerifier(settings).verify(lines[0]) == expected


@pytest.mark.usefixtures("settings")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "bank"], "--role bank needs --bank"),
        (["--role", "operator"], "--role operator needs --office"),
        (["--role", "superuser"], "'superuser' is not one of"),
        ([], "Missing option '--role'"),
    ],
)
def test_token_refuses_incomplete_or_unknown_roles(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["token", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in " ".join(result.stderr.replace("│", " ").split())


def test_token_ttl(settings: PurnaSettings) -> None:
    result = CliRunner().invoke(app, ["token", "--role", "trainer", "--ttl", "120"])
    claims = jwt.decode(result.stdout.strip(), SECRET, algorithms=["HS256"], audience="purna")
    assert claims["exp"] - claims["iat"] == 120
