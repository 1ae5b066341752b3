"""Benchmarks: the cost of every stage at 10, 100 and 1,000 synthetic interviews, in one run.

For each size a synthetic case is generated (``benchmarks/generate.py``) and
these are measured, each as a separate process (wall time; peak RSS of the
largest process and of the whole process tree):

- ``prepare`` (ingest, clean, pseudonymise, code, reliability, tables), and
  its stages timed in-process;
- one indicator notebook, the conclusion notebook, the assembly;
- the full build (``make -jJOBS``), then a no-op ``make``;
- the floor: the same build with the notebooks emptied of their code (same
  kernels, same parallelism), run from a copy of the project;
- the naive baseline: the same stages run one after another, each notebook
  with plain ``jupyter nbconvert --execute``;
- a coding step (codes per unit, codes per source type) in our vectorised
  form and as a row-by-row ``iterrows`` loop.

The example case (``data/raw``) gets the full build, floor, naive path,
no-op build and the incremental checks (touching the conclusion template or
one transcript re-runs only what depends on it).

Writes ``report.md`` and ``results.json`` to ``build/bench/`` (``--out``; ``make bench UPDATE=1`` updates
the committed ``benchmarks/results/``).

Usage::

    make bench                      # sizes 10,100,1000
    make bench SIZES=10,100         # a quick run
    .venv/bin/python benchmarks/run.py --sizes 10 --work /tmp/bench
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
JUPYTER = ROOT / ".venv" / "bin" / "jupyter"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

TARGETS = {
    "prepare_1000_s": 30.0, "prepare_1000_mb": 2048.0, "indicator_1000_s": 20.0,
    "prepare_10000_s": 150.0, "prepare_10000_mb": 4096.0, "indicator_10000_s": 20.0,
    "linear_10x": 12.0, "example_floor_ratio": 1.3, "noop_s": 1.0,
}
BIG = 10000  # the opt-in size (`make bench SIZES=10,100,1000,10000`); without it, its targets are extrapolated
# The floor's notebooks keep no code but this: the results file the conclusion step checks exists (stdlib only).
FLOOR_STUBS = {"indicator.ipynb": "import os\n"
               "os.makedirs(os.path.join(reports_dir, 'results'), exist_ok=True)\n"
               "open(os.path.join(reports_dir, 'results', indicator_id + '.json'), 'w').write('{}')\n"}
# Project files a build reads: copied for the floor and incremental builds (the venv is linked, not copied).
PROJECT_FILES = ("Makefile", "pyproject.toml", "environment.yml", "requirements", "src", "notebooks")


# --- measuring one process ---------------------------------------------------------------------------

def measure(cmd: list[str], log: Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd``; return wall time, exit code, and peak RSS (largest process; whole tree, sampled).

    The largest-process peak comes from ``wait4`` (the kernel's own maximum over the child and the
    descendants it waited for); the tree peak sums the RSS of every live descendant every 50 ms.
    """
    import psutil

    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "ANALYSIS_PROGRESS": "0", **(env or {})}
    with open(log, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        peak_tree = [0]
        done = threading.Event()

        def sample() -> None:
            try:
                root = psutil.Process(proc.pid)
            except psutil.NoSuchProcess:
                return
            while not done.is_set():
                total = 0
                try:
                    for p in [root, *root.children(recursive=True)]:
                        try:
                            total += p.memory_info().rss
                        except psutil.Error:
                            pass
                except psutil.Error:
                    pass
                peak_tree[0] = max(peak_tree[0], total)
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    result = {"wall_s": round(wall, 3), "rc": proc.returncode, "peak_mb": round(usage.ru_maxrss / 1024, 1),
              "peak_tree_mb": round(peak_tree[0] / 2 ** 20, 1), "log": str(log)}
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        print(f"  FAILED ({proc.returncode}): {' '.join(map(str, cmd))}\n{tail}", file=sys.stderr)
    return result


def make(args: list[str], log: Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``make --no-print-directory ARGS`` measured."""
    return measure(["make", "--no-print-directory", *args], log, cwd=cwd, env=env)


def recipes(log: Path) -> list[str]:
    """The analysis commands a measured ``make`` ran, from its log (make echoes each recipe); an indicator
    with its id (``indicator formation``)."""
    out = []
    for line in log.read_text(errors="replace").splitlines():
        if " -m analysis " in line:
            words = line.split(" -m analysis ", 1)[1].split()
            out.append(" ".join(words[:2]) if words[0] == "indicator" else words[0])
    return out


# --- project copies: the floor (emptied notebooks) and the incremental checks -------------------------

def project_copy(dest: Path, empty_notebooks: bool) -> Path:
    """A copy of the project's build files at ``dest`` (venv linked); notebooks emptied when asked.

    Run it with ``PYTHONPATH=<dest>/src``: the copy's package (and so its notebooks folder) is imported
    instead of the installed one, in the commands and in the kernels they start.
    """
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    (dest / "data").mkdir()
    if empty_notebooks:
        for nb_path in (dest / "notebooks").glob("*.ipynb"):
            nb = json.loads(nb_path.read_text(encoding="utf-8"))
            stub = FLOOR_STUBS.get(nb_path.name, "")
            for cell in nb["cells"]:
                if cell["cell_type"] == "code" and "parameters" not in cell.get("metadata", {}).get("tags", []):
                    cell["source"], stub = stub, ""
            write_keep_mtime(nb_path, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return dest


def before_copy(dest: Path, src: Path) -> Path:
    """A copy of the project whose package is ``src`` (e.g. an older commit's ``src/``), for before/after.

    Modules the current Makefile lists but ``src`` lacks are created empty, so its rules resolve.
    """
    project_copy(dest, empty_notebooks=False)
    shutil.rmtree(dest / "src")
    shutil.copytree(src.parent if src.name == "analysis" else src, dest / "src", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for module in (ROOT / "src" / "analysis").glob("*.py"):
        if not (dest / "src" / "analysis" / module.name).exists():
            (dest / "src" / "analysis" / module.name).touch()
    return dest


def write_keep_mtime(path: Path, text: str) -> None:
    """Rewrite a file without making it newer than the build's outputs would expect."""
    st = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, (st.st_atime, st.st_mtime))


# --- the naive path: one process per stage, plain nbconvert per notebook ------------------------------

def parameterised(template: Path, params: dict[str, str], target: Path) -> Path:
    """A copy of ``template`` with a cell assigning ``params`` after its parameters cell (no papermill)."""
    nb = json.loads(template.read_text(encoding="utf-8"))
    at = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c.get("metadata", {}).get("tags", []))
    source = "".join(f"{k} = {v!r}\n" for k, v in params.items())
    nb["cells"].insert(at + 1, {"cell_type": "code", "execution_count": None, "id": "injected",
                                "metadata": {"tags": ["injected-parameters"]}, "outputs": [], "source": source})
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return target


def naive_build(case: Path, out: Path, indicators: list[str], logs: Path) -> dict[str, Any]:
    """Prepare, each notebook with ``jupyter nbconvert --execute`` one after another, assemble, manifest."""
    if out.exists():
        shutil.rmtree(out)
    processed, reports = out / "processed", out / "reports"
    args = ["--case", str(case), "--processed", str(processed), "--reports", str(reports)]
    steps: list[dict[str, Any]] = [measure([str(PY), "-m", "analysis", "prepare", *args[:4]],  # case, tables
                                           logs / "naive-prepare.log")]
    scratch = out / "parameterised"
    for ind in indicators:
        nb = parameterised(ROOT / "notebooks" / "indicator.ipynb",
                           {"indicator_id": ind, "case_dir": str(case), "processed_dir": str(processed),
                            "reports_dir": str(reports), "language": ""}, scratch / f"indicator-{ind}.ipynb")
        steps.append(measure([str(JUPYTER), "nbconvert", "--to", "notebook", "--execute", str(nb),
                              "--output-dir", str(reports / "notebooks"), "--output", f"indicator-{ind}.ipynb"],
                             logs / f"naive-{ind}.log", cwd=ROOT))
    nb = parameterised(ROOT / "notebooks" / "conclusion.ipynb",
                       {"case_dir": str(case), "reports_dir": str(reports), "language": ""},
                       scratch / "conclusion.ipynb")
    steps.append(measure([str(JUPYTER), "nbconvert", "--to", "notebook", "--execute", str(nb),
                          "--output-dir", str(reports / "notebooks"), "--output", "conclusion.ipynb"],
                         logs / "naive-conclusion.log", cwd=ROOT))
    steps.append(measure([str(PY), "-m", "analysis", "assemble", *args, "--formats", "html,md,docx"],
                         logs / "naive-assemble.log"))
    steps.append(measure([str(PY), "-m", "analysis", "manifest", *args], logs / "naive-manifest.log"))
    return {"wall_s": round(sum(s["wall_s"] for s in steps), 3), "rc": max(s["rc"] for s in steps),
            "peak_mb": max(s["peak_mb"] for s in steps), "peak_tree_mb": max(s["peak_tree_mb"] for s in steps),
            "steps": steps}


# --- in-process measurements (run in a child: `run.py --stages` / `run.py --loops`) -------------------

STAGES = {  # prepare's helpers, by module, grouped into the stages of the report
    "ingest + clean + pseudonymise": [("analysis.prepare", "read_transcripts"), ("analysis.prepare", "_interviews"),
                                      ("analysis.prepare", "_documents"), ("analysis.prepare", "_document_units")],
    "anchor codings": [("analysis.coding", "read_codings"), ("analysis.coding", "anchor")],
    "auto-code": [("analysis.autocode", "suggest"), ("analysis.autocode", "possible_misses")],
    "reliability": [("analysis.coding", "reliability_tables")],
    "summary tables": [("analysis.coding", "frequencies"), ("analysis.coding", "informant_codes"),
                       ("analysis.coding", "cooccurrence")],
    "write tables": [("analysis.schemas", "write_table")],
}


def stages(case: Path, out: Path) -> dict[str, float]:
    """Run ``prepare`` in this process with its helpers timed; seconds per stage (and in total)."""
    import importlib

    t0 = time.perf_counter()
    from analysis import pipeline, prepare  # noqa: F401 - prepare: its helpers are timed below
    from analysis.paths import CasePaths
    spent: dict[str, float] = {name: 0.0 for name in STAGES}
    imported = time.perf_counter() - t0

    def timed(stage: str, func):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - start
        return wrapper

    for stage, funcs in STAGES.items():
        for module_name, attr in funcs:
            module = importlib.import_module(module_name)
            setattr(module, attr, timed(stage, getattr(module, attr)))
    start = time.perf_counter()
    pipeline.prepare(CasePaths.from_dirs(case, out / "processed", out / "reports"))
    total = time.perf_counter() - start
    return {"import": round(imported, 3), **{k: round(v, 3) for k, v in spent.items()},
            "other": round(total - sum(spent.values()), 3), "total": round(total, 3)}


def naive_presence(codings, units, code_ids):
    """Codes per unit, row by row: the loop a first version would write."""
    import pandas as pd

    present = pd.DataFrame(False, index=units["unit_id"], columns=code_ids)
    for _, row in codings.iterrows():
        if row["unit_id"] in present.index:
            present.loc[row["unit_id"], row["code"]] = True
    return present


def naive_frequencies(codings, units, coder):
    """Coded units per code and source type, row by row."""
    import pandas as pd

    doc_type = {}
    for _, u in units.iterrows():
        doc_type[u["unit_id"]] = u["doc_type"]
    seen, counts = set(), {}
    for _, c in codings.iterrows():
        if c["coder"] != coder or (c["unit_id"], c["code"]) in seen:
            continue
        seen.add((c["unit_id"], c["code"]))
        key = (c["code"], doc_type[c["unit_id"]])
        counts[key] = counts.get(key, 0) + 1
    rows = [{"code": k[0], "source_type": k[1], "units": n} for k, n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["code", "source_type", "units"])


def loops(processed: Path) -> dict[str, float]:
    """Our coding steps against row-by-row loops on the same processed tables (results checked equal)."""
    import pandas as pd

    from analysis import coding

    units = pd.read_parquet(processed / "units.parquet")
    codings = pd.read_parquet(processed / "codings.parquet")
    codable = units[units["speaker_role"] != "interviewer"]
    code_ids = sorted(set(codings["code"]))
    out = {"codings": len(codings), "units": len(units)}
    for name, ours, naive in (
        ("codes per unit", lambda: coding._presence(codings, codable, code_ids),
         lambda: naive_presence(codings, codable, code_ids)),
        ("codes per source type", lambda: coding.frequencies(codings, units, "A"),
         lambda: naive_frequencies(codings, units, "A")),
    ):
        t = time.perf_counter()
        a = ours()
        out[f"{name}: ours_s"] = round(time.perf_counter() - t, 4)
        t = time.perf_counter()
        b = naive()
        out[f"{name}: loop_s"] = round(time.perf_counter() - t, 4)
        same = a.to_numpy().tolist() == b.to_numpy().tolist()
        out[f"{name}: same"] = bool(same)
    return out


def child(mode: str, *args: str) -> dict[str, Any]:
    """Run ``run.py --MODE ARGS`` in a fresh process; return its JSON answer."""
    res = subprocess.run([str(PY), str(Path(__file__)), f"--{mode}", *args], capture_output=True, text=True,
                         env={**os.environ, "ANALYSIS_PROGRESS": "0"}, cwd=ROOT)
    if res.returncode:
        raise SystemExit(f"{mode} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# --- one size ------------------------------------------------------------------------------------------

def indicator_ids(case: Path) -> list[str]:
    import yaml

    return [i["id"] for i in yaml.safe_load((case / "codebook.yml").read_text(encoding="utf-8"))["indicators"]]


def build_suite(name: str, case: Path, work: Path, jobs: int, floor_project: Path, logs: Path,
                repeat: int = 1, before_project: Path | None = None) -> dict[str, Any]:
    """Full build, no-op build, floor and naive path for one case; each fresh build the fastest of ``repeat``.

    The three kinds of build alternate (full, floor, naive, full, ...), so a burst of load from other
    work on the machine does not fall on one kind only.
    """
    runs: dict[str, list[dict[str, Any]]] = {"full_build": [], "floor_build": [], "naive_build": []}
    if before_project:
        runs["before_build"] = []
    out, floor_out = work / f"build-{name}", work / f"floor-{name}"
    args = [f"-j{jobs}", f"CASE={case}", f"OUT={out}"]
    for k in range(repeat):
        print(f"  [{name}] full build (make -j{jobs}), floor, naive path: round {k + 1}/{repeat}", file=sys.stderr)
        for folder in (out, floor_out):
            if folder.exists():
                shutil.rmtree(folder)
        runs["full_build"].append(make(args, logs / f"full-build-{k}.log"))
        runs["floor_build"].append(make([f"-j{jobs}", f"CASE={case}", f"OUT={floor_out}"], logs / f"floor-build-{k}.log",
                                        cwd=floor_project, env={"PYTHONPATH": str(floor_project / "src")}))
        runs["naive_build"].append(naive_build(case, work / f"naive-{name}", indicator_ids(case), logs))
        if before_project:
            before_out = work / f"before-build-{name}"
            if before_out.exists():
                shutil.rmtree(before_out)
            runs["before_build"].append(make([f"-j{jobs}", f"CASE={case}", f"OUT={before_out}"],
                                             logs / f"before-build-{k}.log", cwd=before_project,
                                             env={"PYTHONPATH": str(before_project / "src")}))
    res: dict[str, Any] = {key: {**min(rs, key=lambda r: r["wall_s"]), "all_wall_s": [r["wall_s"] for r in rs]}
                           for key, rs in runs.items()}
    res["noop_build"] = make(args, logs / "noop-build.log")  # after the last full build
    res["up_to_date"] = subprocess.run(["make", "--no-print-directory", "-q", *args], cwd=ROOT).returncode == 0
    return res


def run_size(n: int, words: int, work: Path, jobs: int, floor_project: Path, compare_src: Path | None,
             skip_builds: bool, repeat: int = 1) -> dict[str, Any]:
    """Every measurement at ``n`` interviews."""
    case = work / f"case-{n}"
    stamp = case / ".generated"
    spec = f"{n} {words} seed=1 generator={(ROOT / 'benchmarks' / 'generate.py').stat().st_mtime_ns}"
    if not (stamp.is_file() and stamp.read_text() == spec):
        if case.exists():
            shutil.rmtree(case)
        print(f"[{n}] generating the synthetic case", file=sys.stderr)
        counts = generate.generate(case, n, words)
        stamp.write_text(spec)
        (case / ".counts.json").write_text(json.dumps(counts))
    res: dict[str, Any] = {"case": json.loads((case / ".counts.json").read_text()), "load_before": os.getloadavg()}
    logs = work / "logs" / str(n)
    out = work / f"steps-{n}"
    if out.exists():
        shutil.rmtree(out)
    args = ["--case", str(case), "--out", str(out)]
    print(f"[{n}] prepare", file=sys.stderr)
    res["prepare"] = measure([str(PY), "-m", "analysis", "prepare", *args], logs / "prepare.log")
    res["prepare_stages"] = child("stages", str(case), str(work / f"stages-{n}"))
    if compare_src:
        res["prepare_before"] = measure([str(PY), "-m", "analysis", "prepare", "--case", str(case), "--out",
                                         str(work / f"before-{n}")], logs / "prepare-before.log",
                                        env={"PYTHONPATH": str(compare_src)})
    res["loops"] = child("loops", str(out / "processed"))
    inds = indicator_ids(case)
    print(f"[{n}] indicator notebooks", file=sys.stderr)
    res["indicators"] = {i: measure([str(PY), "-m", "analysis", "indicator", i, *args], logs / f"indicator-{i}.log")
                         for i in inds}
    res["indicator"] = max(res["indicators"].values(), key=lambda r: r["wall_s"])
    res["conclusion"] = measure([str(PY), "-m", "analysis", "conclusion", *args], logs / "conclusion.log")
    res["assemble"] = measure([str(PY), "-m", "analysis", "assemble", *args, "--formats", "html,md,docx"],
                              logs / "assemble.log")
    if not skip_builds:
        res.update(build_suite(str(n), case, work, jobs, floor_project, logs, repeat))
    res["load_after"] = os.getloadavg()
    return res


def run_example(work: Path, jobs: int, floor_project: Path, repeat: int,
                before_project: Path | None = None) -> dict[str, Any]:
    """The example case: full build, no-op, floor, naive path, and the incremental checks."""
    logs = work / "logs" / "example"
    res: dict[str, Any] = {"load_before": os.getloadavg()}
    res.update(build_suite("example", ROOT / "data" / "raw", work, jobs, floor_project, logs, repeat,
                           before_project))
    # Incremental: a copy of the project and of the case, built once, then one input touched at a time.
    print("  [example] incremental checks", file=sys.stderr)
    proj = project_copy(work / "incremental-project", empty_notebooks=False)
    case = work / "incremental-case"
    if case.exists():
        shutil.rmtree(case)
    shutil.copytree(ROOT / "data" / "raw", case)
    out = work / "incremental-out"
    if out.exists():
        shutil.rmtree(out)
    env = {"PYTHONPATH": str(proj / "src")}
    args = [f"-j{jobs}", f"CASE={case}", f"OUT={out}"]
    first = make(args, logs / "incremental-first.log", cwd=proj, env=env)
    checks = {}
    transcript = sorted((case / "interviews").glob("*.md"))[0]
    codings = sorted((case / "codings").glob("*.csv"))[0]
    for label, path, edit in (
            ("conclusion template", proj / "src/analysis/templates/text/id/conclusion.md.j2", None),
            ("one transcript", transcript, None),
            # A sentence at the end of a transcript: no quote moves, so no indicator's evidence changes.
            ("one transcript edited", transcript, lambda text: text.rstrip("\n") + " Sekian.\n"),
            # A memo on the first coding row: only the indicator of its code reads it.
            ("one coding row edited", codings, _first_memo)):
        time.sleep(1.1)  # a newer mtime than the outputs, whatever the filesystem's resolution
        if edit is None:
            path.touch()
        else:
            path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        log = logs / f"incremental-{label.replace(' ', '-')}.log"
        rebuilt = make(args, log, cwd=proj, env=env)
        checks[label] = {"recipes": recipes(log), "wall_s": rebuilt["wall_s"], "rc": rebuilt["rc"],
                         "up_to_date_after": subprocess.run(["make", "-q", *args], cwd=proj,
                                                            env={**os.environ, **env}).returncode == 0}
    res["incremental"] = {"first_build": first, **checks}
    res["load_after"] = os.getloadavg()
    return res


def _first_memo(text: str) -> str:
    """A codings file with a word added to the memo of its first row (columns source_id, code, quote, ...)."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0]["memo"] = (rows[0].get("memo") or "") + " (checked)"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# --- the report ----------------------------------------------------------------------------------------

def median_ratio(e: dict[str, Any]) -> str:
    """Full build over floor, from the median round of each (the rounds alternate, so load falls on both)."""
    import statistics

    full, floor = e["full_build"].get("all_wall_s"), e["floor_build"].get("all_wall_s")
    return ratio(statistics.median(full), statistics.median(floor)) if full and floor else "–"


def per_10x(ta: float, tb: float, a: int, b: int) -> float:
    """The growth in time for 10× the data, from two sizes ``a`` < ``b`` (a power law through both points)."""
    import math

    return (tb / ta) ** (1 / math.log10(b / a))


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def fmt_t(r: dict | None) -> str:
    return "–" if not r else (f"{r['wall_s']:.2f}" + ("" if r.get("rc", 0) == 0 else " (failed)"))


def fmt_m(r: dict | None) -> str:
    return "–" if not r else f"{r['peak_mb']:.0f} / {r['peak_tree_mb']:.0f}"


def report(data: dict[str, Any]) -> str:
    """The Markdown report: tables, ratios, targets."""
    sizes = [k for k in data["sizes"]]
    S = data["sizes"]
    lines = [
        "# Benchmark report",
        "",
        f"Generated by `make bench` (`benchmarks/run.py`) on {data['when']}: {data['machine']}, "
        f"{data['cpus']} CPUs, `make -j{data['jobs']}`; load average {data['load_start'][0]:.2f} at the start and "
        f"{data['load_end'][0]:.2f} at the end (other work on the machine inflates times). Synthetic cases of "
        f"about {data['words']} words per interview (`benchmarks/generate.py`, seed 1; synthetic, not data).",
        "",
        "Times in seconds (wall clock). Memory: peak RSS in MB of the largest process / of the whole process "
        "tree (sampled every 50 ms).",
        "",
        "## Stages by size",
        "",
        "| step | " + " | ".join(f"{n} interviews" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    rows = [
        ("case: units / codings", lambda r: f"{r['loops']['units']} / {r['loops']['codings']}"),
        ("words", lambda r: f"{r['case']['words']:,}"),
        ("prepare (process) s", lambda r: fmt_t(r["prepare"])),
        ("prepare peak MB", lambda r: fmt_m(r["prepare"])),
    ]
    stage_names = list(next(iter(S.values()))["prepare_stages"]) if S else []
    rows += [(f"· {st} s", (lambda st: lambda r: f"{r['prepare_stages'][st]:.2f}")(st))  # noqa: B023 - bound by the outer lambda
             for st in stage_names]
    rows += [
        ("prepare before the speed work s", lambda r: fmt_t(r.get("prepare_before"))),
        ("one indicator notebook s (slowest)", lambda r: fmt_t(r["indicator"])),
        ("one indicator notebook peak MB", lambda r: fmt_m(r["indicator"])),
        ("conclusion s", lambda r: fmt_t(r["conclusion"])),
        ("assembly s", lambda r: fmt_t(r["assemble"])),
        ("full build (make) s", lambda r: fmt_t(r.get("full_build"))),
        ("full build peak MB", lambda r: fmt_m(r.get("full_build"))),
        ("no-op make s", lambda r: fmt_t(r.get("noop_build"))),
        ("floor (emptied notebooks) s", lambda r: fmt_t(r.get("floor_build"))),
        ("naive (nbconvert, sequential) s", lambda r: fmt_t(r.get("naive_build"))),
        ("**full build / floor**", lambda r: ratio(r["full_build"]["wall_s"], r["floor_build"]["wall_s"])
         if r.get("full_build") else "–"),
        ("**naive / full build**", lambda r: ratio(r["naive_build"]["wall_s"], r["full_build"]["wall_s"])
         if r.get("full_build") else "–"),
    ]
    for label, f in rows:
        cells = []
        for n in sizes:
            try:
                cells.append(f(S[n]))
            except (KeyError, TypeError):
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "## Row-by-row loops against ours (coding step)", "",
              "| size | step | ours s | iterrows loop s | loop / ours | same result |", "|---|---|---|---|---|---|"]
    for n in sizes:
        lp = S[n]["loops"]
        for step in ("codes per unit", "codes per source type"):
            lines.append(f"| {n} | {step} | {lp[f'{step}: ours_s']:.4f} | {lp[f'{step}: loop_s']:.3f} | "
                         f"{ratio(lp[f'{step}: loop_s'], lp[f'{step}: ours_s'])} | {lp[f'{step}: same']} |")
    lines += ["", "## Scaling (time for 10× the data; between sizes not 10× apart, the power law through both)",
              "", "| step | " + " | ".join(f"{a}→{b}" for a, b in zip(sizes, sizes[1:])) + " |",
              "|---|" + "---|" * max(1, len(sizes) - 1)]
    for label, key in (("prepare", "prepare"), ("one indicator notebook", "indicator"),
                       ("assembly", "assemble"), ("full build", "full_build")):
        cells = []
        for a, b in zip(sizes, sizes[1:]):
            ra, rb = S[a].get(key), S[b].get(key)
            cells.append(f"{per_10x(ra['wall_s'], rb['wall_s'], int(a), int(b)):.2f}×" if ra and rb else "–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    guess = extrapolated(data)
    if guess:
        lines += ["", f"**{BIG:,} interviews, extrapolated** (not measured in this run) from {guess['from']}: "
                  f"prepare {guess['prepare_s']:.0f} s and {guess['prepare_mb']:.0f} MB peak, "
                  f"one indicator notebook {guess['indicator_s']:.1f} s (power law through the two largest sizes)."]
    if "example" in data:
        e = data["example"]
        lines += ["", "## The example case (`data/raw`)", "", "| measurement | s | peak MB |", "|---|---|---|"]
        for label, key in (("full build (make)", "full_build"),
                           ("full build before the speed work (`--compare-src`)", "before_build"),
                           ("floor: same build, notebooks emptied", "floor_build"),
                           ("naive: nbconvert --execute one after another", "naive_build"),
                           ("no-op make", "noop_build")):
            lines.append(f"| {label} | {fmt_t(e.get(key))} | {fmt_m(e.get(key))} |")
        lines += ["", f"- full build / floor: **{ratio(e['full_build']['wall_s'], e['floor_build']['wall_s'])}**",
                  f"- naive / full build: **{ratio(e['naive_build']['wall_s'], e['full_build']['wall_s'])}** "
                  f"(our build is {ratio(e['naive_build']['wall_s'], e['full_build']['wall_s'])} faster)",
                  f"- `make -q` after the build: {'up to date' if e['up_to_date'] else 'NOT up to date'}"]
        if e.get("before_build"):
            lines.append(f"- before the speed work / now: **{ratio(e['before_build']['wall_s'], e['full_build']['wall_s'])}**")
        lines.append(f"- full build / floor, medians of the rounds: **{median_ratio(e)}**")
        lines.append(f"- each fresh build is the fastest of {len(e['full_build'].get('all_wall_s', [1]))} "
                     f"(all runs, s: full {e['full_build'].get('all_wall_s')}, floor {e['floor_build'].get('all_wall_s')}, "
                     f"naive {e['naive_build'].get('all_wall_s')})")
        inc = e.get("incremental", {})
        for label in ("conclusion template", "one transcript", "one transcript edited", "one coding row edited"):
            if label in inc:
                verb = "editing" if label.endswith("edited") else "touching"
                lines.append(f"- {verb} the {label.removesuffix(' edited')} re-runs: "
                             f"{', '.join(inc[label]['recipes'])} ({inc[label]['wall_s']:.2f} s)")
        naive_steps = e["naive_build"].get("steps", [])
        if naive_steps:
            lines.append("- naive path by step (s): " + ", ".join(
                f"{Path(s['log']).stem.replace('naive-', '')} {s['wall_s']:.2f}" for s in naive_steps))
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    for label, measured, ok in targets(data):
        lines.append(f"| {label} | {measured} | {'yes' if ok else ('no' if ok is False else 'not measured')} |")
    lines += ["", "Raw numbers: `benchmarks/results/results.json`. Reproduce: `make bench` "
              "(see `docs/performance.md`).", ""]
    return "\n".join(lines)


def extrapolated(data: dict[str, Any]) -> dict[str, Any] | None:
    """Prepare time and peak memory and one indicator notebook at :data:`BIG` interviews, from the two largest
    sizes measured (a power law through both), when :data:`BIG` itself was not measured."""
    S = data["sizes"]
    sizes = sorted(int(n) for n in S)
    if str(BIG) in S or len(sizes) < 2 or sizes[-1] < 1000:
        return None
    a, b = sizes[-2], sizes[-1]
    ra, rb = S[str(a)], S[str(b)]

    def at_big(ya: float, yb: float) -> float:
        import math

        return yb * (yb / ya) ** (math.log(BIG / b) / math.log(b / a))

    return {"from": f"{a:,} and {b:,} interviews",
            "prepare_s": at_big(ra["prepare"]["wall_s"], rb["prepare"]["wall_s"]),
            "prepare_mb": at_big(ra["prepare"]["peak_mb"], rb["prepare"]["peak_mb"]),
            "indicator_s": at_big(ra["indicator"]["wall_s"], rb["indicator"]["wall_s"])}


def targets(data: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """Each target of issues #12, #9 and #22 with its measured value and whether it is met."""
    S = data["sizes"]
    out: list[tuple[str, str, bool | None]] = []
    big = S.get("1000")
    if big:
        p = big["prepare"]
        out.append(("ingest + clean + code of 1,000 interviews ≤ 30 s", f"{p['wall_s']:.1f} s",
                    p["wall_s"] <= TARGETS["prepare_1000_s"]))
        out.append(("… within 2 GB peak", f"{p['peak_mb']:.0f} MB", p["peak_mb"] <= TARGETS["prepare_1000_mb"]))
        i = big["indicator"]
        out.append(("one indicator notebook on 1,000 interviews ≤ 20 s", f"{i['wall_s']:.1f} s",
                    i["wall_s"] <= TARGETS["indicator_1000_s"]))
    else:
        out += [("ingest + clean + code of 1,000 interviews ≤ 30 s, 2 GB", "–", None),
                ("one indicator notebook on 1,000 interviews ≤ 20 s", "–", None)]
    huge, guess = S.get(str(BIG)), extrapolated(data)
    if huge:
        p, i = huge["prepare"], huge["indicator"]
        out.append((f"prepare of {BIG:,} interviews ≤ 150 s", f"{p['wall_s']:.1f} s",
                    p["wall_s"] <= TARGETS["prepare_10000_s"]))
        out.append(("… within 4 GB peak", f"{p['peak_mb']:.0f} MB", p["peak_mb"] <= TARGETS["prepare_10000_mb"]))
        out.append((f"one indicator notebook on {BIG:,} interviews ≤ 20 s", f"{i['wall_s']:.1f} s",
                    i["wall_s"] <= TARGETS["indicator_10000_s"]))
    elif guess:
        note = f" (extrapolated from {guess['from']}, not measured)"
        out.append((f"prepare of {BIG:,} interviews ≤ 150 s", f"{guess['prepare_s']:.0f} s{note}",
                    guess["prepare_s"] <= TARGETS["prepare_10000_s"]))
        out.append(("… within 4 GB peak", f"{guess['prepare_mb']:.0f} MB{note}",
                    guess["prepare_mb"] <= TARGETS["prepare_10000_mb"]))
        out.append((f"one indicator notebook on {BIG:,} interviews ≤ 20 s", f"{guess['indicator_s']:.1f} s{note}",
                    guess["indicator_s"] <= TARGETS["indicator_10000_s"]))
    sizes = list(S)
    for key, label in (("prepare", "prepare"), ("indicator", "one indicator notebook"), ("full_build", "full build")):
        for a, b in zip(sizes, sizes[1:]):
            if S[a].get(key) and S[b].get(key):
                r = per_10x(S[a][key]["wall_s"], S[b][key]["wall_s"], int(a), int(b))
                out.append((f"{label}: 10× the data within 12× the time ({a}→{b})", f"{r:.2f}×",
                            r <= TARGETS["linear_10x"]))
    e = data.get("example")
    if e:
        r = e["full_build"]["wall_s"] / e["floor_build"]["wall_s"]
        out.append(("full example build ≤ 1.3× its floor (fastest rounds; medians beside)",
                    f"{r:.2f}× (medians {median_ratio(e)})", r <= TARGETS["example_floor_ratio"]))
        out.append(("no-op make < 1 s", f"{e['noop_build']['wall_s']:.3f} s",
                    e["noop_build"]["wall_s"] < TARGETS["noop_s"]))
        inc = e.get("incremental", {})
        if "conclusion template" in inc:
            rec = inc["conclusion template"]["recipes"]
            out.append(("touching the conclusion template re-runs only the conclusion and the assembly",
                        ", ".join(rec), set(rec) <= {"conclusion", "assemble", "manifest"}))
        if "one transcript edited" in inc:
            rec = inc["one transcript edited"]["recipes"]
            out.append(("editing a transcript where no quote moves re-runs no indicator notebook",
                        ", ".join(rec), not any(r.startswith("indicator") for r in rec)))
        if "one coding row edited" in inc:
            rec = inc["one coding row edited"]["recipes"]
            ran = [r for r in rec if r.startswith("indicator")]
            out.append(("editing one coding row re-runs only its indicator, then the conclusion and assembly",
                        ", ".join(rec), len(ran) == 1 and {"conclusion", "assemble"} <= set(rec)))
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10,100,1000",
                   help=f"interview counts, comma-separated ({BIG} is the opt-in large size)")
    p.add_argument("--words", type=int, default=3000, help="words per interview")
    p.add_argument("--jobs", type=int, default=2, help="make -j for the builds")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "analysis-bench",
                   help="scratch folder for cases and builds (default: $TMPDIR/analysis-bench)")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "bench",
                   help=f"where report.md and results.json go (the committed report: {RESULTS.relative_to(ROOT)})")
    p.add_argument("--no-example", action="store_true", help="skip the example-case builds")
    p.add_argument("--no-builds", default="", help="sizes (comma-separated) without the full/floor/naive builds")
    p.add_argument("--repeat", type=int, default=3, help="fresh example builds of each kind; the fastest counts")
    p.add_argument("--size-repeat", type=int, default=1, help="the same for the synthetic sizes")
    p.add_argument("--compare-src", type=Path, help="another src/ folder: time its prepare too (before/after)")
    p.add_argument("--stages", nargs=2, metavar=("CASE", "OUT"), help=argparse.SUPPRESS)
    p.add_argument("--loops", metavar="PROCESSED", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.stages:
        print(json.dumps(stages(Path(args.stages[0]), Path(args.stages[1]))))
        return 0
    if args.loops:
        print(json.dumps(loops(Path(args.loops))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    no_builds = {int(s) for s in args.no_builds.split(",") if s.strip()}
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    floor_project = project_copy(work / "floor-project", empty_notebooks=True)
    data: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "cpus": os.cpu_count(), "jobs": args.jobs, "words": args.words, "load_start": os.getloadavg(),
        "targets": TARGETS, "sizes": {},
    }
    if not args.no_example:
        print("[example] builds", file=sys.stderr)
        before = before_copy(work / "before-project", args.compare_src) if args.compare_src else None
        data["example"] = run_example(work, args.jobs, floor_project, args.repeat, before)
    for n in sizes:
        data["sizes"][str(n)] = run_size(n, args.words, work, args.jobs, floor_project, args.compare_src,
                                         n in no_builds, args.size_repeat)
    data["load_end"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    text = report(data)
    (args.out / "report.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
