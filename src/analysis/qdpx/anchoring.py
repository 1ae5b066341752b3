"""Verify imported codings with the pipeline's own anchoring, and write the codings files."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.atomic import write_text
from analysis.case import Case
from analysis.clean import normalise
from analysis.coding import CODING_COLUMNS, find_spans
from analysis.errors import AnalysisError
from analysis.paths import CasePaths
from analysis.prepare import prepare
from analysis.qdpx.model import _Line, _quiet


def _verify(folder: Path, rows: list[dict[str, Any]], warnings: list[str], n_sources: int) -> list[dict[str, Any]]:
    """Give each quote its occurrence and check it with the pipeline's anchoring; drop what fails.
    The case is prepared (into a scratch folder) even without codings: it must build."""
    if not n_sources:
        return []
    with tempfile.TemporaryDirectory() as scratch:
        paths = CasePaths(folder, Path(scratch) / "processed", Path(scratch) / "reports")
        _write_codings(folder / "codings", [])
        try:
            tables = _quiet(prepare, paths)
        except AnalysisError as exc:
            raise AnalysisError(f"the imported case does not build: {exc}",
                                hint="please report this project: nothing was written") from None
        texts = dict(zip(tables["sources"]["source_id"], tables["sources"]["text"]))
        units = tables["units"].set_index("unit_id")
        pseudo = Case.load(paths).pseudonymise
        keep = []
        for r in rows:
            occ = _occurrence(r, texts.get(r["source_id"], ""), units, pseudo)
            if occ is None:
                warnings.append(f"{r['source_id']}: coding {r['code']} by {r['coder']} not carried: its text "
                                f"{r['quote'][:40]!r} could not be anchored after cleaning")
                continue
            keep.append({**r, "occurrence": occ})
        for attempt in range(5 if keep else 0):
            _write_codings(folder / "codings", keep)
            try:
                tables = _quiet(prepare, paths)
            except AnalysisError as exc:
                bad = _row_of(exc, keep)
                if bad is None or attempt == 4:
                    raise AnalysisError(f"imported codings do not verify: {exc}",
                                        hint="please report this project: nothing was written") from None
                warnings.append(f"{bad['source_id']}: coding {bad['code']} by {bad['coder']} not carried "
                                f"({exc.message})")
                keep.remove(bad)
                continue
            got = tables["codings"]
            wrong = [r for r, unit in zip(_in_file_order(keep), _units_by_row(got, keep)) if unit != r["_unit"]]
            if not wrong:
                return keep
            for r in wrong:
                warnings.append(f"{r['source_id']}: coding {r['code']} by {r['coder']} not carried: its quote "
                                "anchors in another turn or paragraph")
                keep.remove(r)
    return keep


def _occurrence(r: dict[str, Any], cleaned: str, units: Any, pseudo: Callable[[str], str]) -> int | None:
    """Which occurrence of the cleaned quote in the cleaned source is the selected one: the one
    inside the expected unit nearest to where the selection sits in it."""
    quote = pseudo(normalise(r["quote"]))
    if not quote.split() or r["_unit"] not in units.index:
        return None
    u = units.loc[r["_unit"]]
    inside = [(n, a) for n, (a, b) in enumerate(find_spans(cleaned, quote), start=1)
              if u["start"] <= a and b <= u["end"] + 1]
    if not inside:
        return None
    line: _Line = r["_line"]
    lines = r["_unit_lines"]
    offset = sum(ln.end - ln.start + 2 for ln in lines if ln.start < line.start) + r["_at"] - line.start
    length = sum(ln.end - ln.start + 2 for ln in lines) - 2
    target = u["start"] + offset * (u["end"] - u["start"]) / max(length, 1)
    return min(inside, key=lambda hit: abs(hit[1] - target))[0]


def _in_file_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=_row_key)


def _row_key(r: dict[str, Any]) -> tuple:
    return (r["coder"], r["source_id"], r["_at"], r["code"])


def _units_by_row(codings: Any, rows: list[dict[str, Any]]) -> list[str]:
    by = {(f, int(n)): u for f, n, u in zip(codings["codings_file"], codings["row"], codings["unit_id"])}
    out = []
    lines: dict[str, int] = {}
    for r in _in_file_order(rows):
        f = _codings_file(r["coder"])
        lines[f] = lines.get(f, 1) + 1
        out.append(by.get((f, lines[f]), ""))
    return out


def _row_of(exc: AnalysisError, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not exc.path or not exc.line:
        return None
    name = Path(exc.path).name
    lines: dict[str, int] = {}
    for r in _in_file_order(rows):
        f = _codings_file(r["coder"])
        lines[f] = lines.get(f, 1) + 1
        if f == name and lines[f] == exc.line:
            return r
    return None


def _codings_file(coder: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", coder).strip("-") or "coder"
    return f"coder-{slug}.csv"


def _write_codings(folder: Path, rows: list[dict[str, Any]]) -> None:
    for old in folder.glob("*.csv"):
        old.unlink()
    files: dict[str, list[dict[str, Any]]] = {}
    for r in _in_file_order(rows):
        files.setdefault(_codings_file(r["coder"]), []).append(r)
    for name, rs in files.items():
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([*CODING_COLUMNS, "stance"])
        for r in rs:
            w.writerow([r["source_id"], r["code"], r["quote"], r.get("occurrence", 1), r["coder"], r["memo"],
                        r.get("stance", "")])
        write_text(folder / name, buf.getvalue())
