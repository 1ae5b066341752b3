"""Declared schemas of every table a stage writes, checked on write and on read.

A light stand-in for pandera's ``DataFrameModel``: column names, order, types,
nullability and unique keys. Kept in-house because the checks we need are
few and pandera's import alone costs more than a whole stage here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.atomic import atomic_path
from analysis.errors import AnalysisError

_CHECKS = {
    "str": pd.api.types.is_string_dtype,
    "int": pd.api.types.is_integer_dtype,
    "int?": pd.api.types.is_integer_dtype,
    "bool": pd.api.types.is_bool_dtype,
    "float": pd.api.types.is_float_dtype,
}
# "int?" is an integer that may be empty (pandas' nullable Int64), e.g. the page of a unit from an unpaged source.
_CASTS = {"str": "string", "int": "int64", "int?": "Int64", "bool": "bool", "float": "float64"}


@dataclass(frozen=True)
class Schema:
    """A table's contract.

    Args:
        name: Table name (also its file stem).
        columns: Column name -> "str" | "int" | "int?" (may be empty) | "bool" | "float", in order.
        key: Columns whose combination must be unique.
    """

    name: str
    columns: dict[str, str]
    key: tuple[str, ...] = ()

    def conform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with exactly the declared columns, cast to their types."""
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise AnalysisError(f"table {self.name!r} lacks columns {missing}", field=",".join(missing))
        out = df.loc[:, list(self.columns)].astype({c: _CASTS[t] for c, t in self.columns.items()})
        return out.reset_index(drop=True)

    def validate(self, df: pd.DataFrame, where: str | Path = "") -> pd.DataFrame:
        """Check ``df`` against the schema and return it.

        Raises:
            AnalysisError: naming the table, column and first bad row.
        """
        if list(df.columns) != list(self.columns):
            raise AnalysisError(f"table {self.name!r} has columns {list(df.columns)}, "
                                f"expected {list(self.columns)}", path=where or None)
        for col, kind in self.columns.items():
            if not _CHECKS[kind](df[col].dtype):
                raise AnalysisError(f"table {self.name!r}: column has type {df[col].dtype}, expected {kind}",
                                    path=where or None, field=col)
            nulls = df[col].isna()
            if kind not in ("float", "int?") and nulls.any():
                raise AnalysisError(f"table {self.name!r}: empty value in row {int(nulls.idxmax()) + 1}",
                                    path=where or None, field=col)
        if self.key:
            dup = df.duplicated(list(self.key), keep=False)
            if dup.any():
                row = df[dup].iloc[0]
                raise AnalysisError(f"table {self.name!r}: duplicate key "
                                    f"{tuple(row[k] for k in self.key)}", path=where or None,
                                    field=",".join(self.key))
        return df


def write_table(df: pd.DataFrame, schema: Schema, folder: str | Path) -> list[Path]:
    """Validate and write a table as Parquet (for the pipeline) and CSV (for people), atomically."""
    df = schema.validate(schema.conform(df))
    folder = Path(folder)
    parquet, csv = folder / f"{schema.name}.parquet", folder / f"{schema.name}.csv"
    with atomic_path(parquet) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
    with atomic_path(csv) as tmp:
        spreadsheet_safe(df).to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
    return [parquet, csv]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell that a spreadsheet would run as a formula prefixed by ``'``.

    A quote or memo starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or
    carriage return) is executed by Excel or LibreOffice when the CSV is
    opened: a quoted ``=HYPERLINK(...)`` becomes a live link (CSV injection).
    The leading apostrophe is OWASP's recommended escape: the spreadsheet
    shows the text as text. Only the CSV copy is escaped; the Parquet tables,
    which the pipeline reads, keep the exact text.
    """
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]):
            values = out[col]
            risky = values.str.startswith(FORMULA_STARTS, na=False)
            if risky.any():
                out[col] = values.mask(risky, "'" + values)
    return out


def require_tables(folder: str | Path) -> None:
    """Fail, naming the first one, unless every processed table is in ``folder`` (checked before a kernel starts)."""
    for schema in ALL:
        _require(Path(folder) / f"{schema.name}.parquet")


def _require(path: Path) -> None:
    if not path.is_file():
        raise AnalysisError("processed table missing", path=path,
                            hint="run `make data` (or `python -m analysis prepare`) first")


def read_table(schema: Schema, folder: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table` and check it against its schema."""
    path = Path(folder) / f"{schema.name}.parquet"
    _require(path)
    import pyarrow

    try:
        df = pd.read_parquet(path, engine="pyarrow")
    except (pyarrow.ArrowException, OSError) as exc:
        raise AnalysisError(f"damaged table ({type(exc).__name__})", path=path,
                            hint="rebuild it: `make data` (or `python -m analysis prepare`)") from None
    return schema.validate(df, path)


