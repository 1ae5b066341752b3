"""Case configuration, codebook and identity key: loaded from YAML and validated.

Errors name the file, the line and the field, because these files are edited
by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import STRICT, AnalysisError, ProblemCollector, did_you_mean, excerpt

INDICATOR_KINDS = ("criteria", "ranking")


class _LineDict(dict):
    """A mapping that remembers the line it started on, and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class YamlRefused(yaml.MarkedYAMLError):
    """A YAML construct refused on purpose (an alias, a merge key, a duplicate key), with its place.

    Args:
        problem: What was found, in one sentence.
        mark: Where (PyYAML's mark of the node).
        hint: What to write instead.
    """

    def __init__(self, problem: str, mark: yaml.Mark | None, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


_ALIAS_HINT = "write the value out in full: anchors (&), aliases (*) and merge keys (<<) are not supported"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Strict:
    """Construction that refuses what a hand-edited settings file never needs and an attacker does.

    An alias makes one node appear twice: a few nested ones (a "billion
    laughs") stand for gigabytes once anything walks the value. A node met a
    second time is refused before it is used, so nothing is ever expanded.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise YamlRefused("YAML alias (*name) refused", node.start_mark, _ALIAS_HINT)
        return super().construct_object(node, deep=deep)


class _LineLoader(_Strict, yaml.SafeLoader):
    """The pure-Python safe loader, strict; it refuses an alias as soon as the parser meets it."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):  # before the composer looks the anchor up: the alias's own line
            raise YamlRefused("YAML alias (*name) refused", self.peek_event().start_mark, _ALIAS_HINT)
        return super().compose_node(parent, index)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            raise YamlRefused("YAML merge key (<<) refused", key_node.start_mark, _ALIAS_HINT)
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "found a key that is not a single value",
                                                    key_node.start_mark) from None
        line = key_node.start_mark.line + 1
        if key in mapping:
            # YAML says keys are unique; PyYAML would keep the last one without a word.
            raise YamlRefused(f"duplicate key {excerpt(key)} (first on line {mapping.key_lines[key]})",
                              key_node.start_mark, "keep one of the two; the second would silently win")
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_CSafeLoader = getattr(yaml, "CSafeLoader", None)
if _CSafeLoader is not None:
    class _FastLoader(_Strict, _CSafeLoader):
        """libyaml's parser (several times faster), constructing as strictly as :class:`_LineLoader`."""

    _FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
else:  # PyYAML built without libyaml
    _FastLoader = None


