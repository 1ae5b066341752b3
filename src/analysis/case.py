"""The typed case model: one case folder, loaded and validated once.

A stage that needs the settings, the codebook or the private key asks for a
:class:`Case` instead of calling the three loaders and building the
pseudonymiser itself; the fields are typed and documented here, so a reader
never has to guess what ``case["..."]`` holds. The validation itself stays in
:mod:`analysis.config` (line numbers, unknown keys, hints).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from analysis.config import Codebook, Identity, chapter_number, load_case, load_codebook, load_identity_key
from analysis.paths import CasePaths
from analysis.pseudonymise import pseudonymiser


@dataclass(frozen=True)
class ChapterSettings:
    """The ``chapter:`` block of ``case.yml``.

    Attributes:
        number: The chapter number as an integer (``IV`` in the file reads 4).
        written_number: The number as the file writes it (``4`` or ``"IV"``).
        title: The chapter title.
        figure_label: The word before figure numbers, when the case overrides the language's.
        table_label: The word before table numbers, when the case overrides the language's.
    """

    number: int
    written_number: str | int
    title: str
    figure_label: str | None = None
    table_label: str | None = None


@dataclass(frozen=True)
class CaseSettings:
    """``case.yml``, validated (see ``docs/case-format.md`` for every field).

    Attributes:
        id: The case id (used in exported GUIDs and file names).
        language: The chapter language (``id`` or ``en``).
        primary_coder: The coder whose codings decide the verdicts (default ``A``).
        illustrative: Whether the case is marked illustrative (``None`` when the file does not say).
        filler_words: Words removed from transcripts before coding, in file order.
        title: The case title by language code.
        rules: The verdict thresholds by rule name (``default``, ``criteria``, ``ranking``).
        chapter: The chapter block.
        path: The file read.
        raw: Every validated key as the file gives it (``primary_coder`` filled in), read only.
            For the text templates, which take the case as a mapping, and for keys added
            to ``case.yml`` before they get a typed field here.
    """

    id: str
    language: str
    primary_coder: str
    illustrative: bool | None
    filler_words: tuple[str, ...]
    title: Mapping[str, str]
    rules: Mapping[str, Mapping[str, Any]]
    chapter: ChapterSettings
    path: Path = field(compare=False)
    raw: Mapping[str, Any] = field(compare=False, repr=False)

    @classmethod
    def load(cls, path: str | Path) -> CaseSettings:
        """Load and validate ``case.yml`` (errors as :func:`analysis.config.load_case` raises them)."""
        data = load_case(path)
        chapter = data["chapter"]
        return cls(
            id=data["id"], language=data["language"], primary_coder=data["primary_coder"],
            illustrative=data.get("illustrative"),
            filler_words=tuple(str(w) for w in data.get("filler_words") or ()),
            title=MappingProxyType(dict(data.get("title") or {})),
            rules=MappingProxyType({name: MappingProxyType(dict(rule)) for name, rule in data["rules"].items()}),
            chapter=ChapterSettings(number=chapter_number(chapter["number"]), written_number=chapter["number"],
                                    title=chapter["title"], figure_label=chapter.get("figure_label"),
                                    table_label=chapter.get("table_label")),
            path=Path(path), raw=MappingProxyType(data),
        )

    def as_dict(self) -> dict[str, Any]:
        """A plain copy of the validated file, for code that needs a mapping (templates, old callers)."""
        return dict(self.raw)

    def rules_dict(self) -> dict[str, dict[str, Any]]:
        """The rules as plain dictionaries, as :mod:`analysis.indicators` takes them."""
        return {name: dict(rule) for name, rule in self.rules.items()}


@dataclass(frozen=True)
class Case:
    """One case folder: its paths, settings, codebook and private key, and the pseudonymiser built from it.

    Attributes:
        paths: The case folder and its output folders.
        settings: ``case.yml``.
        codebook: ``codebook.yml``.
        identities: ``private/identity-key.yml`` (empty when loaded without the key).
        pseudonymise: Replaces every name and alias of the key in a text by its pseudonym
            (the identity when there is no key).
    """

    paths: CasePaths
    settings: CaseSettings
    codebook: Codebook
    identities: tuple[Identity, ...]
    pseudonymise: Callable[[str], str] = field(compare=False, repr=False)

    @classmethod
    def load(cls, paths: CasePaths, key: str = "required") -> Case:
        """Load the case folder of ``paths``: settings, then codebook, then key (the first error wins).

        Args:
            paths: Where the case is.
            key: ``"required"`` (a missing key file is an error), ``"optional"`` (no file: no
                identities) or ``"skip"`` (not read: for stages that never see raw text).

        Raises:
            AnalysisError: from the loaders, naming the file, line and field.
        """
        if key not in ("required", "optional", "skip"):
            raise ValueError(f"key must be required, optional or skip, not {key!r}")
        settings = CaseSettings.load(paths.case_config)
        codebook = load_codebook(paths.codebook)
        read_key = key == "required" or (key == "optional" and paths.identity_key.is_file())
        identities = load_identity_key(paths.identity_key) if read_key else ()
        return cls(paths, settings, codebook, identities, pseudonymiser(identities))
