"""Case configuration, codebook and identity key: loaded from YAML and validated.

Errors name the file, the line and the field, because these files are edited
by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import AnalysisError

INDICATOR_KINDS = ("criteria", "ranking")


class _LineDict(dict):
    """A mapping that remembers the line it started on."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file, turning syntax errors into an :class:`AnalysisError` with the line."""
    path = Path(path)
    if not path.is_file():
        raise AnalysisError("file not found", path=path, hint="check the case folder layout in docs/case-format.md")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnalysisError(f"not UTF-8 text (byte {exc.start})", path=path, hint="save the file as UTF-8") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise AnalysisError(f"YAML syntax error: {problem}", path=path, line=line,
                            hint="check indentation and colons on that line") from None


def _require(mapping: Any, key: str, kind: type | tuple[type, ...], path: Path, where: str = "") -> Any:
    line = getattr(mapping, "line", None)
    if not isinstance(mapping, dict):
        raise AnalysisError(f"expected a mapping at {where or 'top level'}", path=path, line=line)
    if key not in mapping:
        raise AnalysisError("missing required field", path=path, line=line, field=f"{where}{key}")
    value = mapping[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise AnalysisError(f"expected {names}, found {type(value).__name__}", path=path, line=line,
                            field=f"{where}{key}")
    return value


@dataclass(frozen=True)
class Code:
    """One code of the codebook."""

    id: str
    indicator: str
    label: dict[str, str]
    definition: str
    keywords: dict[str, list[str]]
    required: bool = False
    recommendation: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    """One indicator: a kind and its codes."""

    id: str
    kind: str
    label: dict[str, str]
    codes: tuple[Code, ...]
    timeline: bool = False


@dataclass(frozen=True)
class Codebook:
    """Indicators in the order the chapter presents them."""

    indicators: tuple[Indicator, ...]

    @property
    def codes(self) -> dict[str, Code]:
        return {c.id: c for i in self.indicators for c in i.codes}

    def indicator(self, indicator_id: str) -> Indicator:
        """Return the indicator with this id, or fail listing the valid ids."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        valid = ", ".join(i.id for i in self.indicators)
        raise AnalysisError(f"unknown indicator {indicator_id!r}; valid values: {valid}",
                            field="indicator_id")


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate ``codebook.yml``.

    Raises:
        AnalysisError: naming the line of a missing field, a wrong type, a
            duplicate id, an unknown kind or an indicator without codes.
    """
    path = Path(path)
    data = load_yaml(path)
    items = _require(data, "indicators", list, path)
    seen: dict[str, int] = {}
    indicators = []
    for n, item in enumerate(items):
        where = f"indicators[{n}]."
        ind_id = _require(item, "id", str, path, where)
        kind = _require(item, "kind", str, path, where)
        if kind not in INDICATOR_KINDS:
            raise AnalysisError(f"unknown indicator kind {kind!r}; valid values: {', '.join(INDICATOR_KINDS)}",
                                path=path, line=item.line, field=f"{where}kind")
        label = _require(item, "label", dict, path, where)
        codes_raw = _require(item, "codes", list, path, where)
        if not codes_raw:
            raise AnalysisError("indicator has no codes", path=path, line=item.line, field=f"{where}codes")
        _unique(ind_id, item.line, seen, path)
        codes = []
        for m, c in enumerate(codes_raw):
            cw = f"{where}codes[{m}]."
            code_id = _require(c, "id", str, path, cw)
            _unique(code_id, c.line, seen, path)
            keywords = c.get("keywords") or {}
            if not isinstance(keywords, dict) or not all(isinstance(v, list) for v in keywords.values()):
                raise AnalysisError("keywords must map a language to a list", path=path, line=c.line,
                                    field=f"{cw}keywords")
            codes.append(Code(
                id=code_id, indicator=ind_id, label=dict(_require(c, "label", dict, path, cw)),
                definition=str(c.get("definition", "")).strip(),
                keywords={k: [str(w) for w in v] for k, v in keywords.items()},
                required=bool(c.get("required", False)),
                recommendation=dict(c.get("recommendation") or {}),
            ))
        indicators.append(Indicator(ind_id, kind, dict(label), tuple(codes), bool(item.get("timeline", False))))
    if not indicators:
        raise AnalysisError("the codebook declares no indicator", path=path, field="indicators")
    return Codebook(tuple(indicators))


def _unique(ident: str, line: int, seen: dict[str, int], path: Path) -> None:
    if ident in seen:
        raise AnalysisError(f"duplicate id {ident!r} (first on line {seen[ident]})", path=path, line=line)
    seen[ident] = line


def load_case(path: str | Path) -> dict[str, Any]:
    """Load and validate ``case.yml`` (parties, language, chapter, rules)."""
    path = Path(path)
    data = load_yaml(path)
    _require(data, "id", str, path)
    _require(data, "language", str, path)
    chapter = _require(data, "chapter", dict, path)
    _require(chapter, "number", (str, int), path, "chapter.")
    _require(chapter, "title", str, path, "chapter.")
    from analysis.text import LANGUAGES  # wording exists for these languages only

    if data["language"] not in LANGUAGES:
        raise AnalysisError(f"no chapter templates for language {data['language']!r}; valid values: "
                            f"{', '.join(LANGUAGES)}", path=path, line=data.line, field="language")
    chapter_number(chapter["number"], path=path, line=chapter.line)
    rules = _require(data, "rules", dict, path)
    for name, rule in rules.items():
        if not isinstance(rule, dict):
            raise AnalysisError(f"expected a mapping of thresholds (e.g. {{min_informants: 2}}), found {rule!r}",
                                path=path, line=rules.line, field=f"rules.{name}")
        for key, value in rule.items():
            if key == "rank_by":
                if not isinstance(value, list):
                    raise AnalysisError("expected a list", path=path, line=rule.line, field=f"rules.{name}.{key}")
                unknown = [v for v in value if v not in RANK_KEYS]
                if unknown:
                    raise AnalysisError(f"cannot rank by {unknown[0]!r}; valid values: {', '.join(RANK_KEYS)}",
                                        path=path, line=rule.line, field=f"rules.{name}.{key}")
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise AnalysisError(f"expected a whole number >= 0, found {value!r}", path=path,
                                    line=rule.line, field=f"rules.{name}.{key}")
    data.setdefault("primary_coder", "A")
    return data


RANK_KEYS = ("informants", "units", "documents")  # the counts of the evidence table
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def chapter_number(num: str | int, path: str | Path | None = None, line: int | None = None) -> int:
    """The chapter number as an integer, from ``4`` or a Roman numeral such as ``IV``.

    Raises:
        AnalysisError: when it is neither.
    """
    if isinstance(num, int) or str(num).isdigit():
        return int(num)
    total, prev = 0, 0
    for ch in reversed(str(num).upper()):
        if ch not in _ROMAN:
            raise AnalysisError(f"chapter number {num!r} is neither a number nor a Roman numeral",
                                path=path, line=line, field="chapter.number")
        v = _ROMAN[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


@dataclass(frozen=True)
class Identity:
    """One informant of the private key."""

    informant_id: str
    pseudonym: str
    names: tuple[str, ...]


def load_identity_key(path: str | Path) -> tuple[Identity, ...]:
    """Load the private identity key (names and aliases -> pseudonyms)."""
    path = Path(path)
    data = load_yaml(path)
    items = _require(data, "informants", list, path)
    out = []
    for n, item in enumerate(items):
        where = f"informants[{n}]."
        names = [_require(item, "name", str, path, where)] + [str(a) for a in item.get("aliases") or []]
        out.append(Identity(_require(item, "informant_id", str, path, where),
                            _require(item, "pseudonym", str, path, where), tuple(names)))
    return tuple(out)
