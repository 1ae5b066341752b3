"""The pipeline: every stage of a build as a plain function with typed arguments.

The command line (:mod:`analysis.cli`), the Makefile's recipes (through the
command line), :func:`analysis.manifest.verify` and the benchmarks all run
the stages through these functions, so a build means the same thing whichever
way it is started. Heavy modules (pandas, nbformat, papermill) are imported
inside the functions: ``python -m analysis --help`` and the Makefile's
``indicators`` step stay fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from analysis.log import logger
from analysis.paths import NOTEBOOKS_DIR, PROJECT_DIR, CasePaths, project_relative

DEFAULT_FORMATS = ("html", "md", "docx")  # chapter.DEFAULT_FORMATS, without importing the chapter at start-up
# What `build` owns in the reports folder (the rest is the user's).
REPORT_ENTRIES = ("results", "figures", "notebooks", "chapter", "evidence", "manifest.json")


def notebook_parameter(path: Path) -> str:
    """A notebook parameter path: relative to the project when inside it, so executed
    notebooks do not depend on where the clone lives (:func:`analysis.paths.project_relative`)."""
    return project_relative(path)


@contextmanager
def every_problem(paths: CasePaths) -> Iterator[None]:
    """On a problem in the case inside the block, report every problem of the case, not only that one.

    The happy path pays nothing; after a failure the whole case is checked
    (as ``check`` does) so that one run lists all there is to fix.
    """
    from analysis.errors import AnalysisError, CaseProblems

    try:
        yield
    except CaseProblems:
        raise
    except AnalysisError:
        from analysis.prepare import check_case

        check_case(paths).raise_if_any(paths.case)
        raise


def indicator_ids(paths: CasePaths) -> list[str]:
    """The indicator ids of the case, in codebook order; ``case.yml`` is checked first.

    Make's first step: a problem in the case stops the build before any output, listed with every other one.
    """
    from analysis.case import Case

    with every_problem(paths):
        return [ind.id for ind in Case.load(paths, key="skip").codebook.indicators]


def prepare(paths: CasePaths, evidence_digests: bool = False) -> None:
    """Ingest, clean, pseudonymise and code the case into the processed tables.

    ``evidence_digests``: also write each indicator's evidence digest where it changed (``make`` asks for them).
    """
    from analysis.prepare import prepare as run

    run(paths, evidence_digests=evidence_digests)


def indicator(paths: CasePaths, indicator_id: str, language: str = "",
              thresholds: Mapping[str, int] | None = None) -> Path:
    """Execute the indicator notebook for one indicator; return the executed notebook.

    ``thresholds`` overrides rule thresholds in every rule (a what-if run,
    :mod:`analysis.whatif`); empty or None: the case's own rules.

    The case settings, the indicator id and the processed tables are checked
    before a kernel starts, so that their errors read as one line, not as a
    notebook traceback.
    """
    from analysis import schemas
    from analysis.case import Case
    from analysis.notebooks import execute

    Case.load(paths, key="skip").codebook.indicator(indicator_id)
    schemas.require_tables(paths.processed)
    target = paths.executed / f"indicator-{indicator_id}.ipynb"
    execute(NOTEBOOKS_DIR / "indicator.ipynb", target,
            {"indicator_id": indicator_id, "case_dir": notebook_parameter(paths.case),
             "processed_dir": notebook_parameter(paths.processed), "reports_dir": notebook_parameter(paths.reports),
             "language": language, "thresholds": dict(thresholds or {})}, cwd=PROJECT_DIR)
    return target


def conclusion(paths: CasePaths, language: str = "") -> Path:
    """Execute the conclusion notebook, which reads every indicator's results; return it executed."""
    from analysis.case import CaseSettings
    from analysis.chapter import results_files
    from analysis.notebooks import execute

    CaseSettings.load(paths.case_config)
    results_files(paths)  # every indicator's results, before a kernel starts
    target = paths.executed / "conclusion.ipynb"
    execute(NOTEBOOKS_DIR / "conclusion.ipynb", target,
            {"case_dir": notebook_parameter(paths.case), "reports_dir": notebook_parameter(paths.reports),
             "language": language}, cwd=PROJECT_DIR)
    return target


