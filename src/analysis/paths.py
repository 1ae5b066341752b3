"""Where things are: the only module that knows the project's layout.

Every other module receives paths as arguments, so a case can live anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
PROJECT_DIR = PACKAGE_DIR.parent.parent
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"

DEFAULT_CASE = PROJECT_DIR / "data" / "raw"
DEFAULT_PROCESSED = PROJECT_DIR / "data" / "processed"
DEFAULT_REPORTS = PROJECT_DIR / "reports"


@dataclass(frozen=True)
class CasePaths:
    """The inputs of one case folder and the outputs built from it.

    Args:
        case: The case folder (raw data, read only).
        processed: Where cleaned tables go.
        reports: Where notebooks, results, figures and the chapter go.
    """

    case: Path
    processed: Path
    reports: Path

    @classmethod
    def from_dirs(cls, case: str | Path | None = None, processed: str | Path | None = None,
                  reports: str | Path | None = None) -> CasePaths:
        """Build paths, defaulting to the example case of this repository."""
        return cls(Path(case or DEFAULT_CASE), Path(processed or DEFAULT_PROCESSED),
                   Path(reports or DEFAULT_REPORTS))

    # inputs
    @property
    def case_config(self) -> Path:
        return self.case / "case.yml"

    @property
    def codebook(self) -> Path:
        return self.case / "codebook.yml"

    @property
    def identity_key(self) -> Path:
        return self.case / "private" / "identity-key.yml"

    @property
    def interviews(self) -> Path:
        return self.case / "interviews"

    @property
    def register(self) -> Path:
        return self.case / "documents" / "register.csv"

    @property
    def document_texts(self) -> Path:
        return self.case / "documents" / "texts"

    @property
    def codings(self) -> Path:
        return self.case / "codings"

    # outputs
    def table(self, name: str, ext: str = "parquet") -> Path:
        return self.processed / f"{name}.{ext}"

    @property
    def results(self) -> Path:
        return self.reports / "results"

    @property
    def figures(self) -> Path:
        return self.reports / "figures"

    @property
    def executed(self) -> Path:
        return self.reports / "notebooks"

    @property
    def chapter(self) -> Path:
        return self.reports / "chapter"


def in_project(path: str | Path) -> Path:
    """A folder given to a notebook, as a path that does not depend on the working directory.

    Notebook parameters hold paths relative to the project (see
    :func:`project_relative`), because a kernel started by JupyterLab runs in
    the notebook's own folder (``notebooks/`` or ``reports/notebooks/``), not in
    the project: resolving against the project makes "Run All" work from
    either. Absolute paths are kept.
    """
    path = Path(path)
    return path if path.is_absolute() else PROJECT_DIR / path


def project_relative(path: str | Path) -> str:
    """A path as written into notebooks and metadata: relative to the project when inside it
    (so executed notebooks do not depend on where the clone lives), else absolute."""
    resolved = Path(path).resolve()
    return resolved.relative_to(PROJECT_DIR).as_posix() if resolved.is_relative_to(PROJECT_DIR) else str(resolved)
