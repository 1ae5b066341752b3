"""Coding: manual codings anchored to the cleaned text, and inter-coder reliability.

A coding names its source, the exact quote, an occurrence number, the code
and the coder. On every build the quote is found again in the cleaned
(pseudonymised) text; a quote that is missing, ambiguous or crosses a unit
boundary stops the build with the codings file and row.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import schemas
from analysis.clean import decode, normalise
from analysis.config import Codebook
from analysis.errors import STRICT, AnalysisError, ProblemCollector, did_you_mean, excerpt
from analysis.log import logger
from analysis.progress import progress

# The agreement statistics moved to analysis.reliability; re-exported here for existing callers.
from analysis.reliability import agreement as agreement
from analysis.reliability import cohen_kappa as cohen_kappa
from analysis.reliability import disagreement_rows, many_row, pair_row
from analysis.reliability import krippendorff_alpha_nominal as krippendorff_alpha_nominal

CODING_COLUMNS = ("source_id", "code", "quote", "occurrence", "coder", "memo")
# What a coded passage says about its category. An empty or absent stance
# means "supports" (older codings files); the method note counts explicit ones.
STANCES = ("supports", "contradicts", "context")
CAVEAT_PREFIX = "caveat:"  # a memo starting with this qualifies its category in the chapter
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")  # a whitespace run other than one space


CODINGS_SUFFIXES = (".csv", ".xlsx")


def read_codings(folder: str | Path, problems: ProblemCollector = STRICT) -> pd.DataFrame:
    """Read every codings file (``*.csv``, ``*.xlsx``) in the codings folder into one table, with file and row.

    Args:
        folder: The codings folder.
        problems: Where problems go; a lazy collector gets every faulty file
            and row (each left out), the default raises the first.

    Raises:
        AnalysisError: for a file of another kind (never skipped silently), a
            row with more or fewer fields than the header, or a bad value.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")) if folder.is_dir() else []
    rows = []
    for path in files:
        with problems.item():
            rows += _codings_file(path, problems)
    return pd.DataFrame(rows, columns=[*CODING_COLUMNS, "stance", "stance_explicit", "caveat", "codings_file", "row",
                                       "file_path"])


def _codings_file(path: Path, problems: ProblemCollector) -> list[dict[str, object]]:
    """The rows of one codings file; a faulty row goes to ``problems`` (the rows after it are still read)."""
    suffix = path.suffix.lower()
    if suffix not in CODINGS_SUFFIXES:
        raise AnalysisError(f"not a codings file ({suffix or 'no suffix'}); codings are read from "
                            f"{' or '.join(CODINGS_SUFFIXES)} files", path=path,
                            hint="save it as CSV (UTF-8) or .xlsx, or move it out of the codings folder")
    table = _xlsx_rows(path) if suffix == ".xlsx" else _csv_rows(path)
    header = next(table, None)
    fieldnames = [c.strip() for c in header[1]] if header else []  # " memo" is the memo column
    missing = [c for c in CODING_COLUMNS if c not in fieldnames]
    if missing:
        raise AnalysisError(f"codings file lacks columns {missing}; expected {', '.join(CODING_COLUMNS)}",
                            path=path, line=1)
    _check_extra_columns(fieldnames, path, problems)
    rows = []
    for line, values in table:
        with problems.item():
            if suffix == ".xlsx":  # a sheet has no trailing empty cells: they are empty fields, not missing ones
                values = values + [""] * (len(fieldnames) - len(values))
            if len(values) > len(fieldnames) and any(v.strip() for v in values[len(fieldnames):]):
                raise AnalysisError(f"row has {len(values)} fields, the header {len(fieldnames)}", path=path,
                                    line=line, hint="a comma in a quote or memo needs the field in double quotes")
            if len(values) < len(fieldnames):
                raise AnalysisError(f"row has {len(values)} fields, the header {len(fieldnames)}", path=path,
                                    line=line, hint="every row needs every column of the header, even if empty")
            rows.append(_coding_row(dict(zip(fieldnames, values)), path, line))
    return rows


CODING_OPTIONAL_COLUMNS = ("stance",)


