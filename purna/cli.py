"""The `purna` command: one entry point for every routine task."""

from __future__ import annotations

import typer

from purna_registration.entrypoints.cli import import_command

from .deploy import deploy_app

app = typer.Typer(no_args_is_help=True, help="Purna: run, inspect and operate the services.")
app.add_typer(deploy_app, name="deploy")
# bulk intake through the registration API: `purna import FILE --office NTB`
app.command("import")(import_command)


def main() -> None:
    app()
