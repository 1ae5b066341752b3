"""The project's one logger."""

import logging
import sys

logger = logging.getLogger("analysis")


class _CurrentStderr(logging.StreamHandler):
    """A handler that writes to whatever ``sys.stderr`` is at the time of the record.

    A plain StreamHandler keeps the stream it was created with; when a caller
    (a test runner, a notebook) swaps and closes ``sys.stderr``, later records
    would go to a closed stream.
    """

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(verbose: bool = False) -> None:
    """Send the project's log to stderr, once."""
    if logger.handlers:
        return
    handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
