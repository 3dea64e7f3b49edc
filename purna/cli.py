"""The ``purna`` command: one entry point for every routine task."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from purna_registration.entrypoints.cli import import_command
from purna_shared.cli import app as shared_app

from .deploy import deploy_app

app = typer.Typer(
    no_args_is_help=True,
    help="Purna: run, inspect and operate the P2MI empowerment services.",
    pretty_exceptions_enable=False,
)
console = Console()

# Shared commands (dlq, token, schemas) appear at the top level: `purna dlq list`, `purna token`.
for group in shared_app.registered_groups:
    app.registered_groups.append(group)
for command in shared_app.registered_commands:
    app.registered_commands.append(command)
app.add_typer(deploy_app, name="deploy")
# bulk intake through the registration API: `purna import FILE --office NTB`
app.command("import")(import_command)


@app.command()
def migrate() -> None:
    """Bring every service's database to the latest schema."""
    from .runner import System

    System().migrate()


@app.command()
def run(
    demo: bool = typer.Option(True, help="run the demo campaign once the services are up"),
    data_dir: Path = typer.Option(Path("var"), help="embedded Redis data, SQLite files, logs"),
) -> None:
    """Start Redis (embedded unless REDIS_URL is set), migrate, start every api and worker,
    run the demo campaign, and keep serving until Ctrl-C."""
    from .runner import System, serve_forever
    from .services import CONSOLE, SERVICES

    system = System(data_dir)
    try:
        system.start_redis()
        system.migrate()
        system.start_services()
        system.wait_ready()
        console.print("[green]all services ready[/]")
        if demo:
            from .demo import run_demo

            run_demo(ports=system.ports)
        console.print()
        for service in SERVICES:
            console.print(f"  {service.name:<13} http://127.0.0.1:{service.port}/docs")
        console.print(
            f"  [bold]{'console':<13} http://127.0.0.1:{system.ports[CONSOLE.name]}/[/]"
            "  (Konsol Purna: sign in with a role)"
        )
        console.print("Serving. Tokens: `purna token --role admin`. Press Ctrl-C to stop.")
        serve_forever(system)
    finally:
        console.print("stopping ...")
        system.stop()


@app.command()
def demo(
    seed: int = typer.Option(2024, help="random seed for the generated participants"),
) -> None:
    """Run the demo campaign against services already running on ports 8001-8004."""
    from .demo import run_demo

    run_demo(seed=seed)


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
