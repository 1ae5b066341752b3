"""Inter-coder reliability statistics for nominal codes: any number of coders, missing data, intervals.

Every statistic is computed from per-unit contributions that add up over
units (category counts, coincidences, confusion cells). The point estimate
uses the sum over all units; the bootstrap resamples units (or clusters of
units, e.g. the codes of one speaker turn) with replacement and recomputes
the statistic from the resampled sums. The generator is seeded, so two
builds print the same interval to the last byte.

Data for the many-coder statistics is a coders x units array; a missing
value (the coder did not code that unit) is ``None`` or NaN.

Conventions (Krippendorff, "Computing Krippendorff's Alpha-Reliability",
2011): a unit coded by fewer than two coders is unpairable and dropped;
alpha is undefined (NaN) when the pairable values show no variation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

SEED = 20251129  # fixed: the intervals are part of the build's output and must not change between builds
RESAMPLES = 1000
LEVEL = 0.95
_CHUNK = 100  # resamples summed at a time: bounds memory on large comparisons

Statistic = Callable[[np.ndarray], np.ndarray]
Data = Sequence[Any] | np.ndarray  # coders x units: nested lists, a list of arrays or a 2-D array


# --- two coders (the existing API, kept for callers) -----------------------------------------------

def agreement(a: np.ndarray, b: np.ndarray) -> dict[str, float | int]:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha for two coders' nominal codes.

    Kappa and alpha are NaN when undefined (both coders constant and equal).
    """
    a, b = np.asarray(a), np.asarray(b)
    n = len(a)
    agree = int((a == b).sum())
    return {"units": n, "agree": agree, "percent_agreement": agree / n if n else float("nan"),
            "cohen_kappa": cohen_kappa(a, b), "krippendorff_alpha": krippendorff_alpha_nominal(a, b)}


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa for two coders over the same units (NaN when undefined)."""
    return float(kappa_from_confusion(confusion(a, b)[0].sum(axis=0))[0])


def krippendorff_alpha_nominal(a: np.ndarray, b: np.ndarray) -> float:
    """Krippendorff's alpha, nominal metric, two coders, no missing values."""
    return alpha([np.asarray(a), np.asarray(b)])


# --- per-unit contributions and the statistics computed from their sums ----------------------------

def encode(data: Data) -> tuple[np.ndarray, int]:
    """Coders x units values as category indices (-1 for missing) and the number of categories."""
    values = np.asarray(data, dtype=object)
    if values.ndim != 2:
        raise ValueError(f"reliability data must be coders x units, got {values.ndim} dimension(s)")
    missing = pd.isna(values)
    present = values[~missing]
    categories = sorted(set(present.tolist()), key=repr) if present.size else []
    lookup = {c: i for i, c in enumerate(categories)}
    codes = np.full(values.shape, -1, dtype=np.int64)
    codes[~missing] = [lookup[v] for v in present.tolist()]
    return codes, len(categories)


def unit_counts(codes: np.ndarray, k: int) -> np.ndarray:
    """Units x categories: how many coders gave each category to each unit."""
    counts = np.zeros((codes.shape[1], k), dtype=np.int64)
    coder, unit = np.nonzero(codes >= 0)
    np.add.at(counts, (unit, codes[coder, unit]), 1)
    return counts


def alpha_contributions(counts: np.ndarray) -> np.ndarray:
    """Per unit: its values n_uc (pairable units only) and its diagonal coincidences sum_c n_uc(n_uc-1)/(m_u-1)."""
    m = counts.sum(axis=1)
    pairable = m >= 2
    n_c = np.where(pairable[:, None], counts, 0).astype(float)
    diagonal = np.zeros(len(counts))
    diagonal[pairable] = (counts[pairable] * (counts[pairable] - 1)).sum(axis=1) / (m[pairable] - 1)
    return np.column_stack([n_c, diagonal])


