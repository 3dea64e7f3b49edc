"""Mutation testing of the domain rules with cosmic-ray: ``make mutate``.

Every ``services/*/src/*/domain/*.py`` module is mutated with a fixed operator set (see
``CORE_OPERATORS`` and ``operators.py``) and each mutant runs against its service's fast unit
tests (``-m unit``: no Redis, no PostgreSQL). A mutant is *killed* when a test fails, a
*timeout* when the tests hang (counted as killed), a *survivor* otherwise. Survivors that can't
change behaviour are listed, with a reason each, in ``equivalent.toml``; the score is
``killed / (mutants - equivalent)``.

cosmic-ray mutates files in place, so each worker process works in its own copy of the sources
and tests under ``var/mutation/worker-N`` (its ``PYTHONPATH`` puts that copy before the editable
installs): the working tree is never touched, and workers run side by side. cosmic-ray's own
session databases (``var/mutation/sessions/*.sqlite``) hold every result; ``cr-report`` and
``cr-html`` read them. The summary goes to the terminal and to ``var/mutation/report.md`` (the
table per module, then every survivor's diff) and ``var/mutation/summary.json``.

    python tests/mutation/mutate.py [--workers 2] [--modules credit/allocation nik ...]
"""

from __future__ import annotations

import argparse
import ast
import compileall
import fnmatch
import gc
import hashlib
import importlib
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import time
import tomllib
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cosmic_ray.plugins
from cosmic_ray.ast import ast_nodes, get_ast_from_path
from cosmic_ray.ast.ast_query import ASTQuery
from cosmic_ray.mutating import _make_diff, use_mutation
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import MutationSpec, TestOutcome, WorkerOutcome, WorkItem, WorkResult

sys.path.insert(0, str(Path(__file__).resolve().parent))
from operators import OPERATORS, PurnaOperatorProvider

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VAR = Path(os.environ.get("PURNA_MUTATION_DIR", ROOT / "var" / "mutation")).resolve()

# One mutant per site for each kind of slip a rule can suffer: arithmetic turned around, a
# boundary moved (< to <=), an equality or identity negated, a sign or a `not` lost, a
# condition negated, a boolean or `and`/`or` flipped, a number off by one, a loop skipped, an
# exception handler that no longer catches. Left out: bitwise operators (the domain has none;
# `X | None` annotations would only yield noise), the exotic cross-replacements (`+` to `<<`),
# decorator removal and cosmic-ray's variable replacer/inserter (random, not reproducible).
CORE_OPERATORS = (
    "ReplaceBinaryOperator_Add_Sub",
    "ReplaceBinaryOperator_Sub_Add",
    "ReplaceBinaryOperator_Mul_Div",
    "ReplaceBinaryOperator_Div_Mul",
    "ReplaceBinaryOperator_FloorDiv_Mul",
    "ReplaceBinaryOperator_Mod_FloorDiv",
    "ReplaceBinaryOperator_Pow_Mul",
    "ReplaceComparisonOperator_Eq_NotEq",
    "ReplaceComparisonOperator_NotEq_Eq",
    "ReplaceComparisonOperator_Eq_IsNot",
    "ReplaceComparisonOperator_NotEq_Is",
    "ReplaceComparisonOperator_Lt_LtE",
    "ReplaceComparisonOperator_LtE_Lt",
    "ReplaceComparisonOperator_Gt_GtE",
    "ReplaceComparisonOperator_GtE_Gt",
    "ReplaceComparisonOperator_Is_IsNot",
    "ReplaceComparisonOperator_IsNot_Is",
    "ReplaceUnaryOperator_USub_UAdd",
    "ReplaceUnaryOperator_Delete_Not",
    "AddNot",
    "ReplaceTrueWithFalse",
    "ReplaceFalseWithTrue",
    "ReplaceAndWithOr",
    "ReplaceOrWithAnd",
    "ReplaceBreakWithContinue",
    "ReplaceContinueWithBreak",
    "ExceptionReplacer",
    "NumberReplacer",
    "ZeroIterationForLoop",
)
OPERATOR_NAMES = tuple(f"core/{name}" for name in CORE_OPERATORS) + tuple(
    f"purna/{name}" for name in OPERATORS
)


def register_operators() -> None:
    """Make the ``purna/...`` operators known to cosmic-ray in this process (and its forks)."""
    cosmic_ray.plugins.OPERATOR_PROVIDERS["purna"] = PurnaOperatorProvider()