def _check_extra_columns(fieldnames: list[str], path: Path, problems: ProblemCollector) -> None:
    """Refuse a column the codings file format does not have: it would be read by nothing.

    A misspelt ``stance`` column, say, would leave every coding counted as
    support without a word; an empty header cell (a trailing comma) is no
    column and is accepted.
    """
    known = (*CODING_COLUMNS, *CODING_OPTIONAL_COLUMNS)
    for name in fieldnames:
        if name and name not in known:
            problems.add(AnalysisError(
                f"unknown column {excerpt(name)}; valid columns: {', '.join(known)}", path=path, line=1,
                field=name[:40], hint=did_you_mean(name, known, "notes go in the memo column (docs/case-format.md)")))


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The header and then each row of a CSV file, with the line each row starts on."""
    reader = csv.reader(io.StringIO(decode(path.read_bytes(), path)))
    end = 0
    for values in reader:
        # A quoted field may hold line breaks: report the line the row starts on.
        line, end = end + 1, reader.line_num
        if values:  # a blank line is no row
            yield line, values


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The header and then each row of the first sheet of a workbook, numbered as the sheet numbers them.

    Cells are read as shown (cached formula results, whole numbers without
    ``.0``); trailing empty cells are no fields, so a row is ragged only when
    it has a value beyond the last column of the header.
    """
    import openpyxl  # only a case with a workbook pays for the import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise AnalysisError(f"not a readable .xlsx workbook ({type(exc).__name__})", path=path,
                            hint="save it again from the spreadsheet program as .xlsx, or as CSV (UTF-8)") from None
    try:
        sheets = book.worksheets
        others = [ws.title for ws in sheets[1:] if ws.max_row and ws.max_row > 1]
        if others:
            logger.warning("%s: only the first sheet is read; sheets %s are not", path, others)
        for n, cells in enumerate(sheets[0].iter_rows(values_only=True), start=1):
            values = [_cell(v) for v in cells]
            while values and not values[-1].strip():
                values.pop()
            if values:
                yield n, values
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalise(str(value))  # as a CSV file's text is: NFC, single spaces, \n line ends


def _coding_row(row: dict[str, str], path: Path, line: int) -> dict[str, object]:
    occ = (row.get("occurrence") or "").strip()
    if occ and (not occ.isdigit() or int(occ) < 1):
        raise AnalysisError(f"occurrence must be a whole number >= 1, found {occ!r}", path=path,
                            line=line, field="occurrence")
    for key in ("source_id", "code", "quote", "coder"):
        if not (row.get(key) or "").strip():
            raise AnalysisError("missing value", path=path, line=line, field=key)
    stance = (row.get("stance") or "").strip().lower()
    if stance and stance not in STANCES:
        raise AnalysisError(f"unknown stance {_short(stance)!r}; valid values: {', '.join(STANCES)}",
                            path=path, line=line, field="stance",
                            hint="leave it empty for 'supports'; see docs/case-format.md")
    memo = (row.get("memo") or "").strip()
    return {"source_id": row["source_id"].strip(), "code": row["code"].strip(),
            "quote": row["quote"], "occurrence": int(occ) if occ else 0, "coder": row["coder"].strip(),
            "memo": memo, "stance": stance or "supports", "stance_explicit": bool(stance),
            "caveat": is_caveat(memo), "codings_file": path.name, "row": line, "file_path": str(path)}


def is_caveat(memo: str) -> bool:
    """Whether a coding memo is marked as a caveat (it starts with ``caveat:``, any case)."""
    return memo.strip().lower().startswith(CAVEAT_PREFIX)


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def anchor(raw: pd.DataFrame, sources: pd.DataFrame, units: pd.DataFrame, codebook: Codebook,
           pseudo: Callable[[str], str], problems: ProblemCollector = STRICT) -> pd.DataFrame:
    """Find every coding's quote in its source and attach span, unit and indicator.

    A lazy ``problems`` collector gets every faulty row (each left out); by
    default the first is raised.

    Raises:
        AnalysisError: for an unknown source or code, or a quote not found,
            found fewer times than its occurrence, or spanning two units.
    """
    texts = dict(zip(sources["source_id"], sources["text"]))
    codes = codebook.codes
    # Per source, the units' spans sorted by start (they never overlap): a quote's unit is found by bisection.
    by_source = {sid: (g["start"].to_numpy(), g["end"].to_numpy(), g["unit_id"].to_numpy())
                 for sid, g in units.sort_values("start", kind="stable").groupby("source_id", sort=False)}
    out = []
    for r in progress(raw.itertuples(index=False), "anchoring codings", total=len(raw), unit="coding"):
        with problems.item():
            out.append(_anchored(r, texts, codes, by_source, pseudo))
    df = pd.DataFrame(out, columns=list(schemas.CODINGS.columns))
    dup = df.duplicated(["coder", "code", "source_id", "start", "end"], keep="first")
    files = dict(zip(raw["codings_file"], raw["file_path"]))
    for d in df[dup].itertuples(index=False):
        first = df[~dup & (df["coder"] == d.coder) & (df["code"] == d.code) & (df["start"] == d.start)
                   & (df["end"] == d.end) & (df["source_id"] == d.source_id)].iloc[0]
        problems.add(AnalysisError(f"the same coding appears twice (code {d.code}, coder {d.coder}; first in "
                                   f"{first['codings_file']} row {int(first['row'])})",
                                   path=files[d.codings_file], line=int(d.row)))
    df = df[~dup]
    return df.sort_values(["source_id", "start", "end", "code", "coder"], kind="stable").reset_index(drop=True)


