"""Cleaning: bytes to normalised text, and paragraphs to speaker turns.

Nothing here reads or writes files; the one side effect is the warning
logged (and recorded, see :func:`recording_repairs`) when a text is repaired.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import ftfy

from analysis.errors import AnalysisError, excerpt
from analysis.log import logger

ENCODINGS = ("utf-8", "cp1252")
# Byte order marks that name a wide encoding; UTF-32's little-endian mark starts like UTF-16's, so it goes first.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Control characters other than line ends and tabs: invisible, they break quote matching and CSV cells.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TIMESTAMP = re.compile(r"^\[(\d{1,2}:\d{2}(?::\d{2})?)\]\s*")
_LABEL = re.compile(r"^\*\*(?P<b>[^*:\n]{1,80}?)\s*:\s*\*\*\s*|^\*\*(?P<b2>[^*:\n]{1,80}?)\*\*\s*:\s*|^(?P<p>[^:\n*]{1,80}?)\s*:\s+")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")


@dataclass(frozen=True)
class Repair:
    """A change made to a file's text while reading it, which its author should know about.

    Args:
        path: The file repaired.
        kind: ``cp1252_fallback``, ``mojibake_repaired`` or ``control_characters_removed``.
        detail: What was done, in words (no text of the file: it may hold names).
    """

    path: str
    kind: str
    detail: str


_REPAIRS: ContextVar[list[Repair] | None] = ContextVar("repairs", default=None)


@contextmanager
def recording_repairs() -> Iterator[list[Repair]]:
    """Collect the repairs :func:`decode` makes inside the ``with`` block (for the QA table)."""
    found: list[Repair] = []
    token = _REPAIRS.set(found)
    try:
        yield found
    finally:
        _REPAIRS.reset(token)


def decode(data: bytes, path: str | Path) -> str:
    """Decode a file's bytes to clean text.

    UTF-16 and UTF-32 are read when the file starts with their byte order
    mark; otherwise UTF-8 (with or without BOM) is tried first, then cp1252.
    Mojibake is repaired with ftfy, control characters are removed, the text
    is NFC-normalised and line ends become ``\\n``. Each repair (cp1252, ftfy,
    control characters) is logged as a warning naming the file, and recorded
    for :func:`recording_repairs`.

    Raises:
        AnalysisError: when the bytes are binary or fit no accepted encoding.
    """
    wide = next((enc for bom, enc in _WIDE_BOMS if data.startswith(bom)), None)
    if wide:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError as exc:
            raise AnalysisError(f"cannot decode as {wide.upper()} (byte {exc.start}), although it starts with "
                                f"a {wide.upper()} byte order mark", path=path,
                                hint="the file is damaged or cut short: save it again, preferably as UTF-8") from None
        return repair(text, path)
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
    return repair(text, path, fallback=enc != "utf-8")


def repair(text: str, path: str | Path, fallback: bool = False) -> str:
    """Repair and normalise one file's decoded text; log and record each kind of repair.

    Args:
        text: The decoded text.
        path: The file it came from (named in the warning).
        fallback: Whether it was decoded as cp1252 because it was not UTF-8.

    Returns:
        The text with mojibake fixed, control characters removed, normalised.
    """
    fixed, garbled, controls = fix(text)
    report_repairs(path, fallback=fallback, garbled=garbled, controls=controls)
    return normalise(fixed)


def fix(text: str) -> tuple[str, bool, int]:
    """Repair mojibake (ftfy) and remove control characters; pure.

    Returns:
        ``(text, whether mojibake was repaired, number of control characters removed)``.
    """
    fixed = ftfy.fix_encoding(text)
    garbled = fixed != text
    fixed, controls = _CONTROL.subn("", fixed)
    return fixed, garbled, controls


def report_repairs(path: str | Path, *, fallback: bool = False, garbled: bool = False, controls: int = 0) -> None:
    """Log (as warnings) and record the repairs made to one file: one note per kind, never per line."""
    if fallback:
        note(Repair(str(path), "cp1252_fallback", "not UTF-8: read as Windows-1252 (cp1252)"))
    if garbled:
        note(Repair(str(path), "mojibake_repaired", "garbled characters (mojibake) repaired"))
    if controls:
        note(Repair(str(path), "control_characters_removed", f"{controls} control character(s) removed"))


def note(rep: Repair) -> None:
    """Log a repair as a warning and record it for :func:`recording_repairs` when recording."""
    logger.warning("%s: %s", rep.path, rep.detail)
    found = _REPAIRS.get()
    if found is not None:
        found.append(rep)


def normalise(text: str) -> str:
    """NFC, ``\\n`` line ends, no trailing spaces, single spaces inside lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def paragraphs(text: str, first_line: int = 1, keep_lines: bool = False) -> list[tuple[int, str]]:
    """Split text on blank lines into ``(line number, paragraph)`` pairs.

    Args:
        text: The text.
        first_line: The line number of the text's first line in its file.
        keep_lines: Join a paragraph's lines with ``\\n`` (transcripts: a line may open a turn)
            rather than with a space (documents).
    """
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = first_line
    glue = "\n" if keep_lines else " "
    for n, line in enumerate(text.split("\n"), start=first_line):
        if line.strip():
            if not buf:
                start = n
            buf.append(line.strip())
        elif buf:
            out.append((start, glue.join(buf)))
            buf = []
    if buf:
        out.append((start, glue.join(buf)))
    return out


