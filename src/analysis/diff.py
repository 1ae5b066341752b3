"""What changed between two builds, in the words of findings first.

A reviewer asks: did a verdict, a ranking, a count or a quote change, and
because of which input rows? :func:`compare` answers in three layers:

1. findings: verdicts, category states, rankings, every count of the
   results files, quotes and caveats added or removed, sensitivity flags,
   reliability figures (as printed, to two decimals) and the sentences of
   the chapter that changed;
2. inputs: input files by their manifest hashes, and records by stable ids
   (a coding is coder + code + excerpt id, never a row number), so that a
   one-row change is a one-row difference;
3. files: every output whose bytes differ (folded in the HTML page).

Findings that flip a verdict or a ranking come first.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import AnalysisError
from analysis.results import ConclusionResults, IndicatorResults

COUNTS = ("units", "informants", "documents", "independent", "contra_units", "contra_informants",
          "contra_documents", "contra_independent", "context_units")


@dataclass
class Difference:
    """Everything that differs between two builds, layer by layer.

    Attributes:
        headline: Verdict and ranking flips (empty when there are none).
        findings: Other changed findings, one line each.
        inputs: Changed input files and records, one line each.
        files: Output files whose bytes differ.
    """

    headline: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def same_findings(self) -> bool:
        """True when no finding (verdict, state, count, quote, figure printed) differs."""
        return not self.headline and not self.findings

    def summary(self) -> str:
        """One line a reviewer reads first."""
        if self.headline:
            return self.headline[0] + (f" (and {len(self.headline) - 1} more)" if len(self.headline) > 1 else "")
        if self.findings:
            return f"verdicts and rankings unchanged; {len(self.findings)} other finding(s) changed"
        if self.files or self.inputs:
            return (f"findings unchanged; {len(self.inputs)} input change(s), {len(self.files)} file(s) differ "
                    "in bytes only")
        return "no differences"


Build = tuple[Path, Path]  # the processed and the reports folder of one build


def layout(out: str | Path | Build) -> Build:
    """A build's folders: an ``--out`` folder holds ``processed/`` and ``reports/``; a pair is taken as it is."""
    if isinstance(out, tuple):
        return Path(out[0]), Path(out[1])
    return Path(out) / "processed", Path(out) / "reports"


def compare(old: str | Path | Build, new: str | Path | Build) -> Difference:
    """Compare two builds: output folders (each holding ``processed/`` and ``reports/``) or folder pairs.

    Raises:
        AnalysisError: when a build holds no results files.
    """
    old, new = layout(old), layout(new)
    out = Difference()
    a, b = _results(old), _results(new)
    for ind in sorted(a.keys() | b.keys(), key=lambda k: (k not in a, list(a).index(k) if k in a else 0, k)):
        if ind not in a or ind not in b:
            out.headline.append(f"indicator {ind}: {'added' if ind in b else 'removed'}")
            continue
        _indicator(ind, a[ind], b[ind], out)
    out.findings += _reliability(old, new)
    out.findings += _sentences(old, new)
    out.inputs += _inputs(old, new)
    out.inputs += _records(old, new)
    out.files += _files(old, new)
    return out


def coder_comparison(out_dir: str | Path | Build) -> Difference:
    """The findings under each other coder (on the sources that coder coded) against the primary coder's.

    Read from the sensitivity scenarios of the results files: no rebuild.
    """
    diff = Difference()
    for ind, r in _results(layout(out_dir)).items():
        base = {c["code"]: c["state"] for c in r["codes"]}
        ranks = {c["code"]: c.get("rank", 0) for c in r["codes"]}
        for s in r["sensitivity"]["scenarios"]:
            if s["group"] != "coder":
                continue
            who = f"{ind} under coder {s['name']} (instead of {r['coder']})"
            if s["verdict_changed"]:
                diff.headline.append(f"{who}: {'verdict' if r['verdict'] else 'ranking'} "
                                     f"{_v(r['verdict']) if r['verdict'] else r['ranking']} → "
                                     f"{_v(s['verdict']) if r['verdict'] else _ranking(s)}")
            for code in s["changed"]:
                change = [f"{base[code]} → {s['states'][code]}"] if base[code] != s["states"][code] else []
                if ranks[code] != s["ranks"][code]:
                    change.append(f"rank {ranks[code] or '—'} → {s['ranks'][code] or '—'}")
                diff.findings.append(f"{who}: {code} " + ", ".join(change))
    return diff


def render_text(diff: Difference, files_shown: int = 20) -> str:
    """The difference as terminal text: summary, findings, inputs, then files (shortened)."""
    lines = [diff.summary()]
    for title, items in (("Findings", diff.headline + diff.findings), ("Inputs", diff.inputs)):
        if items:
            lines += ["", f"{title}:"] + [f"  {x}" for x in items]
    if diff.files:
        lines += ["", f"Files that differ ({len(diff.files)}):"] + [f"  {x}" for x in diff.files[:files_shown]]
        if len(diff.files) > files_shown:
            lines.append(f"  ... {len(diff.files) - files_shown} more")
    return "\n".join(lines) + "\n"


