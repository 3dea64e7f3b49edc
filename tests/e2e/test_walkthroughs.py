"""A newcomer's first hour, from the docs themselves: the README's quick start (`make run`), then
every walkthrough of docs/integrating.md against it, commands taken from the files as written.

Blocks a newcomer runs are marked ``<!-- walkthrough: repository -->`` (run in the repository)
or ``<!-- walkthrough: your folder -->`` (an outside team's own folder). A line ending in
``# until Ctrl-C`` runs until the reader stops it: the test waits for what the doc promises, then
sends Ctrl-C (SIGINT to its process group, as a terminal does) and expects a quiet end.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from purna.services import CONSOLE, SERVICES
from purna_shared.net import free_port

REPO = Path(__file__).parents[2]
README = REPO / "README.md"
GUIDE = REPO / "docs" / "integrating.md"
UNTIL_CTRL_C = "# until Ctrl-C"
WHERE = ("repository", "your folder")


@dataclass(frozen=True)
class Block:
    where: str
    script: str


def walkthrough_blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    found = re.findall(r"<!-- walkthrough: ([^>]+?) -->\n```sh\n(.*?)```", text, flags=re.S)
    return [Block(where, script) for where, script in found]


def quick_start_commands() -> list[str]:
    match = re.search(r"## Quick start\n+```sh\n(.*?)```", README.read_text(), flags=re.S)
    assert match, "the README has no quick start block"
    return [line.split("#")[0].strip() for line in match.group(1).splitlines() if line.strip()]


@pytest.mark.unit
def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    assert quick_start_commands() == ["make run", "make test"]
    ci = [
        line.strip()
        for line in (REPO / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ci[-1] == "make test"


@pytest.mark.unit
def test_the_guide_marks_its_walkthroughs() -> None:
    blocks = walkthrough_blocks(GUIDE)
    assert len(blocks) >= 4
    assert {b.where for b in blocks} == set(WHERE)
    # every sh block of the guide is a walkthrough: none escapes the test
    assert len(re.findall(r"```sh\n", GUIDE.read_text())) == len(blocks)


class Output:
    """A process's merged output, read by a thread so the process never blocks on a pipe."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        assert process.stdout is not None
        stdout = process.stdout

        def pump() -> None:
            for line in stdout:
                with self._changed:
                    self.lines.append(line)
                    self._changed.notify_all()

        self.thread = threading.Thread(target=pump, daemon=True)
        self.thread.start()

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, done: Callable[[str], bool], timeout: float, process_: Popen) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self.text):
                if process_.poll() is not None or time.monotonic() > deadline:
                    break
                self._changed.wait(1)
        return self.text


Popen = subprocess.Popen[str]


def start(command: str, cwd: Path, env: dict[str, str]) -> tuple[Popen, Output]:
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
    )
    return process, Output(process)


def ctrl_c(process: Popen, output: Output, timeout: float = 60) -> str:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"still running {timeout:.0f}s after Ctrl-C:\n{output.text[-3000:]}")
    output.thread.join(10)
    return output.text


_ENV_MARK = "__walkthrough_env__"


@dataclass
class Shell:
    """Runs a walkthrough's commands as a reader would in one terminal: exports carry over."""

    env: dict[str, str]
    folders: dict[str, Path]
    background: list[tuple[Popen, Output]] = field(default_factory=list)

    def run(self, block: Block) -> str:
        """Run the block's lines up to its first `until Ctrl-C` line; returns their output.
        That line, if any, is started and left running in ``self.background``."""
        lines = block.script.splitlines()
        until = next((i for i, line in enumerate(lines) if line.endswith(UNTIL_CTRL_C)), None)
        head = lines if until is None else lines[:until]
        script = "set -euo pipefail\n" + "\n".join(head) + f"\necho {_ENV_MARK}\nenv -0\n"
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.folders[block.where],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{block.script}\nfailed:\n{done.stdout}\n{done.stderr}"
        said, _, dumped = done.stdout.partition(f"{_ENV_MARK}\n")
        self.env = dict(item.split("=", 1) for item in dumped.split("\0") if "=" in item)
        if until is not None:
            command = lines[until].removesuffix(UNTIL_CTRL_C).strip()
            self.background.append(start(command, self.folders[block.where], self.env))
        return said + done.stderr


def newcomer_env(data_dir: Path) -> dict[str, str]:
    """A fresh terminal: no Redis or database configured, nothing from the test run's make."""
    drop = ("REDIS_URL", "DATABASE_URL", "STREAM_PREFIX", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.endswith("_DATABASE_URL")}
    env["PATH"] = f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"  # uv, as installed
    # Beside the suite's other runs: its own data and ports (the README's defaults otherwise).
    env["DATA_DIR"] = str(data_dir)
    for service in (*SERVICES, CONSOLE):
        env[f"{service.env_prefix}HTTP_PORT"] = str(free_port())
    return env


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[Popen, Output, dict[str, str]]]:
    env = newcomer_env(tmp_path / "var")
    process, output = start(quick_start_commands()[0], REPO, env)
    try:
        yield process, output, env
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.e2e
def test_a_newcomer_follows_the_quick_start_and_the_integration_guide(
    make_run: tuple[Popen, Output, dict[str, str]], tmp_path: Path
) -> None:
    process, output, env = make_run
    text = output.wait_for(lambda t: "Serving." in t, 420, process)
    assert "Serving." in text, text[-5000:]
    total = re.search(r"│ total(?:\s+│)+\s+(\d+) │\s+(\d+) │", text)
    assert total, text[-3000:]
    # the demo table's total row: registered, enrolled (6 NTB, 2 Jawa Timur and 1 Papua sessions)
    assert total.groups() == ("180", "180")

    team = tmp_path / "team"
    team.mkdir()
    shell = Shell(env, {"repository": REPO, "your folder": team})
    said = []
    for block in walkthrough_blocks(GUIDE):
        if block.where == "your folder" and not list(team.glob("*.whl")):
            # "a folder of your own holding that wheel and the subscriber"
            for wheel in (REPO / "dist").glob("purna_shared-*.whl"):
                shutil.copy(wheel, team)
            shutil.copy(REPO / "docs" / "examples" / "subscriber.py", team)
            assert [w.name for w in team.glob("*.whl")] == [
                "purna_shared-0.1.0-py3-none-any.whl"
            ], "the guide's wheel name is not what `make dist` builds"
        said.append(shell.run(block))
        if shell.background:
            subscriber, printed = shell.background.pop()
            # the demo completed six sessions: one line for each, then it waits for more
            seen = printed.wait_for(lambda t: t.count(" completed (+") >= 6, 180, subscriber)
            assert seen.count(" completed (+") == 6, seen
            ended = ctrl_c(subscriber, printed)
            assert subscriber.returncode == 0, ended
            assert "Traceback" not in ended
            assert (team / "dashboard.db").is_file()  # where the guide says its data is

    cli = said[-1]
    assert "specversion" in cli and "purna.session-completed.v1" in cli  # an entry was read
    assert re.search(r"^1$", cli, flags=re.M)  # XACK acknowledged one entry

    ended = ctrl_c(process, output)
    after = ended.split("Serving.", 1)[1]
    assert "stopping ..." in after
    assert "Traceback" not in after
    assert not (tmp_path / "var" / "purna.json").exists()
