"""docker-compose.yml, the Dockerfile and .dockerignore, checked without Docker.

The compose file is validated against the Compose Specification's JSON Schema as shipped by
check-jsonschema (a maintained PyPI package), then held to the structure Purna needs.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from purna_shared.contracts.catalog import SERVICES

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PORTS = {"registration": 8001, "training": 8002, "credit": 8003, "notification": 8004}
IMAGE = "purna:local"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


def compose_schema_errors(data: dict[str, Any]) -> list[str]:
    schema = json.loads(
        files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    assert compose_schema_errors(compose) == []
    broken = json.loads(json.dumps(compose))
    broken["services"]["redis"]["helthcheck"] = broken["services"]["redis"].pop("healthcheck")
    assert compose_schema_errors(broken)


def test_redis_keeps_an_append_only_file_and_loads_the_generated_users(
    compose: dict[str, Any],
) -> None:
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    acl = command[command.index("--aclfile") + 1]
    assert f"./deploy/compose/redis/users.acl:{acl}:ro" in redis["volumes"]
    assert any(v.endswith(":/data") for v in redis["volumes"])
    assert "ping" in " ".join(redis["healthcheck"]["test"])


def test_postgres_creates_one_database_and_role_per_service(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in postgres["healthcheck"]["test"]
    (init,) = [v for v in postgres["volumes"] if "/docker-entrypoint-initdb.d/" in v]
    sql = (REPO / init.split(":")[0]).read_text()
    for service in SERVICES:
        assert f"CREATE DATABASE {service} OWNER {service};" in sql
        assert f"CREATE ROLE {service} LOGIN PASSWORD '{service}-dev-password';" in sql


def test_every_service_runs_its_api_and_worker_from_the_one_image(compose: dict[str, Any]) -> None:
    services = compose["services"]
    expected = {"redis", "postgres", "migrate", "console-api"} | {
        f"{s}-{role}" for s in SERVICES for role in ("api", "worker")
    }
    assert set(services) == expected
    migrate = services["migrate"]
    assert migrate["command"] == ["purna", "migrate"]
    assert migrate["restart"] == "no"
    for service in SERVICES:
        database = f"postgresql://{service}:{service}-dev-password@postgres:5432/{service}"
        assert migrate["environment"][f"{service.upper()}_DATABASE_URL"] == database
        for role in ("api", "worker"):
            name = f"{service}-{role}"
            spec = services[name]
            assert spec["image"] == IMAGE and spec["build"] == {"context": "."}
            assert spec["command"] == ["python", "-m", f"purna_{service}.entrypoints.{role}"]
            assert spec["read_only"] is True and spec["tmpfs"] == ["/tmp"]
            assert spec["user"] == "10001:10001" and spec["cap_drop"] == ["ALL"]
            env = spec["environment"]
            assert env["REDIS_URL"] == f"redis://{service}:{service}-dev-password@redis:6379/0"
            assert env[f"{service.upper()}_DATABASE_URL"] == database
            assert env["JWT_SECRET"].startswith("${JWT_SECRET:-")
            assert env["HTTP_HOST"] == "0.0.0.0"
            others = {f"{s.upper()}_DATABASE_URL" for s in SERVICES if s != service}
            assert not others & set(env), f"{name} sees another service's database"
            assert spec["depends_on"] == {
                "redis": {"condition": "service_healthy"},
                "postgres": {"condition": "service_healthy"},
                "migrate": {"condition": "service_completed_successfully"},
            }
            if role == "api":
                port = PORTS[service]
                assert spec["ports"] == [f"{port}:{port}"]
                probe = " ".join(spec["healthcheck"]["test"])
                assert f"http://127.0.0.1:{port}/readyz" in probe
            else:
                assert "ports" not in spec
    assert services["migrate"]["image"] == IMAGE
    assert set(compose["volumes"]) == {"redis-data", "postgres-data"}


def test_dockerfile_builds_the_locked_environment_and_runs_as_uid_10001() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)$", dockerfile, re.MULTILINE)
    assert [name for _, name in stages] == ["builder", "runtime"]
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", dockerfile, re.MULTILINE)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    (uv_pin,) = [d for d in pyproject["dependency-groups"]["dev"] if d.startswith("uv==")]
    assert f"ARG UV_VERSION={uv_pin.removeprefix('uv==')}" in dockerfile
    assert "uv sync --frozen --no-dev --all-packages --no-editable" in dockerfile
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert "PYTHONDONTWRITEBYTECODE=1" in runtime
    assert re.search(r"^USER 10001:10001$", runtime, re.MULTILINE)
    assert "COPY --from=builder --chown=root:root /app/.venv /app/.venv" in runtime
    assert "--mount=" not in dockerfile  # the classic builder (docker-compose 1.x) has no mounts


def test_dockerignore_sends_only_what_the_build_copies() -> None:
    lines = [
        line
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "**"
    assert {"!pyproject.toml", "!uv.lock", "!purna/", "!shared/", "!services/"} <= set(lines)
    assert {"**/.venv/", "**/var/", "**/__pycache__/"} <= set(lines)


def test_the_console_runs_from_the_one_image_without_database_or_redis(
    compose: dict[str, Any],
) -> None:
    console = compose["services"]["console-api"]
    assert console["image"] == IMAGE and console["command"] == [
        "python",
        "-m",
        "purna_console.entrypoints.api",
    ]
    assert console["read_only"] is True and console["user"] == "10001:10001"
    assert console["ports"] == ["8080:8080"]
    env = console["environment"]
    assert not {"REDIS_URL"} & set(env)
    assert not any(k.endswith("_DATABASE_URL") for k in env)
    for service, port in PORTS.items():
        assert env[f"CONSOLE_{service.upper()}_URL"] == f"http://{service}-api:{port}"
        assert console["depends_on"][f"{service}-api"] == {"condition": "service_healthy"}
    assert "http://127.0.0.1:8080/readyz" in " ".join(console["healthcheck"]["test"])
