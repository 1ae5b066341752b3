"""Evidence slices: per indicator, a digest of exactly the rows its notebook reads.

``prepare`` rewrites every table on each run, so their timestamps say
nothing about which indicator's evidence changed. Beside the tables it
writes one small file per indicator, ``.evidence-<id>.sha256``, holding a
digest of what that indicator's report reads (see :func:`indicator_inputs`),
and rewrites it only when the digest differs. The Makefile makes each
indicator notebook depend on its own file, so editing a transcript or a
coding row re-runs only the indicators whose evidence moved.

The files are hidden: bookkeeping for ``make``, not outputs (the manifest
leaves them out).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from analysis.atomic import write_text

PREFIX, SUFFIX = ".evidence-", ".sha256"
# The unit columns an indicator report merges onto its codings (indicators.coded, by_source_type, informant_matrix).
UNIT_COLUMNS = ["unit_id", "speaker", "speaker_role", "source_type", "doc_type"]


def slice_path(folder: str | Path, indicator_id: str) -> Path:
    """Where the evidence digest of one indicator lives in the processed folder."""
    return Path(folder) / f"{PREFIX}{indicator_id}{SUFFIX}"


def indicator_inputs(indicator_id: str, tables: Mapping[str, pd.DataFrame],
                     primary_coder: str) -> dict[str, pd.DataFrame]:
    """The parts of the processed tables that one indicator's report reads (``report.indicator_report``).

    Args:
        indicator_id: The indicator.
        tables: The processed tables by name (``codings``, ``units``, ``sources``, ``documents`` are read).
        primary_coder: The case's primary coder (the other coders' coverage enters the sensitivity check).

    Returns:
        Named frames: the indicator's codings (every coder); the unit columns
        merged onto them; every informant (the heatmap's rows); the sources
        each other coder coded (the coder scenarios); the document register;
        the number of sources of each type (the missing-data note); and, per
        coding, the source text at its span (what quote verification compares).
    """
    codings, units, sources = tables["codings"], tables["units"], tables["sources"]
    mine = codings[codings["indicator"] == indicator_id].reset_index(drop=True)
    used_units = units.loc[units["unit_id"].isin(set(mine["unit_id"])), UNIT_COLUMNS].reset_index(drop=True)
    informants = pd.DataFrame({"speaker": sorted(units.loc[units["speaker_role"] == "informant", "speaker"].unique())})
    others = codings.loc[codings["coder"] != primary_coder, ["coder", "source_id"]]
    sampled = others.drop_duplicates().sort_values(["coder", "source_id"]).reset_index(drop=True)
    kinds = sources["source_type"].value_counts().sort_index()
    source_types = pd.DataFrame({"source_type": kinds.index.astype(str), "n": kinds.to_numpy()})
    return {"codings": mine, "units": used_units, "informants": informants, "sampled": sampled,
            "documents": tables["documents"].reset_index(drop=True), "source_types": source_types,
            "quoted_text": pd.DataFrame({"text": _texts_at(mine["excerpt_id"], sources)})}


def digest(parts: Mapping[str, pd.DataFrame]) -> str:
    """A sha256 over named frames: names, columns, dtypes and a hash of every row, in order."""
    h = hashlib.sha256()
    for name in sorted(parts):
        frame = parts[name]
        h.update(f"{name}\0{list(frame.columns)}\0{[str(t) for t in frame.dtypes]}\0{len(frame)}\0".encode())
        if len(frame):
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def write_slices(folder: str | Path, tables: Mapping[str, pd.DataFrame], indicator_ids: Iterable[str],
                 primary_coder: str) -> list[str]:
    """Write each indicator's evidence digest, only where it changed; remove those of indicators gone.

    An unchanged file is left as it is, timestamp included: that is what
    lets ``make`` skip the indicator.

    Returns:
        The ids of the indicators whose evidence changed (or was new).
    """
    folder = Path(folder)
    ids = list(indicator_ids)
    changed = []
    for indicator_id in ids:
        path = slice_path(folder, indicator_id)
        content = (f"# evidence read by indicator {indicator_id} (written by prepare; make compares it)\n"
                   f"{digest(indicator_inputs(indicator_id, tables, primary_coder))}\n")
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            write_text(path, content)
            changed.append(indicator_id)
    keep = {slice_path(folder, i).name for i in ids}
    for old in folder.glob(f"{PREFIX}*{SUFFIX}"):
        if old.name not in keep:
            old.unlink()
    return changed


def _texts_at(excerpt_ids: pd.Series, sources: pd.DataFrame) -> list[str | None]:
    """The source text at each excerpt's span (``SOURCE:start-end``); ``None`` for an unknown source."""
    texts = dict(zip(sources["source_id"], sources["text"]))
    out: list[str | None] = []
    for excerpt_id in excerpt_ids:
        source_id, span = str(excerpt_id).rsplit(":", 1)
        start, end = (int(x) for x in span.split("-"))
        text = texts.get(source_id)
        out.append(None if text is None else text[start:end])
    return out