def _anchored(r: Any, texts: dict[str, str], codes: dict[str, Any], by_source: dict[str, tuple],
              pseudo: Callable[[str], str]) -> dict[str, object]:
    """One coding row anchored: its span, unit and indicator."""
    where = {"path": r.file_path, "line": r.row}
    if r.source_id not in texts:
        raise AnalysisError(f"unknown source {r.source_id!r}", field="source_id", **where)
    if r.code not in codes:
        raise AnalysisError(f"code {r.code!r} is not in the codebook", field="code", **where)
    start, end = _find(texts[r.source_id], pseudo(normalise(r.quote)), r.occurrence, where)
    quote = texts[r.source_id][start:end]
    starts, ends, unit_ids = by_source[r.source_id]
    i = int(np.searchsorted(starts, start, side="right")) - 1
    if i < 0 or ends[i] < end:
        raise AnalysisError("quote spans two units (speaker turns or paragraphs)", field="quote",
                            hint="code each turn or paragraph separately", **where)
    return {
        "excerpt_id": f"{r.source_id}:{start}-{end}", "source_id": r.source_id, "unit_id": unit_ids[i],
        "indicator": codes[r.code].indicator, "code": r.code, "coder": r.coder, "start": start, "end": end,
        "quote": quote, "memo": pseudo(r.memo), "stance": r.stance, "stance_explicit": r.stance_explicit,
        "caveat": r.caveat, "origin": "manual", "codings_file": r.codings_file, "row": r.row,
    }


