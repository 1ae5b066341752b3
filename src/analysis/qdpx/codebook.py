"""The case settings and codebook of an imported project: from our own note when present, else the code tree."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

from analysis.qdpx.model import CODEBOOK_NOTE, _Code, _Project

DEFAULT_CASE = {
    "language": "en", "illustrative": False,
    "chapter": {"number": 4, "title": "CONCLUSION", "figure_label": "Figure", "table_label": "Table"},
    "rules": {"default": {"min_informants": 2, "min_documents": 1},
              "ranking": {"min_informants": 1, "min_documents": 0, "min_contradicting": 1,
                          "rank_by": ["informants", "units", "documents"]}},
}
PLACEHOLDER_CODE = "UNCODED"  # the one code of an imported project that had none


def _default_case(model: _Project, primary: str) -> str:
    case_id = re.sub(r"[^a-z0-9]+", "-", model.name.lower()).strip("-") or "imported"
    data = {"id": case_id, "title": {"en": model.name}, **DEFAULT_CASE, "primary_coder": primary}
    return ("# Written by `python -m analysis import-qdpx` with defaults: review language, chapter and rules.\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _codebook(model: _Project, warnings: list[str]) -> tuple[dict[str, str], str, list[str]]:
    """Codes of the project -> (code guid -> our code id, codebook.yml text, code ids).

    With our own codebook note the indicators, kinds and fields come from it
    (codes added or removed in the QDA tool are followed); without, each
    top-level code with children is an indicator of kind ``ranking`` and
    childless top-level codes gather in an indicator ``codes``.
    """
    tops = _nest_by_name(model.codes)
    note = yaml.safe_load(model.notes[CODEBOOK_NOTE]) if CODEBOOK_NOTE in model.notes else None
    note_codes = {c["id"]: (ind["id"], c) for ind in (note or {}).get("indicators", []) for c in ind["codes"]}
    note_inds = {ind["id"] for ind in (note or {}).get("indicators", [])}
    guid_to_id: dict[str, str] = {}
    placed: dict[str, list[tuple[str, _Code]]] = {}
    used: set[str] = set()

    def code_id(c: _Code) -> str:
        cid = c.name if c.name in note_codes else _slug(c.name, upper=True)
        base, k = cid, 2
        while cid in used:
            cid, k = f"{base}_{k}", k + 1
        used.add(cid)
        return cid

    for top in tops:
        if top.name in note_inds or (note is None and top.children):
            ind = top.name if top.name in note_inds else _slug(top.name, upper=False)
            members = ([top] if top.codable and note is None else []) + list(_descendants(top))
        else:
            ind, members = ("codes" if note is None else None), [top, *_descendants(top)]
        for c in members:
            cid = code_id(c)
            guid_to_id[c.guid] = cid
            target = note_codes[cid][0] if cid in note_codes else (ind or "imported")
            placed.setdefault(target, []).append((cid, c))
    if note is not None:
        text, ids = _codebook_from_note(note, model.notes[CODEBOOK_NOTE], placed, warnings)
    else:
        text, ids = _codebook_from_tree(tops, placed)
    if not ids:  # a codebook needs a code: without one the case would not build at all
        warnings.append(f"the project has no codes: the codebook holds a placeholder indicator 'codes' with "
                        f"one code {PLACEHOLDER_CODE!r}, so that the case builds; write the codebook before "
                        "drawing conclusions")
        text = _codebook_from_tree([], {"codes": [(PLACEHOLDER_CODE, _Code("", "Uncoded", (
            "Placeholder written by import-qdpx: the imported project had no codes."), True))]})[0]
    return guid_to_id, text, ids


def _codebook_from_note(note: dict, note_text: str, placed: dict, warnings: list[str]) -> tuple[str, list[str]]:
    present = {cid: c for pairs in placed.values() for cid, c in pairs}
    indicators = []
    for ind in note["indicators"]:
        codes = []
        for c in ind["codes"]:
            if c["id"] in present:
                desc = present[c["id"]].description
                codes.append({**c, "definition": desc} if desc and desc != str(c.get("definition", "")).strip()
                             else c)
        codes += [_new_code(cid, c) for cid, c in placed.get(ind["id"], []) if cid not in {x["id"] for x in codes}]
        if codes:
            indicators.append({**ind, "codes": codes})
        else:
            warnings.append(f"indicator {ind['id']!r} lost all its codes in the project: dropped")
    extra = placed.get("imported", [])
    if extra:
        indicators.append({"id": "imported", "kind": "ranking", "label": {"en": "Imported codes"},
                           "codes": [_new_code(cid, c) for cid, c in extra]})
    if indicators == note["indicators"]:
        return note_text if note_text.endswith("\n") else note_text + "\n", list(present)
    return yaml.safe_dump({"indicators": indicators}, allow_unicode=True, sort_keys=False), list(present)


def _codebook_from_tree(tops: list[_Code], placed: dict) -> tuple[str, list[str]]:
    indicators = []
    for ind_id, pairs in placed.items():
        top = next((t for t in tops if _slug(t.name, upper=False) == ind_id and t.children), None)
        label = top.name if top else "Codes"
        indicators.append({"id": ind_id, "kind": "ranking", "label": {"en": label, "id": label},
                           "codes": [_new_code(cid, c) for cid, c in pairs]})
    head = ("# Written by `python -m analysis import-qdpx`: one indicator per top-level code group, kind\n"
            "# `ranking`. Choose kinds, `required` codes and keywords before drawing conclusions.\n")
    ids = [cid for pairs in placed.values() for cid, _ in pairs]
    return head + yaml.safe_dump({"indicators": indicators}, allow_unicode=True, sort_keys=False), ids


def _new_code(cid: str, c: _Code) -> dict[str, Any]:
    return {"id": cid, "label": {"en": c.name, "id": c.name}, "definition": c.description}


def _nest_by_name(codes: list[_Code]) -> list[_Code]:
    """ATLAS.ti writes hierarchy as ``Group::code`` names: nest those under ``Group`` when it exists."""
    by_name = {c.name: c for c in codes}
    tops = []
    for c in codes:
        parent, sep, rest = c.name.partition("::")
        if sep and rest and parent in by_name and by_name[parent] is not c:
            by_name[parent].children.append(_Code(c.guid, rest, c.description, c.codable, c.children))
        else:
            tops.append(c)
    return tops


def _descendants(code: _Code) -> Iterable[_Code]:
    for c in code.children:
        yield c
        yield from _descendants(c)


def _slug(name: str, upper: bool) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_" if upper else "-", name).strip("_-")
    s = s.upper() if upper else s.lower()
    return s or ("CODE" if upper else "codes")