def render_html(diff: Difference, title: str) -> str:
    """The difference as a small self-contained HTML page; the file list is folded."""
    def items(xs: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in xs) + "</ul>" if xs else "<p>—</p>"

    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            "<style>body{font-family:serif;max-width:50em;margin:2em auto;line-height:1.5}"
            "li{margin:.2em 0}.flip{color:#a00;font-weight:bold}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p class=\"{'flip' if diff.headline else ''}\">"
            f"{html.escape(diff.summary())}</p>"
            f"<h2>Findings</h2>{items(diff.headline + diff.findings)}"
            f"<h2>Inputs</h2>{items(diff.inputs)}"
            f"<details><summary>Files that differ ({len(diff.files)})</summary>{items(diff.files)}</details>"
            "</body></html>\n")


def _results(out: Build) -> dict[str, dict[str, Any]]:
    folder = out[1] / "results"
    files = sorted(p for p in folder.glob("*.json") if p.stem != "conclusion") if folder.is_dir() else []
    if not files:
        raise AnalysisError("no results files: not the output folder of a build", path=folder,
                            hint="give the folder that holds processed/ and reports/ (e.g. --out of a build)")
    loaded = {p.stem: dict(IndicatorResults.from_json(p).data) for p in files}  # checked: a results file
    order_file = folder / "conclusion.json"
    order = ConclusionResults.from_json(order_file).indicators if order_file.is_file() else []
    return dict(sorted(loaded.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])))


def _indicator(ind: str, a: dict[str, Any], b: dict[str, Any], out: Difference) -> None:
    if a.get("verdict") != b.get("verdict"):
        out.headline.append(f"{ind}: verdict {_v(a.get('verdict'))} → {_v(b.get('verdict'))}")
    if a.get("ranking") != b.get("ranking"):
        out.headline.append(f"{ind}: ranking {' > '.join(a.get('ranking', [])) or '(none)'} → "
                            f"{' > '.join(b.get('ranking', [])) or '(none)'}")
    if a.get("rule") != b.get("rule"):
        out.findings.append(f"{ind}: rule {a.get('rule')} → {b.get('rule')}")
    ca, cb = ({c["code"]: c for c in x["codes"]} for x in (a, b))
    for code in [c for c in ca if c in cb]:
        x, y = ca[code], cb[code]
        if x.get("state") != y.get("state"):
            out.findings.append(f"{ind} {code}: state {x.get('state')} → {y.get('state')}")
        changed = [f"{k} {x.get(k)} → {y.get(k)}" for k in COUNTS if x.get(k) != y.get(k)]
        if changed:
            out.findings.append(f"{ind} {code}: " + ", ".join(changed))
        if x.get("fragile") != y.get("fragile"):
            out.findings.append(f"{ind} {code}: {'fragile' if y.get('fragile') else 'robust'} in the sensitivity "
                                "check (was " + ("fragile" if x.get("fragile") else "robust") + ")")
    for code in ca.keys() - cb.keys():
        out.findings.append(f"{ind} {code}: category removed")
    for code in cb.keys() - ca.keys():
        out.findings.append(f"{ind} {code}: category added")
    totals = [f"{k} {a['totals'].get(k)} → {b['totals'].get(k)}" for k in sorted(a.get("totals", {}))
              if a["totals"].get(k) != b.get("totals", {}).get(k)]
    if totals:
        out.findings.append(f"{ind} totals: " + ", ".join(totals))
    sa, sb = a.get("sensitivity", {}), b.get("sensitivity", {})
    if sa.get("fragile") != sb.get("fragile"):
        out.findings.append(f"{ind}: {'verdict' if a.get('verdict') else 'ranking'} now "
                            f"{'fragile' if sb.get('fragile') else 'robust'} in the sensitivity check")
    for key, what in (("quotes", "supporting quote"), ("contrary", "contradicting quote")):
        qa = {(q["code"], q["excerpt_id"]) for q in a.get(key, [])}
        qb = {(q["code"], q["excerpt_id"]) for q in b.get(key, [])}
        out.findings += [f"{ind}: {what} removed: {c} {e}" for c, e in sorted(qa - qb)]
        out.findings += [f"{ind}: {what} added: {c} {e}" for c, e in sorted(qb - qa)]
    va = {(c["code"], c["source"], c["note"]) for c in a.get("caveats", [])}
    vb = {(c["code"], c["source"], c["note"]) for c in b.get("caveats", [])}
    out.findings += [f"{ind}: caveat removed: {c} {s}" for c, s, _ in sorted(va - vb)]
    out.findings += [f"{ind}: caveat added: {c} {s}" for c, s, _ in sorted(vb - va)]


