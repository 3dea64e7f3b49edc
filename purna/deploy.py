"""``purna deploy``: deployment artefacts derived from the event catalog, so they cannot drift.

Generated files (rewrite them with ``purna deploy generate``; a test fails when they are stale):

``deploy/base/redis/users.acl``
    The Redis ACL users. Each service may ``XADD`` only to its own streams and the dead-letter
    stream, and may read (as its consumer group) only the streams it consumes. Passwords are
    placeholders, ``${REDIS_PASSWORD_<USER>}``: Redis refuses to load the file until
    ``purna deploy acl --render`` has replaced each with the SHA-256 of the password taken from
    the environment (that is, from the Secret holding it).
``deploy/compose/redis/users.acl``
    The same users rendered with the development passwords that ``docker-compose.yml`` uses.
``deploy/components/autoscaling/scaledobjects.yaml``
    One KEDA ``ScaledObject`` per worker that consumes streams, one lag-based ``redis-streams``
    trigger per consumed stream.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from purna_shared.contracts.catalog import (
    CATALOG,
    SERVICES,
    by_type,
    dead_letter_stream,
    streams_consumed_by,
    streams_produced_by,
)

#: What every Purna process sends on a connection besides stream commands: health checks,
#: redis-py's connection set-up, and MULTI/EXEC around "dead-letter, then XACK".
CONNECTION_COMMANDS = ("ping", "client|setname", "select", "multi", "exec", "discard")

#: The one command a service may run on the streams it owns (and on the dead-letter stream)
PRODUCER_COMMANDS = ("xadd",)

#: What a consumer group needs on a stream it reads: the inbox-guarded consumer's reads,
#: acknowledgements and reclaims, group creation, and the XINFO/XPENDING that KEDA's
#: ``redis-streams`` scaler runs with the worker's credentials.
CONSUMER_COMMANDS = (
    "xreadgroup",
    "xack",
    "xautoclaim",
    "xpending",
    "xgroup|create",
    "xinfo|stream",
    "xinfo|groups",
    "xinfo|consumers",
)

#: An outside subscriber reads with its own consumer group and may also browse the streams;
#: it can never add, delete or trim entries.
SUBSCRIBER_COMMANDS = (
    *CONSUMER_COMMANDS,
    "xclaim",
    "xread",
    "xrange",
    "xrevrange",
    "xlen",
)

ADMIN_USER = "admin"
SUBSCRIBER_TEMPLATE_USER = "subscriber"

ACL_TEMPLATE_PATH = Path("base/redis/users.acl")
ACL_COMPOSE_PATH = Path("compose/redis/users.acl")
INIT_DATABASES_PATH = Path("compose/postgres/init-databases.sql")
SCALED_OBJECTS_PATH = Path("components/autoscaling/scaledobjects.yaml")
DEV_DATA_PATH = Path("overlays/dev/redis-postgres.yaml")

_PLACEHOLDER = re.compile(r"\$\{(REDIS_PASSWORD_[A-Z0-9_]+)\}")
_USER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
#: URL-unreserved characters only: the password is put into REDIS_URL unescaped
_PASSWORD = re.compile(r"^[A-Za-z0-9._~-]{16,}$")


def password_variable(user: str) -> str:
    """The environment variable holding ``user``'s password, e.g. ``REDIS_PASSWORD_TRAINING``."""
    return "REDIS_PASSWORD_" + user.upper().replace("-", "_")


def password_placeholder(user: str) -> str:
    return "${" + password_variable(user) + "}"


def dev_password(user: str) -> str:
    """The development password of ``user`` in docker-compose (never use it elsewhere)."""
    return f"{user}-dev-password"


def _rule(*parts: Iterable[str]) -> str:
    return " ".join(token for part in parts for token in part)


def _commands(commands: Iterable[str]) -> list[str]:
    return [f"+{command}" for command in commands]


def service_user(service: str, *, prefix: str = "", user: str | None = None) -> str:
    """The ACL line of a service's user (named like the service and its consumer group).

    ``prefix`` and ``user`` exist for tests that try the rules on a shared Redis."""
    user = user or service
    writes = [*streams_produced_by(service, prefix), dead_letter_stream(prefix)]
    reads = streams_consumed_by(service, prefix)
    rule = _rule(
        ["user", user, "on", password_placeholder(user), "resetchannels", "-@all"],
        _commands(CONNECTION_COMMANDS),
        _commands(PRODUCER_COMMANDS),
        [f"%W~{stream}" for stream in writes],
    )
    if reads:
        # A selector: these commands on these keys only. XREADGROUP, XACK and XAUTOCLAIM change
        # the group's state, so the consumed streams need read and write key permission; the
        # command list is what keeps the user from adding to them.
        selector = _rule([f"~{stream}" for stream in reads], _commands(CONSUMER_COMMANDS))
        rule += f" ({selector})"
    return rule


