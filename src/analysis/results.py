"""The results files (``reports/results/*.json``), typed for the code that reads them.

:mod:`analysis.report` writes one file per indicator and :mod:`analysis.chapter`
writes ``conclusion.json``; readers (the conclusion, ``diff``, the notebooks)
load them through these classes, so a missing or misspelt key fails here with
the file named instead of deep inside a template. Only the keys every
version of the package wrote are required; the others default to empty, so
``diff`` still reads an older build. The nested parts (tables of
codes, scenarios, quotes) stay plain JSON values: their shape belongs to the
report and is checked by its tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from analysis.errors import AnalysisError

_REBUILD = "results files are written by the pipeline only: rebuild them with `make`"


def _read(path: Path, required: tuple[str, ...]) -> dict[str, Any]:
    """The JSON object of a results file; fails naming the file (and the field) when it is not one."""
    if not path.is_file():
        raise AnalysisError("results file missing", path=path, hint="run `make` (or `python -m analysis build`)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise AnalysisError("not a results file (expected a JSON object)", path=path, hint=_REBUILD)
    for key in required:
        if key not in data:
            raise AnalysisError("not a results file (expected a JSON object)", path=path, field=key, hint=_REBUILD)
    return data


def _typed(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The values of ``cls``'s typed fields found in ``data`` (the others keep their defaults: a file
    from an older version of the package may lack a key added since)."""
    return {f.name: data[f.name] for f in fields(cls) if f.name not in ("path", "data") and f.name in data}


@dataclass(frozen=True)
class IndicatorResults:
    """One indicator's results file (``reports/results/<indicator>.json``).

    Attributes:
        indicator: The indicator id from the codebook.
        kind: ``criteria`` or ``ranking``.
        label: The indicator's label in the chapter language.
        language: The chapter language the texts are in.
        coder: The coder whose codings decided the verdict.
        verdict: ``met``/``not met`` wording for a criteria indicator; ``None`` for a ranking.
        codes: One entry per code: counts, state, rank, fragility.
        totals: Counts over the whole indicator (units, informants, documents, ...).
        rule: The thresholds that applied.
        findings: The codes grouped by what was found (supported, contested, ...).
        sensitivity: The scenarios of the sensitivity analysis and what flips under them.
        quotes: The strongest quotes per code.
        contrary: Evidence against the codes.
        caveats: Caveats the coders recorded.
        ranking: The ranked codes (ranking indicators).
        tables: The tables the notebook shows (id and caption).
        figures: The figures the notebook shows (id, caption, files).
        left_out: What the chapter leaves out, and why.
        path: The file read.
        data: The whole file as read, in its key order (what :meth:`to_json` writes back).
    """

    indicator: str
    kind: str
    verdict: str | None
    codes: list[dict[str, Any]]
    label: str = ""
    language: str = ""
    coder: str = ""
    totals: dict[str, Any] = field(default_factory=dict)
    rule: dict[str, Any] = field(default_factory=dict)
    findings: dict[str, Any] = field(default_factory=dict)
    sensitivity: dict[str, Any] = field(default_factory=dict)
    quotes: list[Any] = field(default_factory=list)
    contrary: list[Any] = field(default_factory=list)
    caveats: list[Any] = field(default_factory=list)
    ranking: list[Any] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    left_out: list[Any] = field(default_factory=list)
    path: Path | None = field(default=None, compare=False)
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, path: str | Path) -> IndicatorResults:
        """Read a results file.

        Raises:
            AnalysisError: when it is missing, not a JSON object, or lacks one of
                ``indicator``, ``kind``, ``verdict``, ``codes`` (the other fields default to empty).
        """
        path = Path(path)
        data = _read(path, ("indicator", "kind", "verdict", "codes"))
        return cls(**_typed(cls, data), path=path, data=data)

    def to_json(self) -> dict[str, Any]:
        """The file's content as a JSON-ready dict: every key read, typed fields as they are now."""
        return {**self.data, **{f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("path", "data")}}


@dataclass(frozen=True)
class ConclusionResults:
    """``reports/results/conclusion.json``: the conclusion text and the verdicts it was written from.

    Attributes:
        language: The chapter language.
        markdown: The conclusion as Markdown.
        indicators: The indicator ids in chapter order.
        verdicts: Their verdicts, in the same order (``None`` for a ranking).
        path: The file read.
        data: The whole file as read.
    """

    language: str
    markdown: str
    indicators: list[str]
    verdicts: list[str | None]
    path: Path | None = field(default=None, compare=False)
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, path: str | Path) -> ConclusionResults:
        """Read ``conclusion.json`` (errors as :meth:`IndicatorResults.from_json`)."""
        path = Path(path)
        data = _read(path, ("language", "markdown", "indicators", "verdicts"))
        return cls(**_typed(cls, data), path=path, data=data)

    def to_json(self) -> dict[str, Any]:
        """The file's content as a JSON-ready dict."""
        return {**self.data, **{f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("path", "data")}}