SOURCES = Schema("sources", {
    "source_id": "str", "source_type": "str", "doc_type": "str", "format": "str", "path": "str",
    "speaker": "str", "date": "str", "language": "str", "illustrative": "bool",
    "n_units": "int", "sha256": "str", "text": "str",
    # What a document says about itself, kept out of its units: its title, author and date (web pages,
    # PDF properties), its headings and its leading notices ("ILLUSTRATIVE DOCUMENT: ..."), one per line.
    "title": "str", "author": "str", "published": "str", "headings": "str", "notices": "str",
}, key=("source_id",))

UNITS = Schema("units", {
    "unit_id": "str", "source_id": "str", "source_type": "str", "doc_type": "str", "seq": "int",
    "speaker": "str", "speaker_role": "str", "timestamp": "str", "start": "int", "end": "int",
    "language": "str", "text": "str", "line": "int",
    "page": "int?",  # the page a document paragraph starts on, in a paged original (PDF); empty otherwise
}, key=("unit_id",))  # line: where the unit starts in the raw file (a .docx: its paragraph number; a PDF: line on its page)

INFORMANTS = Schema("informants", {
    "informant": "str", "source_id": "str", "role": "str", "organisation": "str", "language": "str",
    "illustrative": "bool",
}, key=("informant", "source_id"))  # one row per informant and interview: follow-ups and groups

DOCUMENTS = Schema("documents", {
    "doc_id": "str", "date": "str", "date_precision": "str", "uncertain": "bool", "type": "str",
    "title": "str", "source_url": "str", "origin": "str", "milestone": "str", "language": "str",
    "uncertainty_note": "str", "file": "str",
}, key=("doc_id",))

CODINGS = Schema("codings", {
    "excerpt_id": "str", "source_id": "str", "unit_id": "str", "indicator": "str", "code": "str",
    "coder": "str", "start": "int", "end": "int", "quote": "str", "memo": "str", "stance": "str",
    "stance_explicit": "bool", "caveat": "bool", "origin": "str", "codings_file": "str", "row": "int",
}, key=("coder", "code", "source_id", "start", "end"))

# ci_low/ci_high: bootstrap interval of krippendorff_alpha; kappa_ci_*: of the row's kappa (Cohen's for a
# pair of coders, Fleiss' for the "all coders" rows). NaN where the figure is undefined.
RELIABILITY = Schema("reliability", {
    "comparison": "str", "code": "str", "units": "int", "coders": "int", "agree": "int",
    "percent_agreement": "float", "cohen_kappa": "float", "fleiss_kappa": "float", "kappa_ci_low": "float",
    "kappa_ci_high": "float", "krippendorff_alpha": "float", "ci_low": "float", "ci_high": "float",
}, key=("comparison", "code"))

# For the coders' reconciliation meeting: a unit x code one coder of a pair applied and the other did not
# (kind "only first"/"only second"), or both applied with another stance ("stance"); with each coder's
# stance, quotes and memo, and the (pseudonymised) unit text cut to an excerpt. Human coders only.
DISAGREEMENTS = Schema("disagreements", {
    "comparison": "str", "coder_1": "str", "coder_2": "str", "unit_id": "str", "source_id": "str", "code": "str",
    "kind": "str", "applied_by": "str", "stance_1": "str", "quote_1": "str", "memo_1": "str", "stance_2": "str",
    "quote_2": "str", "memo_2": "str", "excerpt": "str",
}, key=("comparison", "unit_id", "code"))

SUGGESTIONS = Schema("suggestions", {
    "unit_id": "str", "source_id": "str", "indicator": "str", "code": "str", "keyword": "str", "origin": "str",
}, key=("unit_id", "code"))

MISSES = Schema("possible_misses", dict(SUGGESTIONS.columns), key=("unit_id", "code"))

FREQUENCIES = Schema("code_frequencies", {"code": "str", "source_type": "str", "units": "int"},
                     key=("code", "source_type"))

INFORMANT_CODES = Schema("informant_codes", {"informant": "str", "code": "str", "units": "int"},
                         key=("informant", "code"))

COOCCURRENCE = Schema("cooccurrence", {"code_1": "str", "code_2": "str", "units": "int"}, key=("code_1", "code_2"))

# Accepted input that someone should look at: files repaired while reading (``line`` 0), and codings on
# interviewer turns (``line`` the codings row). ``file`` is relative to the case folder.
INPUT_WARNINGS = Schema("input_warnings", {
    "kind": "str", "file": "str", "line": "int", "source_id": "str", "detail": "str",
}, key=("kind", "file", "line", "detail"))

ALL = (SOURCES, UNITS, INFORMANTS, DOCUMENTS, CODINGS, RELIABILITY, DISAGREEMENTS, SUGGESTIONS, MISSES,
       FREQUENCIES, INFORMANT_CODES, COOCCURRENCE, INPUT_WARNINGS)


def is_table_file(name: str) -> bool:
    """Whether a file name in the processed folder is one of the tables :func:`write_table` writes."""
    return name in {f"{schema.name}.{ext}" for schema in ALL for ext in ("parquet", "csv")}