def subscriber_user(
    name: str, streams: Sequence[str], *, enabled: bool = True, with_password: bool = True
) -> str:
    """The ACL line of an outside subscriber that may read ``streams`` with its own group."""
    if not _USER_NAME.match(name) or name in (*SERVICES, ADMIN_USER, "default"):
        raise ValueError(f"{name!r} is not a free subscriber name (lowercase, digits, '-')")
    if not streams:
        raise ValueError("a subscriber needs at least one stream")
    password = [password_placeholder(name)] if with_password else ["resetpass"]
    return _rule(
        ["user", name, "on" if enabled else "off", *password, "resetchannels", "-@all"],
        _commands(CONNECTION_COMMANDS),
        _commands(SUBSCRIBER_COMMANDS),
        [f"~{stream}" for stream in streams],
    )


def all_event_streams() -> tuple[str, ...]:
    return tuple(event.stream() for event in CATALOG)


def acl_template() -> str:
    """The ACL file with password placeholders (Redis ACL files allow no comments)."""
    lines = [
        # Without this line Redis would create `default` with no password and every right.
        "user default off resetpass resetchannels -@all",
        f"user {ADMIN_USER} on {password_placeholder(ADMIN_USER)} ~* &* +@all",
        *(service_user(service) for service in SERVICES),
        # Disabled template: copy it under the subscriber's name (or use `purna deploy
        # subscriber`), narrow the streams, turn it `on` and give it a password.
        subscriber_user(
            SUBSCRIBER_TEMPLATE_USER, all_event_streams(), enabled=False, with_password=False
        ),
    ]
    return "\n".join(lines) + "\n"


class MissingPasswordError(LookupError):
    def __str__(self) -> str:
        return str(self.args[0])


def password_hash(password: str) -> str:
    """The ACL form of a password: ``#`` and its SHA-256, so the file holds no plain text."""
    return "#" + hashlib.sha256(password.encode()).hexdigest()


def render_acl(template: str, passwords: Mapping[str, str]) -> str:
    """Replace every ``${REDIS_PASSWORD_<USER>}`` with the hash of ``passwords[<variable>]``.

    Passwords must be at least 16 URL-unreserved characters (``A-Z a-z 0-9 . _ ~ -``), because
    the deployment puts them unescaped into ``REDIS_URL``.
    """
    missing = sorted({m for m in _PLACEHOLDER.findall(template) if not passwords.get(m)})
    if missing:
        raise MissingPasswordError(f"no password in the environment for: {', '.join(missing)}")

    def replace(match: re.Match[str]) -> str:
        password = passwords[match.group(1)]
        if not _PASSWORD.match(password):
            raise ValueError(
                f"{match.group(1)} must be at least 16 characters of A-Z a-z 0-9 . _ ~ - "
                "(it is put unescaped into REDIS_URL); e.g. `openssl rand -hex 32`"
            )
        return password_hash(password)

    return _PLACEHOLDER.sub(replace, template)


def compose_acl() -> str:
    """The ACL users with the development passwords docker-compose uses."""
    users = (ADMIN_USER, *SERVICES)
    return render_acl(acl_template(), {password_variable(u): dev_password(u) for u in users})


def init_databases_sql() -> str:
    """The development PostgreSQL's databases: one per service, owned by its own role."""
    head = (
        "-- One database per service, each owned by the service's own role, so that no service "
        "can\n-- read another's tables (development passwords: docker-compose only).\n"
        "-- Runs once, when the PostgreSQL volume is first initialised.\n"
    )
    blocks = [
        f"CREATE ROLE {s} LOGIN PASSWORD '{dev_password(s)}';\n"
        f"CREATE DATABASE {s} OWNER {s};\n"
        f"REVOKE CONNECT, TEMPORARY ON DATABASE {s} FROM PUBLIC;\n"
        for s in SERVICES
    ]
    return head + "\n" + "\n".join(blocks)


