"""Entry point for ``python -m analysis``."""

import sys

from analysis.lean import skip_unused_imports

skip_unused_imports()  # before anything imports nbformat: saves ~0.8 s per command (see analysis.lean)

from analysis.cli import main  # noqa: E402

sys.exit(main())