def assemble(paths: CasePaths, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
    """Assemble the executed notebooks into the chapter in ``formats``; return the files written."""
    from analysis.chapter import assemble as run

    written = run(paths, tuple(formats))
    for path in written:
        logger.info("wrote %s", path)
    return written


def pdf(paths: CasePaths) -> list[Path]:
    """Print every chapter document to PDF from its HTML, already built; return the PDFs."""
    from analysis.chapter import print_pdfs

    written = print_pdfs(paths)
    for path in written:
        logger.info("wrote %s", path)
    return written


def audit(paths: CasePaths) -> list[str]:
    """Every identity from the private key found in the outputs (empty: none)."""
    from analysis.audit import audit as run

    return [str(leak) for leak in run(paths)]


def manifest(paths: CasePaths) -> Path:
    """Write ``<reports>/manifest.json`` after the privacy audit; return it.

    Raises:
        AnalysisError: when an output holds a name of the key (the manifest marks
            a finished build, never one with a leak).
    """
    from analysis.audit import refuse_leaks
    from analysis.manifest import write_manifest

    refuse_leaks(paths)
    written = write_manifest(paths)
    logger.info("wrote %s", written)
    return written


def build(paths: CasePaths, formats: Iterable[str] = DEFAULT_FORMATS, language: str = "",
          thresholds: Mapping[str, int] | None = None) -> Path:
    """Every stage in order: prepare, each indicator, conclusion, assemble, the privacy audit; then the manifest.

    All or nothing: the stages write into staging folders, swapped in only
    when the chapter is assembled and the audit found no leak; a failure
    leaves the previous outputs as they were (or none). The old manifest goes
    too (it describes old outputs); the new one is written once the new
    outputs are in place, as ``make`` writes it.

    ``thresholds``: a what-if run (see :func:`indicator`); the caller chooses
    output folders that are not the case's own.

    Returns:
        The manifest written.
    """
    from analysis import schemas
    from analysis.atomic import staged_dirs
    from analysis.audit import refuse_leaks
    from analysis.config import load_codebook

    formats = tuple(formats)
    with every_problem(paths):
        codebook = load_codebook(paths.codebook)  # a broken codebook fails before any folder is made
    with staged_dirs([(paths.processed, schemas.is_table_file),
                      (paths.reports, REPORT_ENTRIES.__contains__)]) as (processed, reports):
        staged = CasePaths(paths.case, processed, reports)
        prepare(staged)
        for ind in codebook.indicators:
            indicator(staged, ind.id, language, thresholds)
        conclusion(staged, language)
        assemble(staged, formats)
        refuse_leaks(staged)  # a leak: nothing is swapped in
        # The notebooks ran on the staging folders; after the swap their parameters name the real ones.
        _rename_parameters(reports / "notebooks", {notebook_parameter(processed): notebook_parameter(paths.processed),
                                                   notebook_parameter(reports): notebook_parameter(paths.reports)})
    logger.info("built %s and %s (the paths above were their staging folders)", paths.processed, paths.reports)
    return manifest(paths)


def _rename_parameters(folder: Path, renames: dict[str, str]) -> None:
    """Rewrite folder paths in the parameters of every executed notebook in ``folder``."""
    from analysis.notebooks import rename_paths

    for path in sorted(folder.glob("*.ipynb")):
        rename_paths(path, renames)


def built_formats(paths: CasePaths) -> tuple[str, ...]:
    """The chapter formats the current outputs hold (a PDF only if one was printed); the default when none."""
    from analysis.chapter import EXPORTERS

    return tuple(f for f in EXPORTERS if (paths.chapter / f"thesis.{f}").is_file()) or DEFAULT_FORMATS


def verify(paths: CasePaths, language: str = "") -> list[str]:
    """Rebuild the case into a scratch folder and list every output that differs (empty: all match).

    Raises:
        AnalysisError: when the current outputs hold a name of the key (they are
            not verified, they are removed).
    """
    from analysis.audit import refuse_leaks
    from analysis.manifest import verify as compare

    refuse_leaks(paths)
    formats = built_formats(paths)
    return compare(paths, lambda fresh: build(fresh, formats, language))
