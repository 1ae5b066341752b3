"""Transcript exports: WebVTT (Zoom, Teams, Meet), SRT subtitles, transcription-service text, Word tables.

Each reader turns its format into the lines of our own layout,
``[hh:mm:ss] Speaker: text``, one per turn, numbered by the line of the file
where the turn starts; :func:`analysis.clean.turns` then checks the speakers
against the metadata exactly as for a ``.md`` transcript. Consecutive cues of
one speaker become one turn (a subtitle file cuts a turn into many cues) that
keeps the first cue's start time. A cue without a speaker continues the turn
before it.

Speaker names in an export are what the meeting software or the service
wrote ("Ana Lima", "Speaker 1", "Dr J. Smith (Host)"). The metadata's
``speakers`` mapping (in the sidecar) renames them to the transcript's labels,
e.g. ``speakers: {"Speaker 1": Interviewer, "Speaker 2": Ana Lima}``; a name
that is an alias of the informant in the identity key needs no mapping.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from analysis.clean import decode, fix, normalise, parse_label
from analysis.errors import AnalysisError
from analysis.ingest import SIDECAR_SUFFIXES, RawTranscript, _sidecar, reader
from analysis.readers.documents import paragraph_text

EXPORT_FORMATS = ("vtt", "srt", "service", "docx-table")  # formats whose speaker names may be identity-key aliases
_CUE_TIME = re.compile(r"^(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^>]+)>")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # WebVTT/SRT markup: <i>, <c.red>, <00:01.000>, {\an8}
_STAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
# A service's turn header: "Ana Lima  00:01:05", "Ana Lima (01:05):", "[00:01:05] Ana Lima", "00:01:05 Ana Lima".
_SERVICE_HEADER = re.compile(
    rf"^(?:\[?(?P<ts1>{_STAMP})\]?\s+(?P<n1>[^\W\d][^:\[\]()]{{0,59}}?)"
    rf"|(?P<n2>[^\W\d][^:\[\]()]{{0,59}}?)\s*[\[(]?(?P<ts2>{_STAMP})[\])]?)\s*:?\s*$")


@dataclass
class _Cue:
    line: int
    start: str
    speaker: str | None
    text: str


def hms(stamp: str) -> str:
    """A cue time (``01:02.500``, ``1:01:02,5``) as ``hh:mm:ss``, fractions of a second dropped."""
    parts = re.split(r"[.,]", stamp)[0].split(":")
    while len(parts) < 3:
        parts.insert(0, "0")
    return ":".join(p.zfill(2) for p in parts)


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blocks separated by blank lines, each with the line number it starts on."""
    out: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 1
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = n
            current.append(line.strip())
        elif current:
            out.append((start, current))
            current = []
    if current:
        out.append((start, current))
    return out


def _speaker_and_text(raw: str) -> list[tuple[str | None, str]]:
    """Split cue text by its voice tags (``<v Name>``) or a ``Name:`` label into (speaker, text) pieces."""
    raw = raw.replace("</v>", "")
    voices = list(_VOICE.finditer(raw))
    if voices:
        pieces: list[tuple[str | None, str]] = []
        if raw[:voices[0].start()].strip():
            pieces.append((None, raw[:voices[0].start()]))
        for k, m in enumerate(voices):
            end = voices[k + 1].start() if k + 1 < len(voices) else len(raw)
            pieces.append((m["name"].strip(), raw[m.end():end]))
        return [(who, _plain(words)) for who, words in pieces]
    text = _plain(raw)
    _, label, body_at, speaker_like = parse_label(text)
    if label is not None and speaker_like:
        return [(label, text[body_at:].strip())]
    return [(None, text)]


