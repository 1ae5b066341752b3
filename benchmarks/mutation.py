"""Mutation testing: would the tests notice a small fault in a module?

One operator fault at a time (a flipped comparison, ``and`` for ``or``, ``-``
for ``+``, a constant off by one, ``True`` for ``False``, a dropped ``not``, a
``return None``) is put into a module's code, and the module's tests are run
against it. A mutant the tests fail on is *killed*; one they pass is a
*survivor*: a fault the suite would let through. The score is the share of
killed mutants among those that are not equivalent to the original (listed,
with a reason, in ``benchmarks/mutation.toml``).

The real source file is never touched: each mutant runs in its own pytest
process, in which an import hook compiles the mutated syntax tree in place of
the module (with the original line numbers). Ctrl-C stops the running
processes and leaves nothing behind.

Usage::

    python benchmarks/mutation.py                    # every target of mutation.toml
    python benchmarks/mutation.py coding --jobs 2    # one target
    python benchmarks/mutation.py coding --list      # the mutants, without running them

Only the standard library is used (pytest runs the tests, in child processes).
"""

from __future__ import annotations

import argparse
import ast
import importlib.abc
import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).with_name("mutation.toml")
REPORT = Path(__file__).parent / "results" / "mutation.md"

# --- the mutation operators ---------------------------------------------------------------

_CMP_SWAP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
             ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
_BOOL_SWAP = {ast.And: ast.Or, ast.Or: ast.And}
_SYMBOL = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in",
           ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
           ast.Div: "/", ast.And: "and", ast.Or: "or"}


@dataclass(frozen=True)
class Mutant:
    """One fault: where it is and what it changes.

    Attributes:
        index: Position in the module's list of mutants (the child process rebuilds the list).
        line: Line of the changed code in the original file.
        function: The enclosing function (``Class.method``), or ``<module>``.
        mutation: What changes, e.g. ``== -> !=``.
        code: The original code of the changed expression (one line, shortened).
        source: The whole original line, stripped (what names an equivalent mutant in mutation.toml).
    """

    index: int
    line: int
    function: str
    mutation: str
    code: str
    source: str = ""


@dataclass
class Outcome:
    """What the tests made of one mutant."""

    mutant: Mutant
    status: str  # killed, survived, timeout or memory (both counted as killed), equivalent
    seconds: float
    reason: str = ""  # for an equivalent mutant
    detail: str = ""  # the first failing test, for a killed one