def parse_yaml(text: str, fast: bool = False) -> Any:
    """Parse YAML text strictly: no aliases or merge keys, no duplicate keys; mappings remember lines.

    Args:
        text: The YAML text.
        fast: Try libyaml's parser first (many small texts, e.g. front matter).
            On any error the pure-Python parser reads the text again, so the
            error, and its line, are the same either way.

    Raises:
        yaml.YAMLError: a syntax error, or :class:`YamlRefused`.
    """
    if fast and _FastLoader is not None:
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a SafeLoader subclass, in C
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file strictly (see :func:`parse_yaml`); errors become an :class:`AnalysisError` with the line."""
    path = Path(path)
    if not path.is_file():
        raise AnalysisError("file not found", path=path, hint="check the case folder layout in docs/case-format.md")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnalysisError(f"not UTF-8 text (byte {exc.start})", path=path, hint="save the file as UTF-8") from None
    try:
        return parse_yaml(text)
    except YamlRefused as exc:
        raise AnalysisError(exc.problem, path=path, line=exc.problem_mark.line + 1, hint=exc.hint) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise AnalysisError(f"YAML syntax error: {problem}", path=path, line=line,
                            hint="check indentation and colons on that line") from None


def _line(mapping: Any, key: Any = None) -> int | None:
    """The line of ``key`` in ``mapping`` (else of the mapping itself), when the loader recorded it."""
    lines = getattr(mapping, "key_lines", None) or {}
    return lines.get(key, getattr(mapping, "line", None))


def _require(mapping: Any, key: str, kind: type | tuple[type, ...], path: Path, where: str = "") -> Any:
    line = getattr(mapping, "line", None)
    if not isinstance(mapping, dict):
        raise AnalysisError(f"expected a mapping at {where or 'top level'}", path=path, line=line)
    if key not in mapping:
        raise AnalysisError("missing required field", path=path, line=line, field=f"{where}{key}")
    return _typed(mapping, key, kind, path, where)


def _optional(mapping: dict, key: str, kind: type | tuple[type, ...], path: Path, where: str = "",
              default: Any = None) -> Any:
    """``mapping[key]`` checked against ``kind``, or ``default`` when absent (or empty)."""
    return default if mapping.get(key) is None else _typed(mapping, key, kind, path, where)


def _typed(mapping: dict, key: str, kind: type | tuple[type, ...], path: Path, where: str) -> Any:
    value = mapping[key]
    # bool is an int to Python, never to a person writing a threshold or a flag.
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        names = " or ".join(dict.fromkeys(_KIND_NAMES.get(k, k.__name__) for k in _kinds(kind)))
        found = "true/false" if isinstance(value, bool) else _KIND_NAMES.get(type(value), type(value).__name__)
        raise AnalysisError(f"expected {names}, found {found}", path=path,
                            line=_line(mapping, key), field=f"{where}{key}")
    return value


# The kinds of YAML value in the words of the person who wrote the file, not Python's.
_KIND_NAMES = {dict: "a mapping (key: value)", list: "a list ([a, b])", str: "text", bool: "true or false",
               int: "a number", float: "a number", type(None): "nothing"}


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def check_keys(mapping: Any, allowed: tuple[str, ...], path: Path, where: str = "",
               problems: ProblemCollector = STRICT) -> None:
    """Refuse every key of ``mapping`` that is not in ``allowed``, suggesting the closest one.

    A misspelt key would otherwise be ignored and a default used in its place,
    silently changing the result (``defualt:`` for ``default:``).

    Args:
        problems: Where each unknown key is reported (by default: the first is raised).

    Raises:
        AnalysisError: naming the line of the key, the valid keys and, when one
            is close, "did you mean ...".
    """
    if not isinstance(mapping, dict):
        return
    for key in mapping:
        if key not in allowed:
            name = str(key)[:40]
            problems.add(AnalysisError(f"unknown key {excerpt(key)}; valid keys: {', '.join(allowed)}", path=path,
                                line=_line(mapping, key), field=f"{where}{name}",
                                hint=did_you_mean(key, allowed, "every key is listed in docs/case-format.md")))


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
    path: Path | None = field(default=None, compare=False)  # the file read, named in errors

    @property
    def codes(self) -> dict[str, Code]:
        return {c.id: c for i in self.indicators for c in i.codes}

    def indicator(self, indicator_id: str) -> Indicator:
        """Return the indicator with this id, or fail listing the valid ids."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        ids = [i.id for i in self.indicators]
        raise AnalysisError(f"unknown indicator {excerpt(indicator_id)}; valid values: {', '.join(ids)}",
                            path=self.path, field="indicator_id",
                            hint=did_you_mean(indicator_id, ids, "the ids are those of the codebook's indicators"))


# Every key each level of the files may hold; any other is a typo, refused with the closest match.
# label, keywords, recommendation and title are maps from a language code to its text: any code is valid.
CODEBOOK_KEYS = ("indicators",)
INDICATOR_KEYS = ("id", "kind", "label", "codes", "timeline")
CODE_KEYS = ("id", "label", "definition", "include", "exclude", "keywords", "required", "recommendation")
CASE_KEYS = ("id", "title", "parties", "sector", "period", "language", "illustrative", "chapter", "primary_coder",
             "filler_words", "rules",
             # wording of the conclusion (validated in recommendations.check_case; docs/case-format.md)
             "short_title", "research_question", "foreign_terms", "sections", "recommendations")
CHAPTER_KEYS = ("number", "title", "figure_label", "table_label", "findings", "appendix")
PART_KEYS = ("number", "title")  # chapter.findings and chapter.appendix
PARTY_KEYS = ("name", "region", "country")
PERIOD_KEYS = ("start", "end")
KEY_KEYS = ("informants", "fictional")  # the identity key; fictional: true marks a key of invented names
IDENTITY_KEYS = ("informant_id", "pseudonym", "name", "aliases")
RULE_NAMES = ("default", *INDICATOR_KINDS)  # a rule applies to the indicators of its kind; default to all
RULE_KEYS = ("min_informants", "min_documents", "min_contradicting", "rank_by")
_TEXT = (str, int, float)  # a definition or a label may be read as a number by YAML ("2016")


def load_codebook(path: str | Path, problems: ProblemCollector = STRICT) -> Codebook:
    """Load and validate ``codebook.yml``.

    Args:
        path: The codebook.
        problems: Where problems go; a lazy collector gets every faulty
            indicator and code (each is left out of the result), the default
            raises the first.

    Raises:
        AnalysisError: naming the line of an unknown key, a missing field, a
            wrong type, a duplicate id, an unknown kind or an indicator
            without codes.
    """
    path = Path(path)
    data = load_yaml(path)
    check_keys(data, CODEBOOK_KEYS, path, problems=problems)
    items = _require(data, "indicators", list, path)
    seen: dict[str, int] = {}
    indicators = []
    for n, item in enumerate(items):
        with problems.item():
            indicators.append(_indicator(item, f"indicators[{n}].", seen, path, problems))
    if not indicators and not len(problems):
        raise AnalysisError("the codebook declares no indicator", path=path, field="indicators")
    return Codebook(tuple(indicators), path)


