"""The project's one logger."""

import logging

logger = logging.getLogger("analysis")


def configure(verbose: bool = False) -> None:
    """Send the project's log to stderr, once."""
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