def _data_service(name: str, image: str, port: int, uid: int, pod: dict[str, Any]) -> list[Any]:
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "purna-dev-data"}
    container = pod["containers"][0]
    container.update(
        name=name,
        image=image,
        ports=[{"name": name, "containerPort": port, "protocol": "TCP"}],
        resources={
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
        securityContext={
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
        },
    )
    container["volumeMounts"] = [
        *container.get("volumeMounts", []),
        {"name": "data", "mountPath": "/data" if name == "redis" else "/var/lib/postgresql/data"},
        {"name": "tmp", "mountPath": "/tmp"},
        *([{"name": "run", "mountPath": "/var/run/postgresql"}] if name == "postgres" else []),
    ]
    pod["volumes"] = [
        *pod.get("volumes", []),
        {"name": "tmp", "emptyDir": {}},
        *([{"name": "run", "emptyDir": {}}] if name == "postgres" else []),
    ]
    pod["securityContext"] = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    pod["automountServiceAccountToken"] = False
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "selector": {"app.kubernetes.io/name": name},
                "ports": [{"name": name, "port": port, "targetPort": name, "protocol": "TCP"}],
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": name, "labels": labels},
            "spec": {
                "serviceName": name,
                "replicas": 1,
                "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                "template": {"metadata": {"labels": labels}, "spec": pod},
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "1Gi"}},
                        },
                    }
                ],
            },
        },
    ]


def dev_data_yaml() -> str:
    """Redis (with the development ACL users) and PostgreSQL (one database per service) for the
    dev overlay, as docker-compose runs them: a development cluster needs nothing else."""
    import yaml

    acl = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "redis-users", "labels": {"app.kubernetes.io/name": "redis"}},
        "data": {"users.acl": compose_acl()},
    }
    init = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "postgres-init", "labels": {"app.kubernetes.io/name": "postgres"}},
        "data": {"init-databases.sql": init_databases_sql()},
    }
    redis = _data_service(
        "redis",
        "redis:7.4-alpine",
        6379,
        999,
        {
            "containers": [
                {
                    "command": ["redis-server"],
                    "args": [
                        *("--appendonly", "yes", "--appendfsync", "everysec", "--dir", "/data"),
                        *("--aclfile", "/etc/redis/users.acl"),
                    ],
                    "volumeMounts": [{"name": "users", "mountPath": "/etc/redis"}],
                }
            ],
            "volumes": [{"name": "users", "configMap": {"name": "redis-users"}}],
        },
    )
    postgres = _data_service(
        "postgres",
        "postgres:16-alpine",
        5432,
        70,  # the alpine image's postgres user
        {
            "containers": [
                {
                    "env": [
                        {"name": "POSTGRES_USER", "value": "postgres"},
                        {"name": "POSTGRES_PASSWORD", "value": "postgres-dev-password"},
                        {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
                    ],
                    "volumeMounts": [{"name": "init", "mountPath": "/docker-entrypoint-initdb.d"}],
                }
            ],
            "volumes": [{"name": "init", "configMap": {"name": "postgres-init"}}],
        },
    )
    header = (
        "# Generated by `purna deploy generate`: do not edit by hand. DEVELOPMENT ONLY.\n"
        "# Redis 7 with the ACL users of deploy/compose/redis/users.acl and PostgreSQL 16 with\n"
        "# deploy/compose/postgres/init-databases.sql, as docker-compose runs them.\n"
    )
    objects = [acl, *redis, init, *postgres]
    return header + yaml.safe_dump_all(objects, sort_keys=False, explicit_start=True)


# -- KEDA ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerScaling:
    """Bounds of a worker's ScaledObject; overlays patch them (see deploy/README.md)."""

    min_replicas: int = 1  # never 0: the worker also runs the outbox relay
    max_replicas: int = 4
    lag_per_replica: int = 500
    polling_interval: int = 15
    cooldown_period: int = 300
    scale_down_window: int = 300


def _labels(service: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": f"{service}-worker",
        "app.kubernetes.io/component": "worker",
        "app.kubernetes.io/part-of": "purna",
    }


def _trigger_name(stream: str) -> str:
    """``purna.session-completed.v1`` -> ``session-completed-v1`` (a trigger's metric name)."""
    return by_type(stream).event_type().removeprefix("purna.").replace(".", "-")


def scaled_object(service: str, scaling: WorkerScaling = WorkerScaling()) -> dict[str, Any]:
    """The KEDA ScaledObject of ``service``'s worker: one lag trigger per consumed stream."""
    streams = streams_consumed_by(service)
    if not streams:
        raise ValueError(f"{service} consumes no stream; scale its worker on CPU instead")
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": f"{service}-worker", "labels": _labels(service)},
        "spec": {
            "scaleTargetRef": {"name": f"{service}-worker"},
            "pollingInterval": scaling.polling_interval,
            "cooldownPeriod": scaling.cooldown_period,
            "minReplicaCount": scaling.min_replicas,
            "maxReplicaCount": scaling.max_replicas,
            "advanced": {
                "horizontalPodAutoscalerConfig": {
                    "behavior": {
                        "scaleDown": {"stabilizationWindowSeconds": scaling.scale_down_window}
                    }
                }
            },
            "triggers": [
                {
                    "type": "redis-streams",
                    "name": _trigger_name(stream),
                    "metadata": {
                        # env of the worker container: REDIS_ADDRESS is host:port
                        "addressFromEnv": "REDIS_ADDRESS",
                        "usernameFromEnv": "REDIS_USERNAME",
                        "passwordFromEnv": "REDIS_PASSWORD",
                        "stream": stream,
                        "consumerGroup": service,
                        "lagCount": str(scaling.lag_per_replica),
                        "activationLagCount": "1",
                    },
                }
                for stream in streams
            ],
        },
    }