def _indicator(item: Any, where: str, seen: dict[str, int], path: Path, problems: ProblemCollector) -> Indicator:
    """One indicator of the codebook; a faulty code is reported to ``problems`` and left out."""
    check_keys(item, INDICATOR_KEYS, path, where, problems)
    ind_id = _require(item, "id", str, path, where)
    kind = _require(item, "kind", str, path, where)
    if kind not in INDICATOR_KINDS:
        raise AnalysisError(f"unknown indicator kind {excerpt(kind)}; valid values: {', '.join(INDICATOR_KINDS)}",
                            path=path, line=_line(item, "kind"), field=f"{where}kind",
                            hint=did_you_mean(kind, INDICATOR_KINDS, "see docs/pipeline.md, \"Verdicts\""))
    label = _require(item, "label", dict, path, where)
    codes_raw = _require(item, "codes", list, path, where)
    if not codes_raw:
        raise AnalysisError("indicator has no codes", path=path, line=item.line, field=f"{where}codes")
    _unique(ind_id, item.line, seen, path)
    codes = []
    for m, c in enumerate(codes_raw):
        with problems.item():
            codes.append(_code(c, ind_id, f"{where}codes[{m}].", seen, path, problems))
    return Indicator(ind_id, kind, dict(label), tuple(codes),
                     _optional(item, "timeline", bool, path, where, default=False))


def _code(c: Any, ind_id: str, cw: str, seen: dict[str, int], path: Path, problems: ProblemCollector) -> Code:
    check_keys(c, CODE_KEYS, path, cw, problems)
    code_id = _require(c, "id", str, path, cw)
    _unique(code_id, c.line, seen, path)
    keywords = c.get("keywords") or {}
    if not isinstance(keywords, dict) or not all(isinstance(v, list) for v in keywords.values()):
        raise AnalysisError("keywords must map a language to a list", path=path, line=c.line,
                            field=f"{cw}keywords")
    for key in ("definition", "include", "exclude"):
        _optional(c, key, _TEXT, path, cw)
    from analysis.recommendations import check_code_recommendation  # here: it imports this module

    check_code_recommendation(_optional(c, "recommendation", dict, path, cw, default={}), path,
                              _line(c, "recommendation"), cw)
    return Code(
        id=code_id, indicator=ind_id, label=dict(_require(c, "label", dict, path, cw)),
        definition=str(c.get("definition", "")).strip(),
        keywords={k: [str(w) for w in v] for k, v in keywords.items()},
        required=_optional(c, "required", bool, path, cw, default=False),
        recommendation=dict(_optional(c, "recommendation", dict, path, cw, default={})),
    )


def _unique(ident: str, line: int, seen: dict[str, int], path: Path) -> None:
    if ident in seen:
        raise AnalysisError(f"duplicate id {excerpt(ident)} (first on line {seen[ident]})", path=path, line=line)
    seen[ident] = line


def load_case(path: str | Path, problems: ProblemCollector = STRICT) -> dict[str, Any]:
    """Load and validate ``case.yml`` (parties, language, chapter, rules).

    Every key is checked, rule names and rule keys included, so that a typo
    fails here, before any output is written, instead of letting a built-in
    threshold decide a verdict.

    Args:
        path: The case settings file.
        problems: Where problems go; a lazy collector gets every one of them
            (the settings are then returned as read, for checking the rest of
            the case), the default raises the first.
    """
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise AnalysisError("expected a mapping at top level", path=path, line=getattr(data, "line", None))
    check_keys(data, CASE_KEYS, path, problems=problems)
    with problems.item():
        _require(data, "id", str, path)
    with problems.item():
        _language(data, path)
    with problems.item():
        _chapter(data, path, problems)
    for key, kind in (("title", dict), ("illustrative", bool), ("primary_coder", str), ("filler_words", list)):
        with problems.item():
            _optional(data, key, kind, path)
    with problems.item():
        for n, party in enumerate(_optional(data, "parties", list, path, default=[])):
            check_keys(party, PARTY_KEYS, path, f"parties[{n}].", problems)
    with problems.item():
        check_keys(_optional(data, "period", dict, path), PERIOD_KEYS, path, "period.", problems)
    with problems.item():
        rules = _require(data, "rules", dict, path)
        check_keys(rules, RULE_NAMES, path, "rules.", problems)
        for name, rule in rules.items():
            with problems.item():
                _rule(rules, name, rule, path, problems)
    from analysis.recommendations import check_case  # here: it imports this module

    with problems.item():
        check_case(data, path)
    data.setdefault("primary_coder", "A")
    data.setdefault("illustrative", False)  # the "interviews are illustrative" note only when a case says so
    return data


