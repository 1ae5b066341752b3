"""Cleaning: bytes to normalised text, and paragraphs to speaker turns.

Pure functions; nothing here reads or writes files.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import ftfy

from analysis.errors import AnalysisError

ENCODINGS = ("utf-8", "cp1252")
_TIMESTAMP = re.compile(r"^\[(\d{1,2}:\d{2}(?::\d{2})?)\]\s*")
_LABEL = re.compile(r"^\*\*(?P<b>[^*:\n]{1,80}?)\s*:\s*\*\*\s*|^\*\*(?P<b2>[^*:\n]{1,80}?)\*\*\s*:\s*|^(?P<p>[^:\n*]{1,80}?)\s*:\s+")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")


def decode(data: bytes, path: str | Path) -> str:
    """Decode a file's bytes to clean text.

    UTF-8 (with or without BOM) is tried first, then cp1252; mojibake is
    repaired with ftfy, the text is NFC-normalised and line ends become ``\\n``.

    Raises:
        AnalysisError: when the bytes are binary or fit no accepted encoding.
    """
    if b"\x00" in data:
        raise AnalysisError("binary file (NUL bytes), not text", path=path,
                            hint="save transcripts as UTF-8 .md/.txt or as .docx")
    text = None
    for enc in ENCODINGS:
        try:
            text = data.decode("utf-8-sig" if enc == "utf-8" else enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise AnalysisError(f"cannot decode as {' or '.join(ENCODINGS)}", path=path,
                            hint="save the file as UTF-8")
    return normalise(ftfy.fix_encoding(text))


def normalise(text: str) -> str:
    """NFC, ``\\n`` line ends, no trailing spaces, single spaces inside lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def paragraphs(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """Split text on blank lines into ``(line number, paragraph)`` pairs."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = first_line
    for n, line in enumerate(text.split("\n"), start=first_line):
        if line.strip():
            if not buf:
                start = n
            buf.append(line.strip())
        elif buf:
            out.append((start, " ".join(buf)))
            buf = []
    if buf:
        out.append((start, " ".join(buf)))
    return out


@dataclass(frozen=True)
class Turn:
    """One speaker turn of a transcript."""

    speaker: str
    text: str
    timestamp: str
    line: int


def turns(paras: list[tuple[int, str]], speakers: set[str], path: str | Path) -> list[Turn]:
    """Group paragraphs into speaker turns.

    A paragraph starting with ``Label:`` (optionally bold, optionally after a
    ``[hh:mm:ss]`` timestamp) opens a turn when the label is a known speaker;
    other paragraphs continue the previous turn.

    Raises:
        AnalysisError: when text comes before the first turn, or a label that
            looks like a speaker is not one of ``speakers``.
    """
    out: list[Turn] = []
    folded = {s.casefold(): s for s in speakers}
    for line, para in paras:
        stamp, label, body_at, speaker_like = parse_label(para)
        if label is not None and label.casefold() in folded:
            out.append(Turn(folded[label.casefold()], para[body_at:].strip(),
                            _pad_timestamp(stamp) if stamp else "", line))
            continue
        if label is not None and speaker_like:
            raise AnalysisError(f"unknown speaker {label!r}; expected one of: {', '.join(sorted(speakers))}",
                                path=path, line=line, hint="labels must match the metadata: the informant name or the interviewer label")
        if not out:
            raise AnalysisError("text before the first speaker turn", path=path, line=line,
                                hint=f"start turns with one of: {', '.join(sorted(speakers))}")
        # Not a turn: the paragraph continues the previous one. A label here has no timestamp
        # (one would make it speaker-like), so only a bare timestamp is dropped.
        body = para if label is not None else para[body_at:]
        prev = out[-1]
        out[-1] = Turn(prev.speaker, f"{prev.text}\n\n{body}", prev.timestamp, prev.line)
    return out


def parse_label(paragraph: str) -> tuple[str, str | None, int, bool]:
    """Read the ``[hh:mm:ss]`` timestamp and ``Label:`` (plain or bold) that may open a paragraph.

    A label looks like a speaker when it is bold, follows a timestamp, or is
    one to four capitalised words without digits ("Moderator:", "Pak Budi:").
    Such a paragraph opening with an unknown name is a mislabelled turn, which
    would otherwise be silently added to the previous speaker's words; an
    ordinary sentence with a colon ("Yang penting: dana") is not mistaken for one.

    Args:
        paragraph: The paragraph (or line); leading and trailing whitespace is allowed.

    Returns:
        ``(timestamp, label, body_at, looks_like_speaker)``: the timestamp as
        written (``""`` if none), the label stripped (``None`` if none), the
        offset in ``paragraph`` of the words after the label (after the
        timestamp when there is no label), and whether the label looks like a speaker.
    """
    lead = len(paragraph) - len(paragraph.lstrip())
    body = paragraph.strip()
    at, stamp = 0, ""
    m = _TIMESTAMP.match(body)
    if m:
        stamp, at = m.group(1), m.end()
    lm = _LABEL.match(body[at:])
    label = next((g for g in lm.groups() if g), None) if lm else None
    if label is None:
        return stamp, None, lead + at, False
    words = label.split()
    speaker_like = bool(stamp or lm.group("b") or lm.group("b2")) or (
        1 <= len(words) <= 4 and all(w[0].isupper() and not any(ch.isdigit() for ch in w) for w in words))
    rest = body[at + lm.end():]
    return stamp, label.strip(), lead + at + lm.end() + (len(rest) - len(rest.lstrip())), speaker_like


def remove_fillers(text: str, fillers: list[str]) -> str:
    """Remove filler words (whole words, case-insensitive) and tidy the spaces."""
    if not fillers:
        return text
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in fillers) + r")(?!\w)[,.]*", re.IGNORECASE)
    return "\n\n".join(_SPACES.sub(" ", pattern.sub("", p)).strip() for p in text.split("\n\n"))


def _pad_timestamp(stamp: str) -> str:
    parts = stamp.split(":")
    if len(parts) == 2:
        parts.insert(0, "0")
    return ":".join(p.zfill(2) for p in parts)
