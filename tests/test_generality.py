"""Nothing about a particular case lives in the code (issue #10).

The names of the example case's parties, places and informants, and its code
ids, are read from the case's own files; no line of any file under ``src/``
or ``notebooks/`` may contain one. The same holds for the bundled English
example, so neither case's wording can creep into the package.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from analysis.paths import DEFAULT_CASE, PROJECT_DIR
from analysis.readers.documents import read_document

SCANNED = (PROJECT_DIR / "src", PROJECT_DIR / "notebooks")
SKIPPED_PARTS = ("__pycache__", ".ipynb_checkpoints")
EXAMPLE = PROJECT_DIR / "examples" / "aldermoor-calvera"
# A complement to what is read from the files: names of the example case that
# appear in its transcripts and documents but not in a name field.
EXPLICIT = {DEFAULT_CASE: ("Padang", "Ba Ria", "Vung Tau", "BRVT", "Sumatra", "Sumatera", "Vietnam", "Bungus",
                           "Mahyeldi")}
# Capitalised words of titles and names that are ordinary words, not names.
ORDINARY = {"kota", "provinsi", "barat", "madam", "action", "center", "corner", "covid", "youth", "universitas",
            "pasar", "raya", "wali", "dubes", "mendagri", "town", "city", "council", "coast", "valley", "fictional"}
HONORIFICS = {"pak", "bu", "bapak", "ibu", "mr", "mrs", "ms", "madam", "dr"}
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


def case_terms(case: Path) -> set[str]:
    """The names of one case, read from its files.

    Parties (name, region, country), every informant's name and aliases in
    the identity key, the code ids of the codebook, and the proper nouns of
    the case title and the document titles: capitalised words (not the first
    of a title) that the case's documents never write in lower case.
    """
    config = _load(case / "case.yml") or {}
    terms: set[str] = set()
    for party in config.get("parties") or []:
        terms.update(str(party[k]) for k in ("name", "region", "country") if party.get(k))
    for person in (_load(case / "private" / "identity-key.yml") or {}).get("informants") or []:
        terms.add(str(person["name"]))
        terms.update(str(a) for a in person.get("aliases") or [])
    for indicator in (_load(case / "codebook.yml") or {}).get("indicators") or []:
        terms.update(str(c["id"]) for c in indicator.get("codes") or [] if "_" in str(c["id"]))
    titles = list((config.get("title") or {}).values())
    register = case / "documents" / "register.csv"
    if register.is_file():
        with register.open(encoding="utf-8-sig", newline="") as f:
            titles += [row["title"] for row in csv.DictReader(f)]
    # Documents may be originals (PDF, web page): their text as the pipeline reads it.
    corpus = " ".join(titles) + " ".join(" ".join(b.text for b in read_document(p).blocks)
                                         for p in sorted((case / "documents" / "texts").glob("*")) if p.is_file())
    lower = {w for w in _WORD.findall(corpus) if w[0].islower()}
    for title in titles:
        for word in _WORD.findall(title)[1:]:
            if word[0].isupper() and any(c.islower() for c in word) and word.lower() not in lower:
                terms.add(word)
    # Multi-word names also count word by word (surnames, place-name parts),
    # except short words, honorifics and ordinary words.
    words = {w for t in terms for w in re.split(r"[\s()-]+", t)}
    terms |= {w for w in words if len(w) >= 4}
    return {t.strip() for t in terms
            if t.strip() and t.strip().lower() not in ORDINARY | HONORIFICS and len(t.strip()) >= 4}


def pattern(terms: set[str]) -> re.Pattern:
    """One regular expression for all terms: whole words, any case, any spacing or hyphen between words."""
    parts = sorted((r"[\s-]+".join(map(re.escape, re.split(r"[\s-]+", t))) for t in terms), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def scan(folders: tuple[Path, ...], terms: set[str], root: Path = PROJECT_DIR) -> list[str]:
    """Every line of every file under ``folders`` that names a term, as ``path:line: 'term' in: text``.

    Files are read as bytes and decoded leniently, so no file type escapes.
    """
    regex = pattern(terms)
    hits = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if any(part in SKIPPED_PARTS or part.endswith(".egg-info") for part in path.parts):
                continue
            text = path.read_bytes().decode("utf-8", errors="replace")
            for n, line in enumerate(text.splitlines(), start=1):
                for m in regex.finditer(line):
                    shown = path.relative_to(root) if path.is_relative_to(root) else path
                    hits.append(f"{shown}:{n}: {m.group(0)!r} in: {line.strip()[:120]}")
    return hits


def test_terms_are_read_from_the_case_files():
    terms = {t.casefold() for t in case_terms(DEFAULT_CASE)}
    first = (_load(DEFAULT_CASE / "private" / "identity-key.yml"))["informants"][0]
    assert first["name"].casefold() in terms
    parties = _load(DEFAULT_CASE / "case.yml")["parties"]
    assert all(p["name"].casefold() in terms for p in parties)
    assert {"padang", "vung", "vietnam"} <= terms  # from the files, not only from EXPLICIT
    assert not {"kota", "pak", "town"} & terms     # ordinary words and honorifics are not names


@pytest.mark.parametrize("case", [DEFAULT_CASE, EXAMPLE], ids=["example-case", "aldermoor-calvera"])
def test_src_and_notebooks_name_nothing_of_a_case(case):
    terms = case_terms(case) | set(EXPLICIT.get(case, ()))
    assert len(terms) > 10
    hits = scan(SCANNED, terms)
    assert not hits, "case-specific strings in src/ or notebooks/ (move them into the case folder):\n" + \
        "\n".join(hits)


def test_scan_names_the_file_and_line_of_a_case_string(tmp_path):
    code = tmp_path / "src" / "module.py"
    code.parent.mkdir()
    code.write_text('"""Indonesian and Vietnamese text."""\nPLACE = "Kota  padang"  # a leak\n', encoding="utf-8")
    hits = scan((tmp_path / "src",), {"Kota Padang", "Vietnam", "Indonesia"}, root=tmp_path)
    assert hits == ["src/module.py:2: 'Kota  padang' in: PLACE = \"Kota  padang\"  # a leak"]


def test_scan_reads_every_file_type(tmp_path):
    (tmp_path / "figure.bin").write_bytes(b"\x89PNG\x00\xffRahmat\x00")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"Rahmat")
    assert [h.split(":")[0] for h in scan((tmp_path,), {"Rahmat"}, root=tmp_path)] == ["figure.bin"]