def _language(data: dict, path: Path) -> None:
    from analysis.text import LANGUAGES  # wording exists for these languages only

    _require(data, "language", str, path)
    if data["language"] not in LANGUAGES:
        raise AnalysisError(f"no chapter templates for language {excerpt(data['language'])}; valid values: "
                            f"{', '.join(LANGUAGES)}", path=path, line=_line(data, "language"), field="language")


def _chapter(data: dict, path: Path, problems: ProblemCollector) -> None:
    chapter = _require(data, "chapter", dict, path)
    check_keys(chapter, CHAPTER_KEYS, path, "chapter.", problems)
    with problems.item():
        _require(chapter, "number", (str, int), path, "chapter.")
        chapter_number(chapter["number"], path=path, line=_line(chapter, "number"))
    with problems.item():
        _require(chapter, "title", str, path, "chapter.")
    for key in ("figure_label", "table_label"):
        with problems.item():
            _optional(chapter, key, str, path, "chapter.")
    for role in ("findings", "appendix"):  # the other chapters of the thesis; defaults in chapter.parts
        with problems.item():
            part = _optional(chapter, role, dict, path, "chapter.") or {}
            check_keys(part, PART_KEYS, path, f"chapter.{role}.", problems)
            for key in PART_KEYS:
                _optional(part, key, (str, int), path, f"chapter.{role}.")
            if role == "findings" and "number" in part:
                chapter_number(part["number"], path=path, line=_line(part, "number"))


def _rule(rules: dict, name: Any, rule: Any, path: Path, problems: ProblemCollector) -> None:
    """One rule of ``rules`` (thresholds for the indicators of a kind): every faulty key is reported."""
    if not isinstance(rule, dict):
        raise AnalysisError(f"expected a mapping of thresholds (e.g. {{min_informants: 2}}), found "
                            f"{excerpt(rule)}", path=path, line=_line(rules, name), field=f"rules.{name}")
    if "min_supported" in rule:  # an old rule key: rankings no longer have a verdict for it to decide
        raise AnalysisError("min_supported is no longer used: a ranking indicator has no met/not met, it "
                            "ranks its supported categories", path=path, line=_line(rule, "min_supported"),
                            field=f"rules.{name}.min_supported", hint="delete the line (docs/pipeline.md)")
    check_keys(rule, RULE_KEYS, path, f"rules.{name}.", problems)
    for key, value in rule.items():
        with problems.item():
            if key == "rank_by":
                if not isinstance(value, list):
                    raise AnalysisError("expected a list", path=path, line=_line(rule, key),
                                        field=f"rules.{name}.{key}")
                unknown = [v for v in value if v not in RANK_KEYS]
                if unknown:
                    raise AnalysisError(f"cannot rank by {excerpt(unknown[0])}; valid values: {', '.join(RANK_KEYS)}",
                                        path=path, line=_line(rule, key), field=f"rules.{name}.{key}")
            elif key in RULE_KEYS and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise AnalysisError(f"expected a whole number >= 0, found {excerpt(value)}", path=path,
                                    line=_line(rule, key), field=f"rules.{name}.{key}")


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
            raise AnalysisError(f"chapter number {excerpt(num)} is neither a number nor a Roman numeral",
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


def load_identity_key(path: str | Path, problems: ProblemCollector = STRICT) -> tuple[Identity, ...]:
    """Load the private identity key (names and aliases -> pseudonyms).

    Args:
        path: The key.
        problems: Where problems go; a lazy collector gets every faulty entry
            (left out of the result), the default raises the first.
    """
    path = Path(path)
    data = load_yaml(path)
    check_keys(data, KEY_KEYS, path, problems=problems)
    items = _require(data, "informants", list, path)
    out = []
    for n, item in enumerate(items):
        with problems.item():
            where = f"informants[{n}]."
            check_keys(item, IDENTITY_KEYS, path, where, problems)
            # A single alias written without brackets would otherwise be read letter by letter.
            aliases = _optional(item, "aliases", list, path, where, default=[])
            names = [_require(item, "name", str, path, where)] + [str(a) for a in aliases]
            out.append(Identity(_require(item, "informant_id", str, path, where),
                                _require(item, "pseudonym", str, path, where), tuple(names)))
            continue
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            # Reported above; kept by its name only so that its transcripts are not reported again
            # (a lazy check writes nothing, so this stand-in never reaches an output).
            out.append(Identity(str(item.get("informant_id")), str(item.get("pseudonym")), (item["name"],)))
    return tuple(out)
