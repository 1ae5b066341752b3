"""Atomic writes: a temporary file (or folder) beside the target, then a rename.

A step that fails leaves the old file or nothing, never half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from analysis.errors import AnalysisError

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold: no build time in the bytes


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path; rename it onto ``target`` if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(target: str | Path, text: str) -> None:
    """Write UTF-8 text with ``\\n`` line ends atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_bytes(target: str | Path, data: bytes) -> None:
    """Write bytes atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_json(target: str | Path, data: Any) -> None:
    """Write JSON with sorted keys and a final newline, so rebuilds are byte-identical."""
    write_text(target, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_zip(target: str | Path, members: dict[str, bytes]) -> None:
    """Write a zip whose bytes depend on ``members`` only, atomically.

    Entries are sorted by name, dated :data:`ZIP_DATE`, deflated at level 9
    and marked as regular files with mode 0644 made on Unix.

    Args:
        target: The zip file to write.
        members: Entry name -> bytes.
    """
    with atomic_path(target) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name in sorted(members):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # Unix, so that the mode bits below are read as such
                info.external_attr = 0o100644 << 16
                z.writestr(info, members[name], compresslevel=9)


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a staging folder beside ``target``; rename it onto ``target`` if the block succeeds.

    ``target`` may exist only as an empty folder, which is replaced. The
    staging folder is always removed; on failure so are the parent folders
    this call created, so that nothing is left behind.

    Args:
        target: The folder to create.

    Yields:
        The staging folder to fill.

    Raises:
        AnalysisError: when ``target`` is a file or a folder that is not empty
            (checked before the rename; nothing is changed then).
    """
    target = Path(target)
    made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]  # innermost first
    target.parent.mkdir(parents=True, exist_ok=True)
    done = False
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            yield staging
            if target.exists() and (not target.is_dir() or any(target.iterdir())):
                raise AnalysisError("the target folder exists and is not empty", path=target,
                                    hint="choose a new folder, or move its contents away first")
            os.chmod(staging, 0o755)
            if target.is_dir():
                target.rmdir()  # empty (checked above): the rename needs the name free on every platform
            os.replace(staging, target)
            done = True
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    finally:
        if not done:
            for folder in made:  # leave no empty parents behind either
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()


@contextlib.contextmanager
def staged_dirs(targets: list[tuple[str | Path, Callable[[str], bool]]]) -> Iterator[list[Path]]:
    """Yield a staging folder per output folder; swap them all in if the block succeeds.

    All or nothing for a whole stage: a block that fails (an error, Ctrl-C)
    leaves every output folder as it was, byte for byte, or absent if it was
    absent. The staging folder is hidden inside its output folder (not beside
    it), so the swap is a rename of entries within one folder: it works when
    the output folder is a mount point or a symbolic link, and what the stage
    does not write (``.gitkeep``, the Makefile's ``.indicators.mk``, a user's
    notes) stays where it is.

    On success, for each output folder: the entries the stage owns (``owns``)
    or wrote anew are moved aside, the staged entries are moved in, and the
    old ones are deleted. A failure during the moves undoes those made so
    far, in every folder.

    Args:
        targets: (output folder, owns) pairs; ``owns(name)`` says whether a top-level
            entry of that folder is written by the stage, so that an old one the
            stage no longer writes (a stale figure, a dropped indicator) goes too.
            Pairs naming the same folder are merged.

    Yields:
        The staging folders, in the order of ``targets``.
    """
    merged: dict[str, tuple[Path, list[Callable[[str], bool]]]] = {}
    for folder, owns in targets:
        key = os.path.abspath(folder)
        merged.setdefault(key, (Path(folder), []))[1].append(owns)
    made: list[Path] = []  # folders this call created, outermost first: removed again on failure
    staging: dict[str, Path] = {}
    done = False
    try:
        for key, (folder, _) in merged.items():
            made += [p for p in reversed((folder, *folder.parents)) if not p.exists() and p not in made]
            folder.mkdir(parents=True, exist_ok=True)
            staging[key] = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
        yield [staging[os.path.abspath(folder)] for folder, _ in targets]
        _swap_in([(folder, staging[key], owners) for key, (folder, owners) in merged.items()])
        done = True
    finally:
        for stage in staging.values():
            if stage.exists():
                shutil.rmtree(stage)
        if not done:
            for folder in reversed(made):  # innermost first; only if nothing else came to live there
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()


def _swap_in(swaps: list[tuple[Path, Path, list[Callable[[str], bool]]]]) -> None:
    """Move staged entries into their folders; undo every move if one fails."""
    moved: list[tuple[Path, Path]] = []  # (from, to), in order, for the undo
    aside: list[Path] = []
    try:
        for folder, stage, owners in swaps:
            old = Path(tempfile.mkdtemp(prefix=".replaced-", dir=folder))
            aside.append(old)
            new = set(os.listdir(stage))
            for name in sorted(os.listdir(folder)):
                if (folder / name) not in (stage, old) and not name.startswith((".staging-", ".replaced-")) \
                        and (name in new or any(owns(name) for owns in owners)):
                    os.replace(folder / name, old / name)
                    moved.append((folder / name, old / name))
            for name in sorted(new):
                os.replace(stage / name, folder / name)
                moved.append((stage / name, folder / name))
    except BaseException:
        for source, target in reversed(moved):
            os.replace(target, source)
        for old in aside:
            shutil.rmtree(old, ignore_errors=True)
        raise
    for old in aside:
        shutil.rmtree(old)
