"""The `purna` command's top level: fast help, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from purna.cli import COMMANDS, main

pytestmark = pytest.mark.unit

HEAVY = ("typer", "rich", "sqlalchemy", "pydantic", "redis", "httpx", "fastapi", "purna_shared")


def test_help_imports_no_command_module() -> None:
    """`purna --help` lists every command from the table alone, so it starts at once."""
    probe = (
        "import sys\nfrom purna.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    code = e.code\n"
        "print('CODE', code)\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert "CODE 0" in result.stdout
    assert "LOADED []" in result.stdout
    for name in COMMANDS:
        assert f"  {name} " in result.stdout


def test_unknown_command_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["nope"])
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert err == "purna: no command 'nope' (see `purna --help`)\n"
    assert out == ""


def test_a_command_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["token", "--role", "operator"])
    assert exit_.value.code == 2
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1
    assert "--role operator needs --office" in err
