"""Progress bars for the long loops (many transcripts, codings, units), on stderr.

Shown only when stderr is a terminal and the loop lasts more than two
seconds, so logs, Make output and tests stay clean; ``ANALYSIS_PROGRESS=0``
turns them off everywhere, ``ANALYSIS_PROGRESS=1`` forces them on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")
DELAY = 2.0  # seconds before a bar appears: short steps never show one


def enabled() -> bool:
    """Whether progress bars are shown (``ANALYSIS_PROGRESS``, else: stderr is a terminal)."""
    setting = os.environ.get("ANALYSIS_PROGRESS", "").strip().lower()
    if setting in ("0", "false", "no", "off"):
        return False
    if setting in ("1", "true", "yes", "on"):
        return True
    return sys.stderr.isatty()


def progress(items: Iterable[T], desc: str, total: int | None = None, unit: str = "it") -> Iterable[T]:
    """``items``, wrapped in a tqdm bar on stderr when :func:`enabled`."""
    if not enabled():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, total=total, unit=unit, file=sys.stderr, delay=DELAY, leave=False,
                mininterval=0.5, dynamic_ncols=True)
