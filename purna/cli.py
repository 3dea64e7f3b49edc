"""The ``purna`` command: one entry point for every routine task.

The top level knows each command only by name, a one-line help and where it lives: a command's
module (and with it Typer, SQLAlchemy, FastAPI, redis ...) is imported only when that command
runs, so ``purna --help`` answers at once. Errors end as one line on standard
error and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer


@dataclass(frozen=True)
class Entry:
    target: str  # "module:attribute": a Typer app, or a function to wrap as one command
    help: str
    #: what the command talks to, found in the running local system when the environment
    #: sets nothing: "redis" (REDIS_URL), "apis" (the services' HTTP ports)
    uses: tuple[str, ...] = ()


COMMANDS: dict[str, Entry] = {
    "run": Entry(
        "purna.commands:run",
        "Start Redis (embedded unless REDIS_URL is set), migrate, start every api and worker, "
        "run the demo, serve until Ctrl-C.",
    ),
    "migrate": Entry(
        "purna.commands:migrate", "Bring every service's database to the latest schema."
    ),
    "demo": Entry(
        "purna.commands:demo", "Run the demo campaign against the running services.", ("apis",)
    ),
    "import": Entry(
        "purna_registration.entrypoints.cli:import_command",
        "Upload a CSV/XLSX of participants to the registration API and follow it to the end.",
        ("apis",),
    ),
    "token": Entry("purna_shared.cli.token:token", "Print a development bearer token for a role."),
    # purna.recovery adds `dlq restore` (from the services' databases) to the shared dlq app
    "dlq": Entry(
        "purna.recovery:dlq_app",
        "Inspect, redrive and restore dead-lettered entries.",
        ("redis",),
    ),
    "outbox": Entry(
        "purna.recovery:outbox_app",
        "Re-publish events kept in the outboxes (runbook: Redis lost its data).",
        ("redis",),
    ),
    "redis-url": Entry(
        "purna.commands:redis_url",
        "Print the Redis URL of a user of the running local system (for redis-cli, subscribers).",
    ),
    "schemas": Entry(
        "purna_shared.cli.schemas:schemas_app", "Event JSON Schemas and the AsyncAPI document."
    ),
    "deploy": Entry(
        "purna.deploy:deploy_app",
        "Deployment artefacts from the event catalog: Redis ACL users, KEDA scalers.",
    ),
}


HELP = """Usage: purna COMMAND [ARGS]...  (purna COMMAND --help for its options)

Purna: run, inspect and operate the P2MI empowerment services.

Commands that talk to Redis or the APIs use REDIS_URL / PURNA_REGISTRATION_URL when set,
else the system that `make run` is running here (./var/purna.json), and say which they used.

Commands:
"""


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    return HELP + "".join(f"  {name:<{width}}  {entry.help}\n" for name, entry in COMMANDS.items())


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def typer_app(*names: str) -> typer.Typer:
    """A Typer app of the named commands (all by default), importing only their modules."""
    import typer

    root = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
    root.callback()(lambda: None)  # a group, so a command keeps its name: `purna dlq list`
    for name in names or COMMANDS:
        module, attribute = COMMANDS[name].target.split(":")
        target = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):
            root.add_typer(target, name=name)
        else:
            root.command(name)(target)
    return root


def __getattr__(name: str) -> Any:
    # `from purna.cli import app` (tests with typer's CliRunner): every command, eagerly
    if name == "app":
        return typer_app()
    raise AttributeError(name)


def run_command(name: str, args: list[str]) -> int:
    """Import only NAME's module, and run it as `purna NAME ARGS`."""
    import typer
    from typer._click.exceptions import ClickException, UsageError  # typer's own click

    from .local import LocalSystemError, find_local_system

    try:
        root = typer_app(name)
        if not {"--help", "-h"} & set(args):
            find_local_system(COMMANDS[name].uses)
        result: Any = typer.main.get_command(root).main(
            args=[name, *args], prog_name="purna", standalone_mode=False
        )
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else f"purna {name}"
        typer.echo(f"{where}: {_one_line(exc)} (see `{where} --help`)", err=True)
        return exc.exit_code
    except (ClickException, LocalSystemError) as exc:
        typer.echo(f"purna {name}: {_one_line(exc)}", err=True)
        return getattr(exc, "exit_code", 1)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo(f"purna {name}: interrupted", err=True)
        return 130
    except Exception as exc:
        # a server that does not answer or refuses us is the user's situation, not a bug
        if type(exc).__module__.split(".")[0] in ("redis", "httpx", "httpcore"):
            typer.echo(f"purna {name}: {type(exc).__name__}: {_one_line(exc)}", err=True)
            return 1
        raise
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("--help", "-h"):
        sys.stdout.write(usage())
        sys.exit(0 if args else 2)
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        sys.stderr.write(f"purna: no command {name!r} (see `purna --help`)\n")
        sys.exit(2)
    sys.exit(run_command(name, rest))
