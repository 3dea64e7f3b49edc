"""The commands of ``purna`` that run the local system (see ``purna.cli`` for the rest)."""

from __future__ import annotations

from pathlib import Path

import typer


def migrate() -> None:
    """Bring every service's database to the latest schema."""
    from .runner import System

    System().migrate()


def run(
    demo: bool = typer.Option(True, help="run the demo campaign once the services are up"),
    data_dir: Path = typer.Option(
        Path("var"), envvar="DATA_DIR", help="embedded Redis data, SQLite files, logs"
    ),
) -> None:
    """Start Redis (embedded unless REDIS_URL is set), migrate, start every api and worker,
    run the demo campaign, and keep serving until Ctrl-C."""
    from rich.console import Console

    from .runner import System, serve_forever
    from .services import CONSOLE, SERVICES

    console = Console(soft_wrap=True)
    system = System(data_dir)
    try:
        system.start_redis()
        system.migrate()
        system.start_services()
        system.wait_ready()
        system.write_state()
        console.print("[green]all services ready[/]")
        if demo:
            from .demo import run_demo

            run_demo(ports=system.ports)
        console.print()
        for service in SERVICES:
            console.print(
                f"  {service.name:<13} http://127.0.0.1:{system.ports[service.name]}/docs"
            )
        console.print(
            f"  [bold]{'console':<13} http://127.0.0.1:{system.ports[CONSOLE.name]}/[/]"
            "  (Konsol Purna: sign in with a role)"
        )
        console.print("Serving. Tokens: `purna token --role admin`. Press Ctrl-C to stop.")
        serve_forever(system)
    finally:
        console.print("stopping ...")
        system.stop()


def demo(
    seed: int = typer.Option(2024, help="random seed for the generated participants"),
) -> None:
    """Run the demo campaign against the running services (those of `make run`, else ports
    8001-8004)."""
    from .demo import run_demo
    from .local import read_state

    state = read_state()
    run_demo(seed=seed, ports=state.api_ports if state else None)


def redis_url(
    user: str = typer.Option(
        "admin", "--user", help="admin, subscriber, or a service's own user (registration ...)"
    ),
) -> None:
    """Print the Redis URL (with password) of USER in the system `make run` is running, e.g.
    `redis-cli -u "$(purna redis-url --user subscriber)" ...`."""
    from .local import LocalSystemError, read_state

    state = read_state()
    if state is None:
        raise LocalSystemError(
            "no local system is running here (no var/purna.json): start it with `make run`"
        )
    if user not in state.redis_urls:
        raise typer.BadParameter(
            f"no user {user!r}; the local system has: {', '.join(state.redis_urls)}",
            param_hint="'--user'",
        )
    typer.echo(state.redis_urls[user])