def _sites(tree: ast.Module, source: str) -> list[tuple[ast.AST, str, object, str]]:
    """Every place a mutation applies, in a fixed order: ``(node, kind, argument, description)``."""
    sites: list[tuple[ast.AST, str, object, str]] = []
    skip: set[int] = set()
    for node in ast.walk(tree):
        # Annotations and docstrings are not behaviour: nothing in them is mutated.
        for ann in [getattr(node, "annotation", None), getattr(node, "returns", None)]:
            if ann is not None:
                skip.update(id(n) for n in ast.walk(ann))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            skip.add(id(body[0].value))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in _CMP_SWAP:
                    new = _CMP_SWAP[type(op)]
                    sites.append((node, "cmp", (k, new), f"{_SYMBOL[type(op)]} -> {_SYMBOL[new]}"))
        elif isinstance(node, ast.BoolOp):
            new = _BOOL_SWAP[type(node.op)]
            sites.append((node, "bool", new, f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}"))
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _BIN_SWAP:
            new = _BIN_SWAP[type(node.op)]
            sites.append((node, "bin", new, f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            sites.append((node, "not", None, "drop `not`"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            sites.append((node, "const", not node.value, f"{node.value} -> {not node.value}"))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            sites.append((node, "const", node.value + 1, f"{node.value} -> {node.value + 1}"))
        elif isinstance(node, ast.Return) and node.value is not None \
                and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            sites.append((node, "return", None, "return None"))
    sites.sort(key=lambda s: (s[0].lineno, s[0].col_offset, s[3]))
    return sites


def _functions(tree: ast.Module) -> dict[int, str]:
    """Node id -> qualified name of the innermost function or class holding it."""
    owner: dict[int, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = name
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = child.name if name == "<module>" else f"{name}.{child.name}"
            owner[id(child)] = inner
            visit(child, inner)

    visit(tree, "<module>")
    return owner


def mutants(path: Path) -> list[Mutant]:
    """The mutants of a source file, in the order the child process numbers them."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    owner = _functions(tree)
    lines = source.splitlines()
    out = []
    for k, (node, _, _, description) in enumerate(_sites(tree, source)):
        code = (ast.get_source_segment(source, node) or "").split("\n")[0].strip()
        out.append(Mutant(k, node.lineno, owner.get(id(node), "<module>"), description,
                          code if len(code) <= 70 else code[:69] + "…", lines[node.lineno - 1].strip()))
    return out


def mutated_tree(path: Path, index: int) -> ast.Module:
    """The module's syntax tree with mutant ``index`` applied (line numbers unchanged)."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    node, kind, arg, _ = _sites(tree, source)[index]
    if kind == "cmp":
        k, new = arg
        node.ops[k] = new()
    elif kind in ("bool", "bin"):
        node.op = arg()
    elif kind == "const":
        node.value = arg
    elif kind == "return":
        node.value = ast.copy_location(ast.Constant(None), node.value)
    elif kind == "not":
        _replace(tree, node, node.operand)
    return ast.fix_missing_locations(tree)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put ``new`` where ``old`` is in the tree (to drop a ``not``)."""
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return
    raise ValueError("node not found")  # cannot happen: the node came from this tree


# --- the child process: pytest with one mutated module ------------------------------------


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Loads one module from a mutated syntax tree; every other import is left to Python."""

    def __init__(self, name: str, path: Path, index: int) -> None:
        self.name, self.path, self.index = name, path, index

    def find_spec(self, fullname, target_path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        code = compile(mutated_tree(self.path, self.index), str(self.path), "exec")
        exec(code, module.__dict__)  # noqa: S102 (the project's own module, mutated)


_OUT_OF_MEMORY = 86  # the child's exit status when its mutant ate more memory than allowed


def _watch_memory(limit_kb: int) -> None:
    """End this process when its peak memory passes ``limit_kb``.

    A mutant can turn a loop into an endless one that fills a list: the
    timeout would stop it, but only after it had taken the machine's memory.
    """
    scale = 1024 if sys.platform == "darwin" else 1  # ru_maxrss is in bytes on macOS, kilobytes on Linux

    def watch() -> None:
        while True:
            if resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale > limit_kb:
                os.write(2, b"mutation: memory limit passed\n")
                os._exit(_OUT_OF_MEMORY)
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()


def _child(module: str, path: Path, index: int, pytest_args: list[str]) -> int:
    if os.environ.get("MUTATION_MAX_RSS_KB"):
        _watch_memory(int(os.environ["MUTATION_MAX_RSS_KB"]))
    # Installed before anything imports the package, so no test ever sees the unmutated module.
    sys.meta_path.insert(0, _MutantFinder(module, path, index))
    try:  # a failing example stored by a mutant must not be replayed against the real code later
        import hypothesis

        hypothesis.settings.register_profile("mutation", database=None)
        hypothesis.settings.load_profile("mutation")
    except ImportError:
        pass
    import pytest

    return int(pytest.main(pytest_args))


# --- the parent: run every mutant, write the report -----------------------------------------


@dataclass
class Target:
    """A module and the tests that guard it (from mutation.toml)."""

    name: str
    module: str
    tests: list[str]
    timeout: float
    equivalent: list[dict] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return ROOT / "src" / Path(*self.module.split(".")).with_suffix(".py")


def load_targets(config: Path = CONFIG) -> dict[str, Target]:
    """The targets of the configuration file, with their equivalent mutants."""
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    targets = {}
    for name, t in data["targets"].items():
        targets[name] = Target(name, t["module"], list(t["tests"]), float(t.get("timeout", 120)),
                               list(t.get("equivalent", [])))
    return targets


def _equivalent(target: Target, m: Mutant) -> str | None:
    """The reason a mutant is listed as equivalent, or ``None``."""
    for e in target.equivalent:
        if (e["function"], e["mutation"], e["line"]) == (m.function, m.mutation, m.source):
            return e["reason"]
    return None


_RUNNING: set[subprocess.Popen] = set()  # child processes, killed on Ctrl-C
_STOP = threading.Event()  # set on Ctrl-C: no further mutant starts


def _run(cmd: list[str], timeout: float, env: dict) -> tuple[int | None, str]:
    """Run a command in its own process group; kill the group on timeout."""
    if _STOP.is_set():
        raise KeyboardInterrupt
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    _RUNNING.add(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        return None, ""
    except BaseException:  # Ctrl-C while this thread waits (the main thread's own runs)
        _kill(proc)
        raise
    finally:
        _RUNNING.discard(proc)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _stop_all() -> None:
    """Ctrl-C: start no further mutant and kill the running ones (their process groups)."""
    _STOP.set()
    for proc in list(_RUNNING):
        _kill(proc)


def _pytest_args(target: Target, basetemp: Path) -> list[str]:
    # -x: one failing test is enough; no cache, so mutants never reorder or skip later runs.
    return ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", f"--basetemp={basetemp}", *target.tests]


def _first_failure(output: str) -> str:
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" ", 1)[1].split(" - ")[0]
    return ""


def _log(message: str) -> None:
    print(message, flush=True)  # one line per mutant as it ends, also into a file


def run_target(target: Target, jobs: int, only: set[int] | None = None, log=_log) -> tuple[list[Outcome], float]:
    """Run the target's tests once unmutated (they must pass), then once per mutant."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    listed = [m for m in mutants(target.path) if only is None or m.index in only]
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        started = time.perf_counter()
        code, out = _run([sys.executable, "-m", "pytest", *_pytest_args(target, Path(tmp) / "baseline")],
                         target.timeout, env)
        baseline = time.perf_counter() - started
        if code != 0:
            sys.exit(f"{target.name}: the tests fail without any mutation (exit {code}):\n{out[-3000:]}")
        # A mutant that makes the tests hang, or fill the memory, is stopped at a multiple of what the
        # clean run took, not at a guess.
        timeout = max(10 * baseline, 30.0)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / (1024 if sys.platform == "darwin" else 1)
        env["MUTATION_MAX_RSS_KB"] = str(int(max(4 * peak_kb, 1024 * 1024)))
        log(f"{target.name}: {len(listed)} mutants, clean run {baseline:.1f} s and {peak_kb / 1024:.0f} MB; "
            f"limits {timeout:.0f} s and {int(env['MUTATION_MAX_RSS_KB']) // 1024} MB")

        def one(m: Mutant) -> Outcome:
            reason = _equivalent(target, m)
            t0 = time.perf_counter()
            cmd = [sys.executable, __file__, "--child", target.module, str(target.path), str(m.index), "--",
                   *_pytest_args(target, Path(tmp) / f"m{m.index}")]
            code, out = _run(cmd, timeout, env)
            seconds = time.perf_counter() - t0
            shutil.rmtree(Path(tmp) / f"m{m.index}", ignore_errors=True)
            if _STOP.is_set():
                raise KeyboardInterrupt
            if code is None:
                status = "timeout"
            elif code == _OUT_OF_MEMORY:
                status = "memory"
            elif code == 0:
                status = "equivalent" if reason else "survived"
            elif code in (1, 2, 3):  # tests failed, interrupted (e.g. import error), internal error
                status = "killed"
            else:
                sys.exit(f"{target.name}: mutant {m.index} ended with pytest exit {code}:\n{out[-3000:]}")
            if reason and status != "equivalent":
                log(f"  note: mutant listed as equivalent was killed: line {m.line} {m.mutation} `{m.code}`")
            outcome = Outcome(m, status, seconds, reason or "", _first_failure(out) if status == "killed" else "")
            log(f"  {m.index:3d} line {m.line:4d} {m.mutation:<14} {status:<10} {seconds:5.1f} s  {m.code}")
            return outcome

        pool = ThreadPoolExecutor(max_workers=jobs)
        try:
            outcomes = list(pool.map(one, listed))
        except KeyboardInterrupt:
            _stop_all()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
    return outcomes, baseline


def score(outcomes: list[Outcome]) -> tuple[int, int, float]:
    """Killed (timeouts included), non-equivalent total, and the score in percent."""
    counts = Counter(o.status for o in outcomes)
    killed = counts["killed"] + counts["timeout"] + counts["memory"]
    total = killed + counts["survived"]
    return killed, total, 100.0 * killed / total if total else 100.0


def report(results: dict[str, tuple[Target, list[Outcome], float]], seconds: float) -> str:
    """The Markdown report: a score per module, every survivor and equivalent mutant, then the killed ones."""
    lines = ["# Mutation testing", "",
             ("Generated by `make mutation` (`benchmarks/mutation.py`, targets and equivalent mutants in "
              "`benchmarks/mutation.toml`; see docs/testing.md). One fault at a time is put into the module; "
              "a mutant is *killed* when the module's tests fail on it. Score = killed / (mutants − equivalent)."),
             "",
             "| module | tests | mutants | killed | survived | equivalent | score |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for target, outcomes, _ in results.values():
        killed, _, pct = score(outcomes)
        counts = Counter(o.status for o in outcomes)
        lines.append(f"| `{target.module}` | {', '.join(f'`{t}`' for t in target.tests)} | {len(outcomes)} | "
                     f"{killed} | {counts['survived']} | {counts['equivalent']} | **{pct:.1f}%** |")
    lines += ["", f"Run time {seconds:.0f} s on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}.", ""]
    for target, outcomes, baseline in results.values():
        lines += [f"## `{target.module}`", "", f"Clean test run {baseline:.1f} s.", ""]
        for status, title in (("survived", "Surviving mutants (faults the tests let through)"),
                              ("equivalent", "Equivalent mutants (no test can tell them apart; reason)")):
            chosen = [o for o in outcomes if o.status == status]
            lines += [f"### {title}: {len(chosen)}", ""]
            if chosen:
                lines += ["| line | function | mutation | code | " + ("reason |" if status == "equivalent" else ""),
                          "|---:|---|---|---|" + ("---|" if status == "equivalent" else "")]
                for o in chosen:
                    m = o.mutant
                    row = f"| {m.line} | `{m.function}` | `{m.mutation}` | `{_cell(m.code)}` |"
                    lines.append(row + (f" {o.reason} |" if status == "equivalent" else ""))
                lines.append("")
        killed = [o for o in outcomes if o.status in ("killed", "timeout", "memory")]
        lines += [f"### Killed mutants: {len(killed)}", "", "| line | function | mutation | killed by |",
                  "|---:|---|---|---|"]
        lines += [f"| {o.mutant.line} | `{o.mutant.function}` | `{o.mutant.mutation}` | "
                  f"{o.status if o.status in ('timeout', 'memory') else f'`{o.detail}`' if o.detail else 'error'} |"
                  for o in killed]
        lines.append("")
    return "\n".join(lines)


def _cell(code: str) -> str:
    return code.replace("|", "\\|").replace("`", "'")


def main(argv: list[str] | None = None) -> int:
    """Command line: run the chosen targets and write the report."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        sep = argv.index("--")
        return _child(argv[1], Path(argv[2]), int(argv[3]), argv[sep + 1:])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("targets", nargs="*", help="target names of mutation.toml (default: all)")
    p.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)), help="mutants run in parallel")
    p.add_argument("--list", action="store_true", help="list the mutants and exit")
    p.add_argument("--only", help="comma list of mutant numbers to run (for checking one fault)")
    p.add_argument("--report", type=Path, default=REPORT, help="where to write the Markdown report")
    p.add_argument("--config", type=Path, default=CONFIG)
    args = p.parse_args(argv)
    targets = load_targets(args.config)
    unknown = set(args.targets) - set(targets)
    if unknown:
        p.error(f"unknown target(s) {sorted(unknown)}; known: {', '.join(targets)}")
    chosen = [targets[n] for n in args.targets or targets]
    if args.list:
        for t in chosen:
            for m in mutants(t.path):
                eq = " [equivalent]" if _equivalent(t, m) else ""
                print(f"{t.name} {m.index:3d} line {m.line:4d} {m.function:<24} {m.mutation:<14} {m.code}{eq}")
        return 0
    only = {int(x) for x in args.only.split(",")} if args.only else None
    # Ctrl-C (and a plain `kill`) stop the run cleanly, even where a shell started it with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.perf_counter()
    try:
        results = {t.name: (t, *run_target(t, args.jobs, only)) for t in chosen}
    except KeyboardInterrupt:
        print("interrupted: no report written (the source files were never changed)", file=sys.stderr)
        return 130
    for name, (_t, outcomes, _) in results.items():
        killed, total, pct = score(outcomes)
        print(f"{name}: {killed}/{total} non-equivalent mutants killed = {pct:.1f}%")
    if only is None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.report.with_name(f".{args.report.name}.tmp")
        tmp.write_text(report(results, time.perf_counter() - started), encoding="utf-8")
        tmp.replace(args.report)
        print(f"report: {args.report.relative_to(ROOT) if args.report.is_relative_to(ROOT) else args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
