"""The Redis ACL users and KEDA scalers are generated from the event catalog and cannot drift."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from purna import deploy
from purna.cli import app
from purna_shared.contracts.catalog import (
    CATALOG,
    SERVICES,
    dead_letter_stream,
    streams_consumed_by,
    streams_produced_by,
)

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"

pytestmark = pytest.mark.unit


def _users(acl: str) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for line in acl.splitlines():
        tokens = shlex.split(line)
        assert tokens[0] == "user", line
        users[tokens[1]] = tokens[2:]
    return users


def _root_and_selectors(rule: str) -> tuple[list[str], list[list[str]]]:
    selectors = [s.split() for s in re.findall(r"\(([^)]*)\)", rule)]
    root = re.sub(r"\([^)]*\)", "", rule).split()
    return root, selectors


def test_the_generated_files_are_current() -> None:
    stale = deploy.stale_files(DEPLOY)
    assert not stale, f"run `purna deploy generate` and commit: {stale}"


def test_generate_check_reports_nothing_stale() -> None:
    result = CliRunner().invoke(app, ["deploy", "generate", "--check", "--deploy-dir", str(DEPLOY)])
    assert result.exit_code == 0, result.output


def test_each_service_may_add_only_to_its_own_streams_and_the_dead_letter_stream() -> None:
    template = (DEPLOY / "base/redis/users.acl").read_text()
    users = _users(template)
    for service in SERVICES:
        rule = next(line for line in template.splitlines() if line.startswith(f"user {service} "))
        root, selectors = _root_and_selectors(rule)
        assert root[:5] == [
            "user",
            service,
            "on",
            f"${{REDIS_PASSWORD_{service.upper()}}}",
            "resetchannels",
        ]
        assert "-@all" in root and root.index("-@all") < root.index("+xadd")
        commands = {t for t in root if t.startswith("+")}
        assert commands == {
            "+ping",
            "+client|setname",
            "+select",
            "+multi",
            "+exec",
            "+discard",
            "+xadd",
        }
        writable = {t.removeprefix("%W~") for t in root if t.startswith("%W~")}
        assert writable == {*streams_produced_by(service), dead_letter_stream()}
        assert not [t for t in root if t.startswith(("~", "%R~", "%RW~", "&"))]
        consumed = set(streams_consumed_by(service))
        if consumed:
            (selector,) = selectors
            assert {t.removeprefix("~") for t in selector if t.startswith("~")} == consumed
            assert {t for t in selector if t.startswith("+")} == {
                "+xreadgroup", "+xack", "+xautoclaim", "+xpending", "+xgroup|create",
                "+xinfo|stream", "+xinfo|groups", "+xinfo|consumers",
            }  # fmt: skip
            assert "+xadd" not in selector
        else:
            assert selectors == []
        assert service in users


def test_default_is_off_admin_has_a_placeholder_and_the_subscriber_template_is_read_only() -> None:
    users = _users((DEPLOY / "base/redis/users.acl").read_text())
    assert set(users) == {"default", "admin", "subscriber", *SERVICES}
    assert users["default"][:2] == ["off", "resetpass"]
    assert users["admin"][:2] == ["on", "${REDIS_PASSWORD_ADMIN}"]
    subscriber = users["subscriber"]
    assert subscriber[:2] == ["off", "resetpass"]
    assert {t.removeprefix("~") for t in subscriber if t.startswith("~")} == {
        e.stream() for e in CATALOG
    }
    granted = {t for t in subscriber if t.startswith("+")}
    assert not granted & {"+xadd", "+xdel", "+xtrim", "+del", "+xgroup|destroy", "+xgroup|setid"}


def test_rendering_replaces_every_placeholder_with_a_hash() -> None:
    passwords = {deploy.password_variable(u): f"{u}-0123456789abcdef" for u in ("admin", *SERVICES)}
    rendered = deploy.render_acl(deploy.acl_template(), passwords)
    assert "${" not in rendered
    assert deploy.password_hash("training-0123456789abcdef") in rendered
    assert "training-0123456789abcdef" not in rendered


def test_rendering_refuses_missing_and_unsafe_passwords() -> None:
    with pytest.raises(deploy.MissingPasswordError, match="REDIS_PASSWORD_CREDIT"):
        deploy.render_acl(deploy.acl_template(), {"REDIS_PASSWORD_ADMIN": "x" * 20})
    with pytest.raises(ValueError, match="unescaped into REDIS_URL"):
        deploy.render_acl(
            "user a on ${REDIS_PASSWORD_A} +ping", {"REDIS_PASSWORD_A": "p@ss/word:1234567"}
        )
    with pytest.raises(ValueError, match="at least 16"):
        deploy.render_acl("user a on ${REDIS_PASSWORD_A} +ping", {"REDIS_PASSWORD_A": "short"})


def test_the_compose_acl_is_the_template_with_the_compose_passwords() -> None:
    compose = (DEPLOY / "compose/redis/users.acl").read_text()
    assert "${" not in compose
    compose_file = (DEPLOY.parent / "docker-compose.yml").read_text()
    for user in ("admin", *SERVICES):
        assert deploy.password_hash(deploy.dev_password(user)) in compose
        assert deploy.dev_password(user) in compose_file


def test_acl_render_cli_reads_passwords_from_the_environment() -> None:
    env = {deploy.password_variable(u): f"{u}-from-a-secret-1234" for u in ("admin", *SERVICES)}
    result = CliRunner().invoke(app, ["deploy", "acl", "--render"], env=env)
    assert result.exit_code == 0, result.output
    assert deploy.password_hash("credit-from-a-secret-1234") in result.output
    missing = CliRunner().invoke(app, ["deploy", "acl", "--render"], env={})
    assert missing.exit_code == 1


def test_subscriber_cli_grants_only_the_named_streams() -> None:
    result = CliRunner().invoke(
        app, ["deploy", "subscriber", "sisko-p2mi", "--event", "purna.session-completed.v1"]
    )
    assert result.exit_code == 0, result.output
    tokens = result.output.split()
    assert tokens[:4] == ["user", "sisko-p2mi", "on", "${REDIS_PASSWORD_SISKO_P2MI}"]
    assert [t for t in tokens if t.startswith("~")] == ["~purna.session-completed.v1"]
    assert "+xadd" not in tokens
    unknown = CliRunner().invoke(app, ["deploy", "subscriber", "x-y", "--event", "purna.nope.v1"])
    assert unknown.exit_code == 1
    taken = CliRunner().invoke(
        app, ["deploy", "subscriber", "training", "--event", "purna.session-completed.v1"]
    )
    assert taken.exit_code == 1


def test_scaled_objects_are_generated_for_the_workers_that_consume() -> None:
    consuming = [s for s in SERVICES if streams_consumed_by(s)]
    objects = [deploy.scaled_object(s) for s in consuming]
    for service, obj in zip(consuming, objects, strict=True):
        triggers = obj["spec"]["triggers"]
        assert [t["metadata"]["stream"] for t in triggers] == list(streams_consumed_by(service))
        assert {t["metadata"]["consumerGroup"] for t in triggers} == {service}
        assert obj["spec"]["minReplicaCount"] >= 1  # the worker also runs the outbox relay
    with pytest.raises(ValueError, match="consumes no stream"):
        deploy.scaled_object(next(s for s in SERVICES if not streams_consumed_by(s)))