def _reliability(old: Build, new: Build) -> list[str]:
    a, b = (_table(x, "reliability") for x in (old, new))
    if a is None or b is None:
        return []
    key = ["comparison", "code"]
    m = a.merge(b, on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    out = []
    for r in m.to_dict("records"):
        if r["_merge"] != "both":
            out.append(f"reliability {r['comparison']} {r['code']}: {'added' if r['_merge'] == 'right_only' else 'removed'}")
            continue
        for col in ("units", "coders", "agree", "percent_agreement", "cohen_kappa", "fleiss_kappa", "kappa_ci_low",
                    "kappa_ci_high", "krippendorff_alpha", "ci_low", "ci_high"):
            if f"{col}_old" not in r:  # a build from before the column existed
                continue
            x, y = _printed(r[f"{col}_old"]), _printed(r[f"{col}_new"])
            if x != y:
                out.append(f"reliability {r['comparison']} {r['code']}: {col} {x} → {y}")
    return out


def _sentences(old: Build, new: Build) -> list[str]:
    """Sentences of the chapter (text only) that one build prints and the other does not."""
    a, b = (_chapter_sentences(x) for x in (old, new))
    if a is None or b is None:
        return []
    removed = [s for s in a if s not in set(b)]
    added = [s for s in b if s not in set(a)]
    return [f"chapter no longer says: {s}" for s in removed] + [f"chapter now says: {s}" for s in added]


def _chapter_sentences(out: Build) -> list[str] | None:
    path = out[1] / "chapter" / "thesis.md"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)|<[^>]+>", " ", text)  # figures and HTML tags are not sentences
    sentences = re.split(r"(?<=[.!?])\s+|\n\s*\n", text)
    return [" ".join(s.split()) for s in sentences if len(s.split()) > 2]


def _inputs(old: Build, new: Build) -> list[str]:
    a, b = (_manifest(x).get("inputs", {}) for x in (old, new))
    out = [f"input removed: {p}" for p in sorted(a.keys() - b.keys())]
    out += [f"input added: {p}" for p in sorted(b.keys() - a.keys())]
    out += [f"input changed: {p}" for p in sorted(a.keys() & b.keys()) if a[p] != b[p]]
    return out


def _records(old: Build, new: Build) -> list[str]:
    """Codings, units and documents added, removed or changed, by stable ids."""
    out = []
    specs = (("codings", ["coder", "code", "excerpt_id"], ["stance", "memo", "quote"]),
             ("units", ["unit_id"], ["speaker", "text"]),
             ("documents", ["doc_id"], ["date", "type", "title", "origin", "uncertainty_note"]))
    for name, key, fields in specs:
        a, b = _table(old, name), _table(new, name)
        if a is None or b is None:
            continue
        fields = [f for f in fields if f in a.columns and f in b.columns]
        m = a[key + fields].merge(b[key + fields], on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
        for r in m.to_dict("records"):
            ident = ":".join(str(r[k]) for k in key) if name != "codings" else \
                f"{r['coder']} {r['code']} {r['excerpt_id']}"
            if r["_merge"] == "left_only":
                out.append(f"{name[:-1]} removed: {ident}")
            elif r["_merge"] == "right_only":
                out.append(f"{name[:-1]} added: {ident}")
            else:
                changed = [f for f in fields if r[f"{f}_old"] != r[f"{f}_new"]]
                if changed:
                    out.append(f"{name[:-1]} changed: {ident} ({', '.join(changed)})")
    return out


def _files(old: Build, new: Build) -> list[str]:
    a, b = (_manifest(x).get("outputs", {}) for x in (old, new))
    if not a or not b:
        a, b = ({**_hash_tree(x[0], "processed"), **_hash_tree(x[1], "reports")} for x in (old, new))
    out = [f"{p}: only in the old build" for p in sorted(a.keys() - b.keys())]
    out += [f"{p}: only in the new build" for p in sorted(b.keys() - a.keys())]
    out += [f"{p}: bytes differ" for p in sorted(a.keys() & b.keys()) if a[p] != b[p] and not p.endswith(
        "manifest.json")]
    return out


def _hash_tree(folder: Path, label: str) -> dict[str, str]:
    import hashlib

    return {f"{label}/{p.relative_to(folder).as_posix()}": hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


def _manifest(out: Build) -> dict[str, Any]:
    path = out[1] / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _table(out: Build, name: str) -> pd.DataFrame | None:
    path = out[0] / f"{name}.parquet"
    return pd.read_parquet(path) if path.is_file() else None


def _printed(value: Any) -> str:
    if isinstance(value, float):
        return "—" if value != value else f"{value:.2f}"
    return str(value)


def _v(verdict: str | None) -> str:
    return verdict.replace("_", " ") if verdict else "(no verdict: ranking)"


def _ranking(scenario: dict[str, Any]) -> list[str]:
    return [c for c, r in sorted(scenario["ranks"].items(), key=lambda kv: kv[1]) if r > 0]