@dataclass(frozen=True)
class Turn:
    """One speaker turn of a transcript."""

    speaker: str
    text: str
    timestamp: str
    line: int


def turns(paras: list[tuple[int, str]], speakers: set[str], path: str | Path) -> list[Turn]:
    """Group the lines of a transcript into speaker turns.

    Every line is read on its own, blank line before it or not (transcripts
    are often written one turn per line): a line starting with ``Label:``
    (optionally bold, optionally after a ``[hh:mm:ss]`` timestamp) opens a turn
    when the label is a known speaker. Other lines continue the current turn:
    a line of the same paragraph is joined with a space, a new paragraph (or a
    line opening with a bare timestamp) with a blank line.

    Args:
        paras: ``(line number, paragraph)`` pairs; a paragraph's lines are
            separated by ``\\n`` and numbered from its line number on.
        speakers: The speaker labels of the transcript.
        path: The transcript (for error messages).

    Raises:
        AnalysisError: when text comes before the first turn, a label that
            looks like a speaker is not one of ``speakers``, a line holds a
            second known speaker label mid-text, or a timestamp is impossible.
    """
    out: list[Turn] = []
    folded = {s.casefold(): s for s in speakers}
    inner = _inner_label(speakers)
    for first, para in paras:
        for offset, text in enumerate(para.split("\n")):
            line = first + offset
            stamp, label, body_at, speaker_like = parse_label(text)
            if stamp:
                _check_timestamp(stamp, path, line)
            if label is not None and label.casefold() in folded:
                body = text[body_at:].strip()
                _check_one_label(body, inner, path, line)
                out.append(Turn(folded[label.casefold()], body, _pad_timestamp(stamp) if stamp else "", line))
                continue
            if label is not None and speaker_like:
                raise AnalysisError(f"unknown speaker {label!r}; expected one of: {', '.join(sorted(speakers))}",
                                    path=path, line=line,
                                    hint="labels must match the metadata: the informant name or the interviewer label")
            if not out:
                raise AnalysisError("text before the first speaker turn", path=path, line=line,
                                    hint=f"start turns with one of: {', '.join(sorted(speakers))}")
            # Not a turn: the line continues the previous one. A label here has no timestamp
            # (one would make it speaker-like), so only a bare timestamp is dropped.
            body = text.strip() if label is not None else text[body_at:].strip()
            _check_one_label(body, inner, path, line)
            prev = out[-1]
            glue = "\n\n" if offset == 0 or stamp else " "
            out[-1] = Turn(prev.speaker, f"{prev.text}{glue}{body}" if prev.text else body, prev.timestamp, prev.line)
    return out


def _inner_label(speakers: set[str]) -> re.Pattern[str] | None:
    """A known speaker label inside a line: after the end of a sentence, or after a timestamp.

    "... begin? Ana Lima: It began ..." is two turns written on one line; a
    name followed by a colon in mid-sentence ("as Ana Lima: said") is not
    matched, so ordinary prose is not mistaken for a turn.
    """
    names = sorted((s for s in speakers if s.strip()), key=len, reverse=True)
    if not names:
        return None
    alt = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in names)
    return re.compile(rf"(?:(?<=[.?!…\"”’')\]])\s+|\s*\[\d{{1,2}}:\d{{2}}(?::\d{{2}})?\]\s*)"
                      rf"(?:\*\*)?(?P<label>{alt})\s*(?::\s*\*\*|\*\*\s*:|:)(?=\s|$)", re.IGNORECASE)


def _check_one_label(body: str, inner: re.Pattern[str] | None, path: str | Path, line: int) -> None:
    m = inner.search(body) if inner is not None else None
    if m:
        raise AnalysisError(f"a second speaker label {excerpt(m.group('label'))} inside a line",
                            path=path, line=line,
                            hint="start each turn on a line of its own")


def _check_timestamp(stamp: str, path: str | Path, line: int) -> None:
    """Minutes and seconds run from 00 to 59 (``[mm:ss]`` or ``[h:mm:ss]``)."""
    if any(int(part) > 59 for part in stamp.split(":")[-2:]):
        raise AnalysisError(f"invalid timestamp [{stamp}]: minutes and seconds run from 00 to 59",
                            path=path, line=line, hint="write [hh:mm:ss] or [mm:ss]")


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