def _plain(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _cues(path: Path, text: str, kind: str) -> list[_Cue]:
    cues: list[_Cue] = []
    for start, lines in _blocks(text):
        at = next((k for k, line in enumerate(lines) if "-->" in line), None)
        if at is None:
            if kind == "vtt" and lines[0].split(" ")[0] in ("WEBVTT", "NOTE", "STYLE", "REGION"):
                continue  # the header and comment, style and region blocks hold no speech
            raise _no_timing(path, kind, start)
        m = _CUE_TIME.match(lines[at])
        if m is None:
            raise _no_timing(path, kind, start + at)
        body = lines[at + 1:]
        for who, words in _speaker_and_text("\n".join(body)):
            if words:
                cues.append(_Cue(start + at + 1, hms(m["start"]), who, words))
    return cues


def _no_timing(path: Path, kind: str, line: int) -> AnalysisError:
    example = "00:00:01.000 --> 00:00:04.000" if kind == "vtt" else "00:00:01,000 --> 00:00:04,000"
    return AnalysisError(f"a {kind.upper()} cue needs a timing line such as {example}", path=path, line=line,
                         hint="cues are separated by a blank line, and each opens with its timing line"
                              + (" (after its number)" if kind == "srt" else ""))


def _merge(cues: list[_Cue], mapping: dict[str, str]) -> list[tuple[int, str]]:
    """Consecutive cues of one speaker as one turn line ``[hh:mm:ss] Speaker: text``; unlabelled cues run on."""
    turns: list[list[Any]] = []  # [line, start, speaker, [texts]]
    for cue in cues:
        who = mapping.get(cue.speaker, cue.speaker) if cue.speaker is not None else None
        if turns and (who is None or who == turns[-1][2]):
            turns[-1][3].append(cue.text)
        else:
            turns.append([cue.line, cue.start, who, [cue.text]])
    out = []
    for line, start, who, texts in turns:
        words = " ".join(texts)
        out.append((line, f"[{start}] {who}: {words}" if who is not None else words))
    return out


def _mapping(meta: dict[str, Any], path: Path) -> dict[str, str]:
    raw = meta.get("speakers") or {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        # The metadata of an export lives in its sidecar: name the file to edit.
        side = next((path.with_suffix(s) for s in SIDECAR_SUFFIXES if path.with_suffix(s).is_file()), path)
        raise AnalysisError("speakers must map each name in the file to a label, e.g. "
                            "{\"Speaker 1\": Interviewer}", path=side, field="speakers")
    return {str(k): v for k, v in raw.items()}


def _text(path: Path) -> str:
    text = decode(path.read_bytes(), path)
    if not text.strip():
        raise AnalysisError("empty transcript: the file holds no text", path=path,
                            hint="write the interview into it, or remove the file")
    return text


@reader(".vtt")
def read_vtt(path: Path) -> RawTranscript:
    """A WebVTT caption file (Zoom, Teams, Meet): voice tags ``<v Name>`` or ``Name:`` cues."""
    text = _text(path)
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise AnalysisError("a WebVTT file must start with the line WEBVTT", path=path, line=1,
                            hint="export the transcript again, or save it as .srt if it is a subtitle file")
    meta = _sidecar(path)
    return RawTranscript(path, "vtt", meta, _merge(_cues(path, text, "vtt"), _mapping(meta, path)))


@reader(".srt")
def read_srt(path: Path) -> RawTranscript:
    """An SRT subtitle file: numbered cues, ``Name:`` at the start of a cue names its speaker."""
    text = _text(path)
    meta = _sidecar(path)
    return RawTranscript(path, "srt", meta, _merge(_cues(path, text, "srt"), _mapping(meta, path)))


def read_service(path: Path) -> RawTranscript:
    """A transcription service's text: a line with speaker and time, the words below it."""
    text = _text(path)
    meta = _sidecar(path)
    cues: list[_Cue] = []
    for n, line in enumerate(text.split("\n"), start=1):
        m = _SERVICE_HEADER.match(line.strip())
        if m:
            cues.append(_Cue(n, hms(m["ts1"] or m["ts2"]), (m["n1"] or m["n2"]).strip(), ""))
        elif line.strip():
            if not cues:
                raise AnalysisError("text before the first speaker line", path=path, line=n,
                                    hint="a service transcript starts with a line such as 'Ana Lima  00:00:05'")
            cues[-1].text = f"{cues[-1].text} {line.strip()}".strip()
    return RawTranscript(path, "service", meta, _merge([c for c in cues if c.text], _mapping(meta, path)))


def is_service_text(text: str) -> bool:
    """Whether a text file is a service transcript: its first line names a speaker and a time, and nothing else."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return not text.startswith("---") and bool(_SERVICE_HEADER.match(first))


def sniff_transcript(path: Path) -> Callable[[Path], RawTranscript] | None:
    """The reader a text file's content calls for when its suffix does not say (``.txt`` holding VTT, SRT...).

    Returns ``None`` for our own layout (or a binary file), read by its suffix's reader.
    """
    if path.suffix.lower() not in (".txt", ".text", ""):
        return None
    try:
        head = path.read_bytes()[:4096].decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    except OSError:
        return None
    if head.startswith("WEBVTT"):
        return read_vtt
    blocks = _blocks(head)
    if blocks and len(blocks[0][1]) >= 2 and blocks[0][1][0].isdigit() and _CUE_TIME.match(blocks[0][1][1]):
        return read_srt
    if is_service_text(head):
        return read_service
    return None


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADER_WORDS = {"speaker", "pembicara", "name", "nama", "text", "teks", "transcript", "transkrip", "time", "waktu",
                 "timestamp"}


def docx_table_lines(path: Path, root: ElementTree.Element, meta: dict[str, Any]) -> list[tuple[int, str]] | None:
    """The turns of a Word transcript laid out as a table (speaker | text, or time | speaker | text).

    Returns ``None`` when the document has no such table (it is then read
    as paragraphs). A header row (Speaker, Text, Time ...) is skipped; each
    row is numbered by its row in the table.
    """
    body = root.find(f"{_W}body")
    table = body.find(f"{_W}tbl") if body is not None else None
    if table is None:
        return None
    cues: list[_Cue] = []
    for n, row in enumerate(table.iter(f"{_W}tr"), start=1):
        cells = []
        for cell in row.iter(f"{_W}tc"):
            text, _, _ = fix("\n".join(paragraph_text(p) for p in cell.iter(f"{_W}p")))
            cells.append(" ".join(normalise(text).split()))
        if not any(cells):
            continue
        if n == 1 and {c.casefold() for c in cells if c} <= _HEADER_WORDS:
            continue
        stamp = cells[0] if len(cells) == 3 else ""
        if len(cells) not in (2, 3) or (stamp and not re.fullmatch(_STAMP, stamp)):
            raise AnalysisError(f"row {n} of the transcript table: expected the cells speaker, text or time, "
                                "speaker, text", path=path, hint="one row per turn; a time reads 00:01:05")
        who, words = cells[-2:]
        cues.append(_Cue(n, hms(stamp) if stamp else "", who or None, words))
    lines = _merge([c for c in cues if c.text], _mapping(meta, path))
    # Rows without a time give turns without one, as in a .md transcript.
    return [(n, line[len("[] "):] if line.startswith("[] ") else line) for n, line in lines]