@dataclass(frozen=True)
class Module:
    path: Path  # relative to the repository root (and to each worker's copy)
    service: str

    @property
    def name(self) -> str:
        """``credit/allocation``: what ``--modules`` and ``equivalent.toml`` call it."""
        return f"{self.service}/{self.path.stem}"

    @property
    def dotted(self) -> str:
        return ".".join(self.path.with_suffix("").parts[3:])

    @property
    def tests(self) -> str:
        return f"tests/{self.service}/unit"


def _imports(path: Path, package: str) -> set[str]:
    """Dotted names a file imports (``from a.b import c`` counts as ``a.b`` and ``a.b.c``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def relevant_tests(module: Module) -> list[str]:
    """The unit test files that import the module, or anything that imports it in turn: the
    only tests that can kill its mutants. Fewer files to import makes each mutant cheaper."""
    src = ROOT / module.path.parents[2]
    graph: dict[str, set[str]] = {}
    for path in src.rglob("*.py"):
        dotted = ".".join(path.relative_to(src).with_suffix("").parts)
        package = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
        graph[dotted.removesuffix(".__init__")] = _imports(path, package)
    affected = {module.dotted}
    while True:
        more = {name for name, deps in graph.items() if deps & affected} - affected
        if not more:
            break
        affected |= more
    files = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / module.tests).rglob("test_*.py")
        if _imports(path, "") & affected
    )
    return files or [module.tests]


def discover(patterns: list[str]) -> list[Module]:
    modules = []
    for path in sorted(ROOT.glob("services/*/src/*/domain/*.py")):
        if path.name == "__init__.py":
            continue
        module = Module(path.relative_to(ROOT), path.parts[len(ROOT.parts) + 1])
        if not patterns or any(
            fnmatch.fnmatch(module.name, p) or fnmatch.fnmatch(module.name, f"*/{p}")
            for p in patterns
        ):
            modules.append(module)
    return modules


def pytest_args(tests: list[str]) -> list[str]:
    """The fast unit tier (``-m unit``); the first failure ends the run."""
    return [
        *("-x", "-q", "--no-header", "-p", "no:cacheprovider", "-p", "asyncio", "--assert=plain"),
        # its full garbage collections at exit cost more than the tests of a domain module
        *("-p", "no:unraisableexception"),
        *("-o", "addopts=", "--import-mode=importlib", "-m", "unit", *tests),
    ]


def test_env(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(copy / "shared" / "src"), *(str(p) for p in sorted(copy.glob("services/*/src")))]
    )
    # Only the plugins the unit tier needs (pytest-asyncio, named in the command): the other
    # auto-loaded ones (schemathesis, testcontainers...) cost seconds on every mutant.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    # Derandomised Hypothesis with fewer examples (tests/conftest.py): a mutant is killed or
    # not the same way on every run.
    env["PURNA_HYPOTHESIS_PROFILE"] = "mutation"
    return env


def make_copy(copy: Path) -> None:
    if copy.exists():
        shutil.rmtree(copy)
    copy.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    shutil.copytree(ROOT / "shared" / "src", copy / "shared" / "src", ignore=ignore)
    for src in sorted(ROOT.glob("services/*/src")):
        shutil.copytree(src, copy / src.relative_to(ROOT), ignore=ignore)
    shutil.copytree(ROOT / "tests", copy / "tests", ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", copy / "pyproject.toml")
    # Bytecode checked by source hash, so a mutated file is always recompiled whatever its mtime.
    compileall.compile_dir(
        copy,
        quiet=1,
        invalidation_mode=compileall.py_compile.PycInvalidationMode.CHECKED_HASH,
    )


def all_mutations(module: Module) -> Iterator[MutationSpec]:
    tree = get_ast_from_path(ROOT / module.path)
    for operator_name in OPERATOR_NAMES:
        operator = cosmic_ray.plugins.get_operator(operator_name)()
        positions = (
            (node, start, end)
            for node in ast_nodes(tree)
            for start, end in operator.mutation_positions(node)
        )
        for occurrence, (node, start, end) in enumerate(positions):
            yield MutationSpec(
                module_path=module.path,
                operator_name=operator_name,
                occurrence=occurrence,
                start_pos=start,
                end_pos=end,
                operator_args={},
                definition_name=ASTQuery(node).get_definition_name(),
            )


def session_path(module: Module) -> Path:
    return VAR / "sessions" / f"{module.name.replace('/', '__')}.sqlite"


def init_session(module: Module, resume: bool, retry_survivors: bool) -> None:
    """A fresh session, or the last one kept when asked and the module's source is unchanged
    (its mutants are then the same): ``resume`` runs what is not done yet, ``retry_survivors``
    also reruns the survivors, e.g. after adding tests (a killed mutant stays killed when tests
    are only added)."""
    path = session_path(module)
    digest = hashlib.sha256((ROOT / module.path).read_bytes()).hexdigest()
    stamp = path.with_suffix(".sha256")
    keep = (resume or retry_survivors) and path.exists() and stamp.exists()
    if keep and stamp.read_text().strip() == digest:
        if retry_survivors:
            with sqlite3.connect(path) as db:
                db.execute(
                    "DELETE FROM work_results WHERE test_outcome IN ('SURVIVED', 'survived')"
                )
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with use_db(path, WorkDB.Mode.create) as db:
        db.add_work_items(
            WorkItem.single(job_id=uuid.uuid4().hex, mutation=spec)
            for spec in all_mutations(module)
        )
    stamp.write_text(digest + "\n")


# --- worker processes -------------------------------------------------------------------------

# Each worker is a fork server: it imports the third-party packages the tests use once (pytest,
# Hypothesis, pydantic, SQLAlchemy...), then forks a child per mutant that imports Purna's own
# modules afresh from its copy (mutated) and runs pytest in-process. Starting an interpreter and
# importing those packages for every mutant would cost seconds; a fork costs milliseconds.


def _init_worker(copies: Any, preload: list[str]) -> None:
    register_operators()
    copy: Path = copies.get()
    os.chdir(copy)
    os.environ.clear()
    os.environ.update(test_env(copy))
    sys.path[:0] = os.environ["PYTHONPATH"].split(os.pathsep)
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # a module that can't be preloaded is imported per mutant instead
            continue
    # What is loaded now is shared by every fork; frozen, the children's collections skip it.
    gc.freeze()


def run_tests_forked(args: list[str], timeout: float) -> tuple[TestOutcome, str]:
    out = Path(f".mutant-{os.getpid()}.log")
    pid = os.fork()
    if pid == 0:  # the child: run pytest on the (mutated) sources, never return
        code = 3
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            import pytest

            code = int(pytest.main(args))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return TestOutcome.KILLED, "timeout"
        time.sleep(0.01)
    output = out.read_text(errors="replace") if out.exists() else ""
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return TestOutcome.SURVIVED, output
    if code in (2, 3, 4):  # interrupted, internal error, usage error: the mutant broke pytest
        return TestOutcome.INCOMPETENT, output
    return TestOutcome.KILLED, output


def _run(job: tuple[str, str, WorkItem, list[str], float]) -> tuple[str, str, WorkResult]:
    module_name, job_id, item, args, timeout = job
    (spec,) = item.mutations
    operator = cosmic_ray.plugins.get_operator(spec.operator_name)(**spec.operator_args)
    try:
        with use_mutation(Path(spec.module_path), operator, spec.occurrence) as (before, after):
            if after is None:
                return module_name, job_id, WorkResult(worker_outcome=WorkerOutcome.NO_TEST)
            outcome, output = run_tests_forked(args, timeout)
    except Exception:
        return (
            module_name,
            job_id,
            WorkResult(
                output=traceback.format_exc(),
                test_outcome=TestOutcome.INCOMPETENT,
                worker_outcome=WorkerOutcome.EXCEPTION,
            ),
        )
    diff = "\n".join(_make_diff(before, after, spec.module_path))
    return (
        module_name,
        job_id,
        WorkResult(
            output=output[-2000:],
            diff=diff,
            test_outcome=outcome,
            worker_outcome=WorkerOutcome.NORMAL,
        ),
    )


# --- baseline, equivalents, report ------------------------------------------------------------


_PROBE = """
import json, sys, pytest
code = pytest.main(sys.argv[2:])
files = {n: getattr(m, "__file__", None) for n, m in list(sys.modules.items())}
json.dump(files, open(sys.argv[1], "w"))
sys.exit(code)
"""


def baseline(module: Module, copy: Path) -> tuple[float, list[str]]:
    """Run the unmutated tests in a copy: they must pass; their time sets the timeout, and the
    third-party modules they import are what the workers preload."""
    probe = copy / ".probe.json"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(probe), *pytest_args([module.tests])],
        cwd=copy,
        env=test_env(copy),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(
            f"baseline failed for {module.tests} (fix the tests first):\n{proc.stdout[-4000:]}"
        )
    files: dict[str, str | None] = json.loads(probe.read_text())
    ours = (str(copy), str(ROOT))
    preload = [
        name
        for name, file in files.items()
        # purna_shared is never mutated here and imports no service: preloaded too
        if name.startswith("purna_shared")
        or (
            not name.startswith(("purna", "tests", "conftest", "__main__"))
            and not (file or "").startswith(ours)
        )
    ]
    return elapsed, preload


@dataclass(frozen=True)
class Equivalent:
    module: str
    operator: str
    line: str  # the original line, stripped
    mutated: str  # the mutated line, stripped
    why: str


def load_equivalents() -> list[Equivalent]:
    path = HERE / "equivalent.toml"
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Equivalent(**entry) for entry in data.get("mutant", [])]


def changed_lines(diff: str) -> tuple[str, str]:
    minus = [
        ln[1:].strip()
        for ln in diff.splitlines()
        if ln.startswith("-") and not ln.startswith("---")
    ]
    plus = [
        ln[1:].strip()
        for ln in diff.splitlines()
        if ln.startswith("+") and not ln.startswith("+++")
    ]
    return " / ".join(minus), " / ".join(plus)


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    survivors: list[tuple[MutationSpec, str]] = field(default_factory=list)
    equivalents_used: set[int] = field(default_factory=set)


def classify(module: Module, equivalents: list[Equivalent]) -> Tally:
    tally = Tally()
    with use_db(session_path(module), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            spec = item.mutations[0]
            if result.worker_outcome == WorkerOutcome.NO_TEST:
                tally.counts["no mutation"] += 1
                continue
            if result.worker_outcome != WorkerOutcome.NORMAL:
                tally.counts["error"] += 1
                tally.survivors.append((spec, result.output or ""))
                continue
            tally.counts["mutants"] += 1
            if result.test_outcome == TestOutcome.KILLED:
                tally.counts["timeout" if result.output == "timeout" else "killed"] += 1
            elif result.test_outcome == TestOutcome.INCOMPETENT:
                tally.counts["killed"] += 1  # the mutant doesn't even import: caught
            else:
                line, mutated = changed_lines(result.diff or "")
                match = next(
                    (
                        i
                        for i, eq in enumerate(equivalents)
                        if fnmatch.fnmatch(module.name, eq.module)
                        and eq.operator == spec.operator_name
                        and eq.line == line
                        and eq.mutated == mutated
                    ),
                    None,
                )
                if match is None:
                    tally.counts["survived"] += 1
                    tally.survivors.append((spec, result.diff or ""))
                else:
                    tally.counts["equivalent"] += 1
                    tally.equivalents_used.add(match)
        tally.counts["pending"] = db.num_work_items - db.num_results
    return tally


def score(counts: Counter[str]) -> float | None:
    relevant = counts["mutants"] - counts["equivalent"]
    if relevant <= 0:
        return None
    return 100.0 * (counts["killed"] + counts["timeout"]) / relevant


def report(modules: list[Module], wall: float, workers: int) -> bool:
    equivalents = load_equivalents()
    header = "| module | mutants | killed | timeout | survived | equivalent | score |"
    rows = [header, "|---|---:|---:|---:|---:|---:|---:|"]
    total: Counter[str] = Counter()
    detail: list[str] = []
    summary: dict[str, Any] = {"wall_seconds": round(wall), "workers": workers, "modules": {}}
    used: set[int] = set()
    for module in modules:
        tally = classify(module, equivalents)
        used |= tally.equivalents_used
        c = tally.counts
        total.update(c)
        s = score(c)
        rows.append(
            f"| {module.name} | {c['mutants']} | {c['killed']} | {c['timeout']} | "
            f"{c['survived']} | {c['equivalent']} | {'-' if s is None else f'{s:.1f}%'} |"
        )
        summary["modules"][module.name] = {**c, "score": None if s is None else round(s, 1)}
        for spec, diff in tally.survivors:
            detail.append(
                f"### {module.name}:{spec.start_pos[0]} {spec.operator_name} "
                f"(#{spec.occurrence}, in {spec.definition_name})\n```diff\n{diff.strip()}\n```\n"
            )
    s = score(total)
    rows.append(
        f"| **all** | {total['mutants']} | {total['killed']} | {total['timeout']} | "
        f"{total['survived']} | {total['equivalent']} | {'-' if s is None else f'{s:.1f}%'} |"
    )
    summary["total"] = {**total, "score": None if s is None else round(s, 1)}
    stale = [
        eq
        for i, eq in enumerate(equivalents)
        if i not in used and any(fnmatch.fnmatch(m.name, eq.module) for m in modules)
    ]
    text = "\n".join(rows)
    VAR.mkdir(parents=True, exist_ok=True)
    (VAR / "report.md").write_text(
        f"# Mutation testing of the domain rules\n\n{text}\n\n"
        f"Wall time {wall:.0f} s with {workers} workers. Pending (not run): {total['pending']}. "
        f"Worker errors: {total['error']}.\n\n"
        + (
            "Equivalent entries that matched no survivor (stale, or the mutant is now killed):\n"
            + "".join(f"- {eq.module}: {eq.operator} `{eq.line}`\n" for eq in stale)
            + "\n"
            if stale
            else ""
        )
        + f"## Survivors ({len(detail)})\n\n"
        + "\n".join(detail),
        encoding="utf-8",
    )
    (VAR / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(text)
    print(f"\nwall time {wall:.0f} s, {workers} workers; survivors and diffs: {VAR / 'report.md'}")
    if stale:
        print(f"{len(stale)} entries of equivalent.toml matched no survivor (see the report)")
    return total["survived"] == 0 and total["error"] == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--modules",
        nargs="*",
        default=[],
        help="module names or globs: credit/allocation, nik, 'training/*' (default: all)",
    )
    parser.add_argument("--resume", action="store_true", help="keep finished results, run the rest")
    parser.add_argument(
        "--retry-survivors",
        action="store_true",
        help="like --resume, and rerun the survivors (after adding tests)",
    )
    parser.add_argument("--report-only", action="store_true", help="summarise the last sessions")
    args = parser.parse_args()
    register_operators()
    modules = discover(args.modules)
    if not modules:
        sys.exit(f"no domain module matches {args.modules}")
    if args.report_only:
        report(modules, 0.0, args.workers)
        return 0

    started = time.monotonic()
    # The venv's own packages compiled once: the environment may forbid writing bytecode, and
    # every mutant starts a fresh interpreter.
    stamp = VAR / ".venv-compiled"
    installed = ROOT / ".venv" / ".installed"
    if not stamp.exists() or (
        installed.exists() and installed.stat().st_mtime > stamp.stat().st_mtime
    ):
        compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=2, workers=args.workers)
        VAR.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    copies = [VAR / f"worker-{n}" for n in range(args.workers)]
    for copy in copies:
        make_copy(copy)
    timeouts = {}
    preload: set[str] = set()
    for service in sorted({m.service for m in modules}):
        module = next(m for m in modules if m.service == service)
        took, modules_used = baseline(module, copies[0])
        preload.update(modules_used)
        # generous: on a loaded machine slow tests must not pass for a hang
        timeouts[service] = max(60.0, 4 * took)
        print(f"baseline {module.tests}: {took:.1f} s (mutant timeout {timeouts[service]:.0f} s)")

    jobs = []
    for module in modules:
        init_session(module, args.resume, args.retry_survivors)
        test_args = pytest_args(relevant_tests(module))
        with use_db(session_path(module), WorkDB.Mode.open) as db:
            jobs += [
                (module.name, item.job_id, item, test_args, timeouts[module.service])
                for item in db.pending_work_items
            ]
    print(f"{len(jobs)} mutants in {len(modules)} modules, {args.workers} workers")

    by_name = {m.name: m for m in modules}
    queue: Any = multiprocessing.Manager().Queue()
    for copy in copies:
        queue.put(copy)
    done = 0
    dbs: dict[str, WorkDB] = {}
    try:
        with multiprocessing.get_context("fork").Pool(
            args.workers, initializer=_init_worker, initargs=(queue, sorted(preload))
        ) as pool:
            # opened after the fork: the workers hold no database connections
            dbs = {m.name: WorkDB(session_path(m), WorkDB.Mode.open) for m in modules}
            for module_name, job_id, result in pool.imap_unordered(_run, jobs):
                dbs[module_name].set_result(job_id, result)
                done += 1
                if done % 25 == 0 or done == len(jobs) or done == 1:
                    print(f"  {done}/{len(jobs)} ({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        for db in dbs.values():
            db.close()
    ok = report([by_name[n] for n in by_name], time.monotonic() - started, args.workers)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
