"""A new case folder: the commented skeleton shipped with the package.

``python -m analysis new-case DIR`` (or ``make new-case DIR=...``) copies
``templates/new-case/`` into ``DIR``: every file of a case, commented, with
one illustrative transcript, document, informant and coding, so that the new
folder builds into a chapter before anything is changed.
"""

from __future__ import annotations

from pathlib import Path

from analysis.atomic import atomic_dir, write_bytes
from analysis.errors import AnalysisError
from analysis.log import logger
from analysis.paths import TEMPLATES_DIR

SKELETON = TEMPLATES_DIR / "new-case"


def skeleton_files(skeleton: str | Path = SKELETON) -> list[Path]:
    """The files of the skeleton, relative to it, in a stable order (hidden files and caches left out)."""
    root = Path(skeleton)
    if not root.is_dir():
        raise AnalysisError("the new-case skeleton is missing from the package", path=root,
                            hint="reinstall the package (make env)")
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                             for part in p.relative_to(root).parts))


def new_case(target: str | Path, skeleton: str | Path = SKELETON) -> list[Path]:
    """Write a skeleton case into ``target``; never overwrite anything.

    The files are first written into a temporary folder beside ``target``,
    which is then renamed: an interrupted run leaves no half-made case.

    Args:
        target: The new case folder. It must not exist, or be empty.
        skeleton: The folder copied (the package's skeleton by default).

    Returns:
        The files written, as paths under ``target``.

    Raises:
        AnalysisError: when ``target`` is a file or a folder that is not empty.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise AnalysisError("a file with this name exists; a new case needs a new folder", path=target,
                            hint="choose another name for the case folder")
    if target.is_dir() and any(target.iterdir()):
        raise AnalysisError("folder is not empty; new-case never overwrites files", path=target,
                            hint="choose a new folder name, or move its contents away first")
    files = skeleton_files(skeleton)
    with atomic_dir(target) as staging:
        for rel in files:
            write_bytes(staging / rel, (Path(skeleton) / rel).read_bytes())
    logger.info("created case folder %s (%d files)", target, len(files))
    return [target / rel for rel in files]