def reliability_tables(codings: pd.DataFrame, units: pd.DataFrame, codebook: Codebook, primary: str,
                       auto: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement between every pair of coders, among all coders together, and with the auto-coder.

    The unit of analysis is the unit of the cleaning stage (speaker turn or
    paragraph). The primary coder is taken to have coded every source; any
    other coder the sources they have codings in. A pair is compared on every
    codable unit (not an interviewer turn) of the sources both coded; the
    auto-coder on every codable unit. For each code and overall: percent
    agreement, Cohen's kappa and Krippendorff's alpha (nominal), with seeded
    bootstrap intervals (see :mod:`analysis.reliability`), and the list of
    disagreements of every pair of human coders, with what each coded there
    (see :func:`analysis.reliability.disagreement_rows`). The ``all coders`` rows give alpha over every human
    coder at once, with missing data, on the sources at least two coded.
    """
    codable = units[units["speaker_role"] != "interviewer"]
    coders = [primary] + sorted(set(codings["coder"]) - {primary})
    covered = {c: set(codable["source_id"]) if c == primary else set(codings.loc[codings["coder"] == c, "source_id"])
               for c in coders}
    pairs = [(first, second, codings[codings["coder"] == first], codings[codings["coder"] == second],
              codable[codable["source_id"].isin(covered[first] & covered[second])])
             for i, first in enumerate(coders) for second in coders[i + 1:]]
    if auto is not None:
        pairs.append((primary, "auto", codings[codings["coder"] == primary], auto, codable))
    rel_rows, dis_rows = [], []
    for first, second, one, other, sample in pairs:
        if first != primary and sample.empty:  # two secondary coders who share no source
            continue
        rel_rows += _compare(one, other, sample, list(codebook.codes), f"{first} vs {second}")
        if second != "auto":  # the auto-coder's differences are the possible_misses table, not a meeting's agenda
            dis_rows += disagreement_rows(first, second, one, other, sample, list(codebook.codes))
    rel_rows += stance_agreement(codings, primary)
    if len(coders) >= 2:
        rel_rows += _all_coders(codings, codable, coders, covered, list(codebook.codes))
    return (pd.DataFrame(rel_rows, columns=list(schemas.RELIABILITY.columns)),
            pd.DataFrame(dis_rows, columns=list(schemas.DISAGREEMENTS.columns)))


ALL_CODERS = "all coders"  # comparison name of the rows over every human coder at once


def _all_coders(codings: pd.DataFrame, codable: pd.DataFrame, coders: list[str], covered: dict[str, set],
                code_ids: list[str]) -> list[dict]:
    """Alpha over all coders (missing where a coder did not code the source), per code and overall."""
    shared = {s for s in set(codable["source_id"]) if sum(s in covered[c] for c in coders) >= 2}
    sample = codable[codable["source_id"].isin(shared)]
    present = [_presence(codings[codings["coder"] == c], sample, code_ids) for c in coders]
    # coders x units x codes; a coder's value is missing on the sources that coder did not code
    values = np.stack([m.to_numpy().astype(object) for m in present])
    for i, c in enumerate(coders):
        values[i, ~sample["source_id"].isin(covered[c]).to_numpy(), :] = None
    rows = [{"comparison": ALL_CODERS, "code": code, **many_row(values[:, :, j])} for j, code in enumerate(code_ids)]
    # Overall: every unit-code pair is a unit; the codes of one turn are resampled together.
    clusters = np.repeat(np.arange(len(sample)), len(code_ids))
    rows.append({"comparison": ALL_CODERS, "code": "(overall)",
                 **many_row(values.reshape(len(coders), -1), clusters=clusters)})
    return rows


def stance_agreement(codings: pd.DataFrame, primary: str) -> list[dict]:
    """Agreement on stance where the primary and another coder coded the same unit with the same code.

    Presence agreement says both coders saw the category in a unit; the
    verdicts turn on what they took it to show. A unit given several stances
    by one coder counts as that combination (e.g. ``contradicts+supports``).

    Returns:
        One reliability row per other coder (comparison ``A vs B (stance)``,
        code ``(overall)``), over the unit-code pairs both coded; none when
        they share no pair.
    """
    def stances(rows: pd.DataFrame) -> pd.Series:
        return rows.groupby(["unit_id", "code"], sort=True)["stance"].agg(lambda s: "+".join(sorted(set(s))))

    first = stances(codings[codings["coder"] == primary])
    out = []
    for other in sorted(set(codings["coder"]) - {primary}):
        second = stances(codings[codings["coder"] == other])
        both = first.index.intersection(second.index)
        if len(both):
            out.append({"comparison": f"{primary} vs {other} (stance)", "code": "(overall)",
                        **pair_row(first[both].to_numpy(), second[both].to_numpy(),
                                   clusters=both.get_level_values("unit_id").to_numpy())})
    return out


def _compare(first: pd.DataFrame, second: pd.DataFrame, sample: pd.DataFrame, code_ids: list[str],
             comparison: str) -> list[dict]:
    m1 = _presence(first, sample, code_ids)
    m2 = _presence(second, sample, code_ids)
    rel = []
    for code in code_ids:
        a, b = m1[code].to_numpy(), m2[code].to_numpy()  # same index: both are the sample's units
        rel.append({"comparison": comparison, "code": code, **pair_row(a, b)})
    # Overall: every unit-code pair is a unit; the codes of one turn are resampled together.
    clusters = np.repeat(np.arange(len(m1)), len(code_ids))
    rel.append({"comparison": comparison, "code": "(overall)",
                **pair_row(m1.to_numpy().ravel(), m2.to_numpy().ravel(), clusters=clusters)})
    return rel


def frequencies(codings: pd.DataFrame, units: pd.DataFrame, coder: str) -> pd.DataFrame:
    """Coded units per code and source type (interview, or the document's type)."""
    c = _coded_units(codings, units, coder)
    out = c.groupby(["code", "doc_type"], sort=True).size().rename("units").reset_index()
    return out.rename(columns={"doc_type": "source_type"})


def informant_codes(codings: pd.DataFrame, units: pd.DataFrame, coder: str) -> pd.DataFrame:
    """Informant x code: number of coded turns (long format)."""
    c = _coded_units(codings, units, coder)
    c = c[c["speaker_role"] == "informant"]
    return c.groupby(["speaker", "code"], sort=True).size().rename("units").reset_index().rename(
        columns={"speaker": "informant"})


def cooccurrence(codings: pd.DataFrame, units: pd.DataFrame, coder: str) -> pd.DataFrame:
    """Pairs of codes applied to the same unit, with the number of such units."""
    c = _coded_units(codings, units, coder)[["unit_id", "code"]]
    pairs = c.merge(c, on="unit_id", suffixes=("_1", "_2"))
    pairs = pairs[pairs["code_1"] < pairs["code_2"]]
    return pairs.groupby(["code_1", "code_2"], sort=True).size().rename("units").reset_index()


def _coded_units(codings: pd.DataFrame, units: pd.DataFrame, coder: str) -> pd.DataFrame:
    c = codings.loc[codings["coder"] == coder, ["unit_id", "code"]].drop_duplicates()
    return c.merge(units[["unit_id", "doc_type", "speaker", "speaker_role"]], on="unit_id", how="left")


def _presence(codings: pd.DataFrame, sample: pd.DataFrame, code_ids: list[str]) -> pd.DataFrame:
    index = pd.Index(sample["unit_id"], name="unit_id")
    hits = codings[codings["unit_id"].isin(index)]
    rows, cols = index.get_indexer(hits["unit_id"]), pd.Index(code_ids).get_indexer(hits["code"])
    if (cols < 0).any():  # cannot happen: anchoring and the auto-coder only know the codebook's codes
        raise ValueError(f"code {hits['code'].iloc[int((cols < 0).argmax())]!r} is not in the codebook")
    present = np.zeros((len(index), len(code_ids)), dtype=bool)
    present[rows, cols] = True
    return pd.DataFrame(present, index=index, columns=code_ids)


# Typographic quotation marks and apostrophes, folded to straight ones only to explain a quote not found.
_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u02bc": "'",
                           "\u201c": '"', "\u201d": '"', "\u201e": '"'})