def scaled_objects_yaml() -> str:
    import yaml

    objects = [scaled_object(s) for s in SERVICES if streams_consumed_by(s)]
    header = (
        "# Generated by `purna deploy generate` from the event catalog: do not edit by hand.\n"
        "# One ScaledObject per worker that consumes streams; one lag trigger per stream.\n"
    )
    return header + yaml.safe_dump_all(objects, sort_keys=False, explicit_start=True)


def generated_files() -> dict[Path, str]:
    """Every generated file, relative to the deploy directory, with its expected content."""
    return {
        ACL_TEMPLATE_PATH: acl_template(),
        ACL_COMPOSE_PATH: compose_acl(),
        INIT_DATABASES_PATH: init_databases_sql(),
        SCALED_OBJECTS_PATH: scaled_objects_yaml(),
        DEV_DATA_PATH: dev_data_yaml(),
    }


def stale_files(deploy_dir: Path) -> list[Path]:
    return [
        deploy_dir / relative
        for relative, content in generated_files().items()
        if not (deploy_dir / relative).is_file()
        or (deploy_dir / relative).read_text(encoding="utf-8") != content
    ]


# -- CLI ----------------------------------------------------------------------------------------

deploy_app = typer.Typer(
    no_args_is_help=True,
    help="Deployment artefacts from the event catalog: Redis ACL users, KEDA scalers.",
)

_DEPLOY_DIR = typer.Option(Path("deploy"), "--deploy-dir", help="the repository's deploy/")


@deploy_app.command("generate")
def generate(
    deploy_dir: Path = _DEPLOY_DIR,
    check: bool = typer.Option(False, "--check", help="only report stale files (exit 1)"),
) -> None:
    """(Re)write the generated files under deploy/ from the event catalog."""
    stale = stale_files(deploy_dir)
    if check:
        for path in stale:
            typer.echo(f"stale: {path} (run `purna deploy generate`)", err=True)
        raise typer.Exit(1 if stale else 0)
    for relative, content in generated_files().items():
        path = deploy_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        typer.echo(f"{'wrote' if path in stale else 'unchanged'} {path}")


@deploy_app.command("acl")
def acl(
    render: bool = typer.Option(
        False,
        "--render",
        help="replace each ${REDIS_PASSWORD_<USER>} with the SHA-256 of that environment "
        "variable's value (the file Redis loads)",
    ),
    template: Path | None = typer.Option(
        None, help="render this file instead of the catalog's users (e.g. with subscribers)"
    ),
    out: Path | None = typer.Option(None, help="write here instead of standard output"),
) -> None:
    """Print the Redis ACL users generated from the event catalog."""
    text = template.read_text(encoding="utf-8") if template else acl_template()
    if render:
        try:
            text = render_acl(text, os.environ)
        except (MissingPasswordError, ValueError) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        out.chmod(0o600)


@deploy_app.command("subscriber")
def subscriber(
    name: str = typer.Argument(..., help="the subscriber's user name, e.g. sisko-p2mi"),
    event: list[str] = typer.Option(
        ...,
        "--event",
        help="event type it is granted, e.g. purna.session-completed.v1 (repeat)",
    ),
) -> None:
    """Print the ACL line of a read-only outside subscriber, for the operator's ACL file."""
    try:
        streams = [by_type(e).stream() for e in event]
        typer.echo(subscriber_user(name, streams))
    except (LookupError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
