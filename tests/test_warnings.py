"""The warning catalogue: every ``WARNING`` entry of docs/errors.md is met by a test, and every test by an entry.

Like tests/test_errors.py for errors: each trigger writes a small REFI-QDA
project, runs ``import-qdpx`` through the CLI, and the test checks that the
command succeeds and prints the documented warning (``<...>`` in the
catalogue stands for a name or number), also listed in ``import-report.md``.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.paths import PROJECT_DIR

CATALOGUE = PROJECT_DIR / "docs" / "errors.md"
_ENTRY = re.compile(r"^### `(?P<id>[a-z0-9-]+)`\n+`(?P<message>WARNING .+?)`$", re.MULTILINE)


def _catalogue() -> dict[str, str]:
    return {m["id"]: m["message"] for m in _ENTRY.finditer(CATALOGUE.read_text(encoding="utf-8"))}


def _pattern(message: str) -> re.Pattern:
    parts = re.split(r"<[^>]+>", message)
    return re.compile(".+?".join(re.escape(p) for p in parts) + r"\Z")


def _g() -> str:
    return str(uuid.uuid4()).upper()


def _project(folder: Path, body: str, namespace: str = "urn:QDA-XML:project:1.0") -> Path:
    path = folder / "project.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", f'<?xml version="1.0"?><Project xmlns="{namespace}" name="p">{body}</Project>')
    return path


def _coded(text: str, quote: str, description: str = "") -> str:
    """A project with one code, one user and one source with one coded selection."""
    code, user = _g(), _g()
    at = text.index(quote)
    memo = f"<Description>{description}</Description>" if description else ""
    return (f'<Users><User guid="{user}" name="Ana"/></Users><CodeBook><Codes><Code guid="{code}" name="theme" '
            f'isCodable="true"/></Codes></CodeBook><Sources><TextSource guid="{_g()}" name="talk">'
            f"<PlainTextContent>{text}</PlainTextContent><PlainTextSelection guid=\"{_g()}\" startPosition=\"{at}\" "
            f'endPosition="{at + len(quote)}" creatingUser="{user}">{memo}<Coding guid="{_g()}" '
            f'creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection></TextSource>'
            "</Sources>")


TRIGGERS: dict[str, Callable[[Path], Path]] = {
    "qdpx-namespace": lambda d: _project(d, _coded("One line.\nTwo lines.", "Two lines."),
                                         namespace="urn:QDA-XML:project:0.9"),
    "qdpx-group-transcript": lambda d: _project(d, _coded(
        "Moderator: Why?\nAni: Because.\nBudi: I agree.\nCitra: Not me.\nAni: Yes.\nBudi: No.", "Not me.")),
    "qdpx-no-codes": lambda d: _project(d, ""),
    "qdpx-unknown-user": lambda d: _project(d, re.sub(r"<Users>.*?</Users>", "", _coded("One line.\nTwo.", "Two."))),
    "qdpx-stance-unknown": lambda d: _project(d, _coded("One line.\nTwo lines.", "Two lines.",
                                                        "[stance: refutes] the boats never came")),
}


def test_every_catalogued_warning_has_a_trigger_and_every_trigger_an_entry():
    documented = set(_catalogue())
    assert documented, "docs/errors.md lost its warnings"
    assert sorted(documented - TRIGGERS.keys()) == [], "documented warnings without a test"
    assert sorted(TRIGGERS.keys() - documented) == [], "tested warnings missing from docs/errors.md"


@pytest.mark.parametrize("entry", sorted(TRIGGERS))
def test_catalogued_warning(entry, tmp_path, capsys):
    archive = TRIGGERS[entry](tmp_path)
    assert main(["import-qdpx", str(archive), "--case", str(tmp_path / "case")]) == 0
    shown = [line for line in capsys.readouterr().err.splitlines() if line.startswith("WARNING ")]
    pattern = _pattern(_catalogue()[entry])
    matching = [line for line in shown if pattern.match(line)]
    assert len(matching) == 1, f"\n  shown:      {shown}\n  documented: {_catalogue()[entry]}"
    report = (tmp_path / "case" / "import-report.md").read_text(encoding="utf-8")
    assert f"- {matching[0].removeprefix('WARNING ')}\n" in report