def _find(text: str, quote: str, occurrence: int, where: dict) -> tuple[int, int]:
    """The span of the ``occurrence``-th match of ``quote`` in ``text``.

    Whitespace in the quote matches any run of whitespace, so a quote copied
    across a line break, or across two paragraphs of one turn, is still found;
    the span is of the source's own characters. Overlapping matches count, as
    a reader counting occurrences by eye would count them.
    """
    if not quote.split():
        raise AnalysisError("empty quote", field="quote", **where)
    spans = find_spans(text, quote)
    if not spans:
        hint = "the transcript may have been edited: copy the quote again"
        if find_spans(text.translate(_STRAIGHT), quote.translate(_STRAIGHT)):
            hint = ("the quote's quotation marks or apostrophes differ from the text's (’ for '): a spreadsheet "
                    "may have changed them as you typed; copy the quote again")
        raise AnalysisError("quote not found in the cleaned source text", field="quote", hint=hint, **where)
    if occurrence == 0:
        if len(spans) > 1:
            raise AnalysisError(f"quote is ambiguous: it occurs {len(spans)} times", field="occurrence",
                                hint="give the occurrence number meant, or a longer quote", **where)
        occurrence = 1
    if occurrence > len(spans):
        raise AnalysisError(f"quote occurs {len(spans)} time(s), occurrence {occurrence} asked",
                            field="occurrence", **where)
    return spans[occurrence - 1]


def find_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Every match of ``quote`` in ``text``, overlapping ones included, in order.

    Whitespace in the quote matches any run of whitespace in the text (a
    quote copied across a line break is found); the spans are of ``text``'s
    own characters, so a span may be longer than the quote.

    Args:
        text: The text searched.
        quote: The words sought; an empty or blank quote matches nowhere.

    Returns:
        ``(start, end)`` offsets into ``text``, one per match.
    """
    words = quote.split()
    if not words:
        return []
    # Matching "w1\s+w2\s+..." at every position of the text is matching the words joined by single
    # spaces in the text whose whitespace runs are single spaces: no regex per quote, one scan per source.
    collapsed, points, shifts = _collapsed(text)
    joined = " ".join(words)
    spans, pos = [], collapsed.find(joined)
    while pos >= 0:
        spans.append((_original(pos, points, shifts), _original(pos + len(joined) - 1, points, shifts) + 1))
        pos = collapsed.find(joined, pos + 1)
    return spans


@lru_cache(maxsize=256)
def _collapsed(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` with each whitespace run as one space, and the shifts back to ``text``'s offsets.

    A character at offset ``c`` of the collapsed text is at ``c + shifts[k]`` in ``text``, where
    ``points[k]`` is the last point at or before ``c`` (only runs other than one space shift).
    """
    pieces, points, shifts, last, c = [], [0], [0], 0, 0
    for m in _ODD_SPACE.finditer(text):
        pieces += [text[last:m.start()], " "]
        c += m.start() - last + 1
        points.append(c)
        shifts.append(m.end() - c)
        last = m.end()
    pieces.append(text[last:])
    return "".join(pieces), points, shifts


def _original(c: int, points: list[int], shifts: list[int]) -> int:
    return c + shifts[bisect.bisect_right(points, c) - 1]