def alpha_from_totals(totals: np.ndarray) -> np.ndarray:
    """Nominal alpha from summed contributions: 1 - (n - 1) * (n - sum o_cc) / (n^2 - sum n_c^2)."""
    totals = np.atleast_2d(totals)
    n_c, diagonal = totals[:, :-1], totals[:, -1]
    n = n_c.sum(axis=1)
    expected = n ** 2 - (n_c ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1 - (n - 1) * (n - diagonal) / expected
    return np.where(expected > 0, out, np.nan)


def alpha(data: Data) -> float:
    """Krippendorff's alpha (nominal) for any number of coders with missing values (NaN when undefined)."""
    codes, k = encode(data)
    return float(alpha_from_totals(alpha_contributions(unit_counts(codes, k)).sum(axis=0))[0])


def confusion(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """Per unit a one-hot k x k confusion cell (flattened to units x k*k); k the categories of both coders."""
    codes, k = encode([np.asarray(a, dtype=object), np.asarray(b, dtype=object)])
    out = np.zeros((codes.shape[1], k, k))
    out[np.arange(codes.shape[1]), codes[0], codes[1]] = 1
    return out.reshape(codes.shape[1], k * k), k


def kappa_from_confusion(totals: np.ndarray) -> np.ndarray:
    """Cohen's kappa from summed (flattened, square) confusion matrices: (po - pe) / (1 - pe)."""
    totals = np.atleast_2d(totals)
    k = int(round(np.sqrt(totals.shape[1])))
    m = totals.reshape(len(totals), k, k)
    n = m.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        po = np.trace(m, axis1=1, axis2=2) / n
        pe = (m.sum(axis=2) * m.sum(axis=1)).sum(axis=1) / n ** 2
        out = (po - pe) / (1 - pe)
    return np.where((n > 0) & (pe < 1), out, np.nan)


def fleiss_contributions(counts: np.ndarray) -> np.ndarray:
    """Per unit: n_uc, sum_c n_uc^2 and 1 (the unit count)."""
    return np.column_stack([counts, (counts ** 2).sum(axis=1), np.ones(len(counts))]).astype(float)


def fleiss_from_totals(totals: np.ndarray, raters: int) -> np.ndarray:
    """Fleiss' kappa from summed contributions, every unit rated by ``raters`` coders."""
    totals = np.atleast_2d(totals)
    n_c, squares, units = totals[:, :-2], totals[:, -2], totals[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        p_bar = (squares - units * raters) / (units * raters * (raters - 1))
        pe = ((n_c / (units * raters)[:, None]) ** 2).sum(axis=1)
        out = (p_bar - pe) / (1 - pe)
    return np.where((units > 0) & (pe < 1), out, np.nan)


def fleiss_kappa(data: Data) -> float:
    """Fleiss' kappa; NaN unless every unit has the same number (at least two) of coders."""
    codes, k = encode(data)
    counts = unit_counts(codes, k)
    m = counts.sum(axis=1)
    if len(m) == 0 or m.min() != m.max() or m[0] < 2:
        return float("nan")
    return float(fleiss_from_totals(fleiss_contributions(counts).sum(axis=0), int(m[0]))[0])


def percent_agreement(data: Data) -> tuple[int, int]:
    """Pairable units (two or more coders) and how many of them all their coders agree on."""
    codes, k = encode(data)
    counts = unit_counts(codes, k)
    m = counts.sum(axis=1)
    pairable = m >= 2
    return int(pairable.sum()), int((counts[pairable].max(axis=1, initial=0) == m[pairable]).sum())


def pairwise_kappa(data: Data) -> dict[tuple[int, int], tuple[int, float]]:
    """Cohen's kappa for every coder pair (by row index) over the units both coded: (units, kappa)."""
    values = np.asarray(data, dtype=object)
    missing = pd.isna(values)
    out = {}
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            both = ~missing[i] & ~missing[j]
            out[(i, j)] = (int(both.sum()), cohen_kappa(values[i, both], values[j, both]))
    return out


# --- bootstrap --------------------------------------------------------------------------------------

def bootstrap_ci(contributions: np.ndarray, statistic: Statistic, clusters: np.ndarray | None = None,
                 resamples: int = RESAMPLES, seed: int = SEED, level: float = LEVEL) -> tuple[float, float]:
    """Percentile bootstrap interval of a statistic computed from summed per-unit contributions.

    Args:
        contributions: Units x contributions (rows add up to the statistic's input).
        statistic: Maps resamples x contributions totals to one value each (NaN when undefined).
        clusters: Optional cluster label per unit; whole clusters are resampled (e.g. the codes of one
            turn, which are not independent of one another).
        resamples: Number of bootstrap resamples.
        seed: Seed of numpy's default generator; fixed so that builds are byte-identical.
        level: Coverage of the interval.

    Returns:
        (low, high); NaN when fewer than two units (clusters) or no resample defines the statistic.
        Resamples in which the statistic is undefined (no variation drawn) are left out.
    """
    rows = np.asarray(contributions, dtype=float)
    if clusters is not None:
        labels, inverse = np.unique(np.asarray(clusters), return_inverse=True)
        grouped = np.zeros((len(labels), rows.shape[1]))
        np.add.at(grouped, inverse, rows)
        rows = grouped
    if len(rows) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(rows), size=(resamples, len(rows)))
    values = np.concatenate([statistic(rows[draws[i:i + _CHUNK]].sum(axis=1))
                             for i in range(0, resamples, _CHUNK)])
    values = values[~np.isnan(values)]
    if not len(values):
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def pair_row(a: np.ndarray, b: np.ndarray, clusters: np.ndarray | None = None) -> dict[str, float | int]:
    """Two coders over the same units: agreement, kappa and alpha, each with its bootstrap interval."""
    a, b = np.asarray(a), np.asarray(b)
    row: dict[str, float | int] = {**agreement(a, b), "coders": 2, "fleiss_kappa": float("nan")}
    if np.isnan(row["cohen_kappa"]):
        row["kappa_ci_low"] = row["kappa_ci_high"] = float("nan")
    else:
        row["kappa_ci_low"], row["kappa_ci_high"] = bootstrap_ci(confusion(a, b)[0], kappa_from_confusion, clusters)
    codes, k = encode([a.astype(object), b.astype(object)])
    row["ci_low"], row["ci_high"] = _alpha_ci(unit_counts(codes, k), row["krippendorff_alpha"], clusters)
    return row


def many_row(data: np.ndarray, clusters: np.ndarray | None = None) -> dict[str, float | int]:
    """Any number of coders with missing values: alpha (and Fleiss' kappa where defined) with intervals.

    ``units`` counts the pairable units, ``coders`` the coders with at least one value on them.
    """
    codes, k = encode(data)
    counts = unit_counts(codes, k)
    m = counts.sum(axis=1)
    pairable = m >= 2
    units, agree = percent_agreement(data)
    point = float(alpha_from_totals(alpha_contributions(counts).sum(axis=0))[0])
    row: dict[str, float | int] = {
        "units": units, "agree": agree, "percent_agreement": agree / units if units else float("nan"),
        "cohen_kappa": float("nan"), "krippendorff_alpha": point,
        "coders": int((codes[:, pairable] >= 0).any(axis=1).sum()),
    }
    raters = m[pairable]
    kept = None if clusters is None else np.asarray(clusters)[pairable]
    if len(raters) and raters.min() == raters.max():
        fleiss = fleiss_contributions(counts[pairable])
        row["fleiss_kappa"] = float(fleiss_from_totals(fleiss.sum(axis=0), int(raters[0]))[0])
        row["kappa_ci_low"], row["kappa_ci_high"] = (
            (float("nan"), float("nan")) if np.isnan(row["fleiss_kappa"]) else
            bootstrap_ci(fleiss, lambda t: fleiss_from_totals(t, int(raters[0])), kept))
    else:
        row["fleiss_kappa"] = row["kappa_ci_low"] = row["kappa_ci_high"] = float("nan")
    row["ci_low"], row["ci_high"] = _alpha_ci(counts[pairable], point, kept)
    return row


def _alpha_ci(counts: np.ndarray, point: float, clusters: np.ndarray | None) -> tuple[float, float]:
    if np.isnan(point):  # no interval around an undefined figure
        return float("nan"), float("nan")
    return bootstrap_ci(alpha_contributions(counts), alpha_from_totals, clusters)


# --- disagreements, listed for the coders' reconciliation meeting ----------------------------------

EXCERPT_CHARS = 400  # enough of a turn to recognise it at the meeting; the full text is in the units table
# What the two coders of a pair did differently with one code in one unit.
ONLY_FIRST, ONLY_SECOND, STANCE = "only first", "only second", "stance"


def disagreement_rows(first: str, second: str, one: pd.DataFrame, other: pd.DataFrame, sample: pd.DataFrame,
                      code_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every unit and code on which two coders differ, with what each of them coded there.

    A row is a unit x code where exactly one of the two coders applied the
    code (``kind`` ``only first`` / ``only second``), or where both applied
    it with a different stance (``stance``): presence agreement alone would
    hide the second kind, and the verdicts turn on it.

    Args:
        first: Name of the first coder of the pair (the primary coder when one of the two).
        second: Name of the second coder.
        one: The first coder's codings (columns ``unit_id``, ``code``, ``quote``, ``stance``, ``memo``).
        other: The second coder's codings, likewise.
        sample: The units both coders are compared on (``unit_id``, ``source_id``, ``text``), in order.
        code_ids: The codebook's codes, in codebook order (the order of the rows within a unit).

    Returns:
        Rows for the ``disagreements`` table, ordered by unit (as in ``sample``) and code. Quotes and
        memos of one coder in one unit are joined with `` | ``; the unit text is cut to
        ``EXCERPT_CHARS`` characters (it is already pseudonymised, as every unit text is).
    """
    a, b = _by_unit_code(one, sample), _by_unit_code(other, sample)
    keys = a.index.union(b.index)
    unit_order = {u: i for i, u in enumerate(sample["unit_id"])}
    code_order = {c: i for i, c in enumerate(code_ids)}
    keys = sorted(keys, key=lambda k: (unit_order[k[0]], code_order.get(k[1], len(code_order)), k[1]))
    units = sample.set_index("unit_id")
    rows = []
    for unit_id, code in keys:
        in_a, in_b = (unit_id, code) in a.index, (unit_id, code) in b.index
        x = a.loc[(unit_id, code)] if in_a else None
        y = b.loc[(unit_id, code)] if in_b else None
        if x is not None and y is not None and x["stance"] == y["stance"]:
            continue  # both coded it, with the same stance: nothing to reconcile
        kind = STANCE if x is not None and y is not None else ONLY_FIRST if x is not None else ONLY_SECOND
        rows.append({
            "comparison": f"{first} vs {second}", "coder_1": first, "coder_2": second,
            "unit_id": unit_id, "source_id": str(units.at[unit_id, "source_id"]), "code": code, "kind": kind,
            "applied_by": " and ".join(c for c, v in ((first, x), (second, y)) if v is not None),
            **{f"{col}_{n}": ("" if v is None else v[col]) for n, v in ((1, x), (2, y))
               for col in ("stance", "quote", "memo")},
            "excerpt": _excerpt(str(units.at[unit_id, "text"])),
        })
    return rows


def _by_unit_code(codings: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """One coder's codings on the sample's units, one row per unit x code: stances, quotes and memos joined."""
    mine = codings[codings["unit_id"].isin(set(sample["unit_id"]))]
    if mine.empty:
        return pd.DataFrame(columns=["stance", "quote", "memo"],
                            index=pd.MultiIndex.from_tuples([], names=["unit_id", "code"]))

    def joined(values: pd.Series) -> str:
        return " | ".join(dict.fromkeys(v for v in values if v))  # unique, in reading order

    ordered = mine.sort_values(["unit_id", "code", "start"], kind="stable") if "start" in mine else mine
    return ordered.groupby(["unit_id", "code"], sort=True).agg(
        stance=("stance", lambda s: "+".join(sorted(set(s)))), quote=("quote", joined), memo=("memo", joined))


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[:EXCERPT_CHARS].rsplit(" ", 1)[0]  # at a word boundary: no half word at the end
    return cut + " …"


def disagreement_counts(disagreements: pd.DataFrame, reliability: pd.DataFrame) -> dict[str, Any]:
    """The appendix's summary of the disagreements table: per pair of coders and code, how many of each kind.

    Args:
        disagreements: The ``disagreements`` table.
        reliability: The ``reliability`` table: its pairs of human coders (in its order) are the pairs
            summarised, so that a pair with no disagreement is named as such rather than left out, and
            its code order (the codebook's) orders the rows.

    Returns:
        ``rows``: one per pair and code with a disagreement (``comparison``, ``code``, ``only_first``,
        ``only_second``, ``stance``, ``total``); ``agreeing``: the pairs without any.
    """
    pairs = list(dict.fromkeys(c for c in reliability["comparison"] if is_coder_pair(c)))
    code_order = {c: i for i, c in enumerate(dict.fromkeys(reliability["code"]))}
    rows = []
    for comparison in pairs:
        mine = disagreements[disagreements["comparison"] == comparison]
        for code in sorted(set(mine["code"]), key=lambda c: (code_order.get(c, len(code_order)), c)):
            kinds = mine.loc[mine["code"] == code, "kind"].value_counts()
            rows.append({"comparison": comparison, "code": code, "only_first": int(kinds.get(ONLY_FIRST, 0)),
                         "only_second": int(kinds.get(ONLY_SECOND, 0)), "stance": int(kinds.get(STANCE, 0)),
                         "total": int(kinds.sum())})
    found = {r["comparison"] for r in rows}
    return {"rows": rows, "agreeing": [c for c in pairs if c not in found]}


def is_coder_pair(comparison: str) -> bool:
    """Whether a reliability comparison is two human coders' presence comparison (``A vs B``), not the
    all-coders, stance or auto-coder rows."""
    return (" vs " in comparison and not comparison.endswith(" (stance)")
            and not comparison.endswith(" vs auto"))


def undefined_figures(reliability: pd.DataFrame) -> list[dict[str, Any]]:
    """Per comparison, the codes whose alpha is undefined (no variation), for a sentence naming them.

    Returns:
        ``[{"comparison": ..., "codes": [...]}]`` in the table's order; empty when every alpha is defined.
    """
    undefined = reliability[reliability["krippendorff_alpha"].isna()]
    return [{"comparison": comparison, "codes": list(group["code"])}
            for comparison, group in undefined.groupby("comparison", sort=False)]
