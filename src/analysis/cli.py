"""Command line: ``python -m analysis <command>``. The Makefile calls these."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis.errors import AnalysisError, CaseProblems
from analysis.log import configure, logger
from analysis.paths import NOTEBOOKS_DIR, PROJECT_DIR, CasePaths

COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {}
ARGUMENTS: dict[str, tuple[tuple[tuple, dict], ...]] = {}  # a command's own arguments, beside the common ones
_DEFAULT_FORMATS = "html,md,docx"  # chapter.DEFAULT_FORMATS, spelled for the command line (no import at start-up)


def command(*arguments: tuple[tuple, dict]):
    """Register a sub-command with its own arguments (made by :func:`arg`); its docstring's first line is its help."""
    def register(func):
        name = func.__name__.replace("_", "-")
        COMMANDS[name], ARGUMENTS[name] = func, arguments
        return func
    return register


def arg(*names: str, **options) -> tuple[tuple, dict]:
    """One argument of a command, as ``argparse.ArgumentParser.add_argument`` takes it."""
    return names, options


_FORMATS = arg("--formats", default=_DEFAULT_FORMATS,
               help=f"comma-separated chapter formats: html, md, docx, pdf (default: {_DEFAULT_FORMATS}; "
                    "pdf needs xelatex or Chromium)")
_WRITTEN = arg("file", type=Path, help="the REFI-QDA file to write")
_THRESHOLD = arg("--threshold", action="append", default=[], metavar="KEY=VALUE",
                 help="what-if run: override a rule threshold (min_informants, min_documents, min_contradicting) "
                      "in every rule; repeatable")


def _paths(args: argparse.Namespace) -> CasePaths:
    out = getattr(args, "out", None)
    processed = args.processed or (out / "processed" if out else None)
    reports = args.reports or (out / "reports" if out else None)
    return CasePaths.from_dirs(args.case, processed, reports)


@contextmanager
def _every_problem(paths: CasePaths) -> Iterator[None]:
    """On a problem in the case inside the block, report every problem of the case, not only that one.

    The happy path pays nothing; after a failure the whole case is checked
    (as ``check`` does) so that one run lists all there is to fix.
    """
    try:
        yield
    except CaseProblems:
        raise
    except AnalysisError:
        from analysis.prepare import check_case
        check_case(paths).raise_if_any(paths.case)
        raise


def _param(path: Path) -> str:
    """A notebook parameter path: relative to the project when inside it, so executed
    notebooks do not depend on where the clone lives."""
    resolved = path.resolve()
    return resolved.relative_to(PROJECT_DIR).as_posix() if resolved.is_relative_to(PROJECT_DIR) else str(resolved)


@command()
def prepare(args: argparse.Namespace) -> None:
    """Ingest, clean, pseudonymise and code the case into the processed tables."""
    from analysis.prepare import prepare as run
    run(_paths(args))


@command()
def check(args: argparse.Namespace) -> None:
    """Check the whole case and list every problem at once, grouped by file; writes nothing."""
    from analysis.errors import ProblemCollector
    from analysis.prepare import read_case
    paths = _paths(args)
    problems = ProblemCollector()
    inputs = read_case(paths, problems)
    problems.raise_if_any(paths.case)
    assert inputs is not None  # read_case returns None only when it found a problem
    print(f"check: no problems in {paths.case} ({inputs.sources['source_type'].eq('interview').sum()} interview(s), "
          f"{len(inputs.documents)} document(s), {len(inputs.codings)} coding(s) checked"
          + (f"; {len(inputs.repairs)} warning(s) above, worth a look)" if inputs.repairs else ")"))


@command(arg("id", help="indicator id from the codebook"), _THRESHOLD)
def indicator(args: argparse.Namespace) -> None:
    """Execute the indicator notebook for one indicator (papermill)."""
    from analysis import schemas
    from analysis.config import load_case, load_codebook
    from analysis.notebooks import execute
    from analysis.whatif import parse_thresholds
    paths = _paths(args)
    thresholds = parse_thresholds(getattr(args, "threshold", []))
    load_case(paths.case_config)  # its rules, checked before a kernel starts
    load_codebook(paths.codebook).indicator(args.id)
    schemas.require_tables(paths.processed)  # before a kernel starts
    execute(NOTEBOOKS_DIR / "indicator.ipynb", paths.executed / f"indicator-{args.id}.ipynb",
            {"indicator_id": args.id, "case_dir": _param(paths.case),
             "processed_dir": _param(paths.processed), "reports_dir": _param(paths.reports),
             "language": args.language or "", "thresholds": thresholds}, cwd=PROJECT_DIR)


@command()
def conclusion(args: argparse.Namespace) -> None:
    """Execute the conclusion notebook, which reads every indicator's results."""
    from analysis.chapter import results_files
    from analysis.config import load_case
    from analysis.notebooks import execute
    paths = _paths(args)
    load_case(paths.case_config)
    results_files(paths)  # every indicator's results, before a kernel starts
    execute(NOTEBOOKS_DIR / "conclusion.ipynb", paths.executed / "conclusion.ipynb",
            {"case_dir": _param(paths.case), "reports_dir": _param(paths.reports),
             "language": args.language or ""}, cwd=PROJECT_DIR)


@command(_FORMATS)
def assemble(args: argparse.Namespace) -> None:
    """Assemble the executed notebooks into the chapter (HTML, Markdown, DOCX; PDF on request)."""
    from analysis.chapter import assemble as run
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    for path in run(_paths(args), formats):
        logger.info("wrote %s", path)


@command()
def pdf(args: argparse.Namespace) -> None:
    """Print the chapter to PDF (A4, thesis margins) from the HTML chapter, with xelatex or headless Chromium."""
    from analysis.formats.pdf import export_pdf
    paths = _paths(args)
    logger.info("wrote %s", export_pdf(paths.chapter / "chapter.html", paths.chapter / "chapter.pdf"))


REPORT_ENTRIES = ("results", "figures", "notebooks", "chapter", "evidence", "manifest.json")  # what `build` owns in reports


@command(_FORMATS, _THRESHOLD)
def build(args: argparse.Namespace) -> None:
    """Run every stage in order: prepare, each indicator, conclusion, assemble; then the privacy audit.

    All or nothing: the stages write into staging folders, swapped in only
    when the chapter is assembled and the audit found no leak; a failure
    leaves the previous outputs as they were (or none). The old manifest goes
    too: it describes old outputs.
    """
    from analysis import schemas
    from analysis.atomic import staged_dirs
    from analysis.audit import refuse_leaks
    from analysis.config import load_codebook
    final = _what_if_paths(args)
    with _every_problem(final):
        codebook = load_codebook(final.codebook)  # a broken codebook fails before any folder is made
    with staged_dirs([(final.processed, schemas.is_table_file),
                      (final.reports, REPORT_ENTRIES.__contains__)]) as (processed, reports):
        staged = argparse.Namespace(**{**vars(args), "processed": processed, "reports": reports, "out": None})
        prepare(staged)
        for ind in codebook.indicators:
            staged.id = ind.id
            indicator(staged)
        conclusion(staged)
        assemble(staged)
        refuse_leaks(CasePaths(final.case, processed, reports))  # a leak: nothing is swapped in
        # The notebooks ran on the staging folders; after the swap their parameters name the real ones.
        _rename_parameters(reports / "notebooks", {_param(processed): _param(final.processed),
                                                   _param(reports): _param(final.reports)})
    logger.info("built %s and %s (the paths above were their staging folders)", final.processed, final.reports)


def _what_if_paths(args: argparse.Namespace) -> CasePaths:
    """The output folders of a build: for a what-if run (``--threshold``), never the case's own.

    Without ``--out``/``--reports`` a what-if build goes to ``what-if/<thresholds>/``; pointed at the
    default reports folder it is refused, so that a chapter with changed thresholds never replaces the
    chapter of the case.
    """
    from analysis.whatif import output_dir, parse_thresholds
    overrides = parse_thresholds(getattr(args, "threshold", []))
    if not overrides:
        return _paths(args)
    if not (args.out or args.reports or args.processed):
        args.out = PROJECT_DIR / output_dir(overrides)
    paths = _paths(args)
    if paths.reports.resolve() == CasePaths.from_dirs().reports.resolve():
        raise AnalysisError("a what-if run must not write over the chapter of the case", field="--reports",
                            hint="leave out --out/--reports (it goes to what-if/<thresholds>/) or name another folder")
    return paths


@command(_FORMATS, _THRESHOLD)
def what_if(args: argparse.Namespace) -> None:
    """Rebuild the chapter with other thresholds (--threshold KEY=VALUE) into what-if/<thresholds>/, with its manifest."""
    from analysis.whatif import parse_thresholds
    if not parse_thresholds(args.threshold):
        raise AnalysisError("say which thresholds to change", field="--threshold",
                            hint="e.g. python -m analysis what-if --threshold min_informants=3")
    paths = _what_if_paths(args)
    done = argparse.Namespace(**{**vars(args), "case": paths.case, "processed": paths.processed,
                                 "reports": paths.reports, "out": None})
    build(done)
    manifest(done)
    logger.info("what-if chapter: %s", paths.chapter)


def _rename_parameters(folder: Path, renames: dict[str, str]) -> None:
    """Rewrite folder paths in the parameters of every executed notebook in ``folder``."""
    from analysis.notebooks import rename_paths
    for path in sorted(folder.glob("*.ipynb")):
        rename_paths(path, renames)


@command()
def indicators(args: argparse.Namespace) -> None:
    """Print the indicator ids of the case, one per line (used by the Makefile)."""
    from analysis.config import load_case, load_codebook
    with _every_problem(_paths(args)):  # make's first step: a problem stops it before any output
        load_case(_paths(args).case_config)
        ids = [ind.id for ind in load_codebook(_paths(args).codebook).indicators]
    print("\n".join(ids))


@command(arg("dir", type=Path, help="the new case folder (must not exist, or be empty)"))
def new_case(args: argparse.Namespace) -> None:
    """Start a new case folder: a commented template of every file, which builds at once."""
    from analysis.scaffold import new_case as run
    run(args.dir)
    logger.info("next: read %s, then build it with `make CASE=%s OUT=<output folder>`",
                args.dir / "README.md", args.dir)


@command()
def audit(args: argparse.Namespace) -> None:
    """Fail if any identity from the private key appears in processed data or reports."""
    from analysis.audit import audit as run
    paths = _paths(args)
    leaks = run(paths)
    for leak in leaks:
        print(leak, file=sys.stderr)
    if leaks:
        raise AnalysisError(f"{len(leaks)} identity leak(s) found", hint="see the lines above")
    logger.info("audit: no identity from the key in %s or %s", paths.processed, paths.reports)


@command()
def manifest(args: argparse.Namespace) -> None:
    """Write reports/manifest.json (every output and input with its sha256, versions, parameters) after the privacy audit."""
    from analysis.audit import refuse_leaks
    from analysis.manifest import write_manifest
    refuse_leaks(_paths(args))  # the manifest marks a finished build: never one with a leak
    logger.info("wrote %s", write_manifest(_paths(args)))


@command()
def verify(args: argparse.Namespace) -> None:
    """Rebuild the case into a scratch folder and report every output that differs."""
    from analysis.audit import refuse_leaks
    from analysis.chapter import EXPORTERS
    from analysis.manifest import verify as run

    refuse_leaks(_paths(args))  # outputs with a leak are not verified, they are removed

    # The rebuild writes the chapter formats the current outputs hold (a PDF only if one was printed).
    current = _paths(args).chapter
    formats = ",".join(f for f in EXPORTERS if (current / f"chapter.{f}").is_file()) or _DEFAULT_FORMATS

    def rebuild(paths: CasePaths) -> None:
        scratch = argparse.Namespace(**{**vars(args), "case": paths.case, "processed": paths.processed,
                                        "reports": paths.reports, "out": None, "formats": formats})
        build(scratch)
        manifest(scratch)

    problems = run(_paths(args), rebuild)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        raise AnalysisError(f"{len(problems)} output(s) differ from a fresh rebuild",
                            hint="see the diffs above; `make clean && make` rebuilds from data/raw")
    logger.info("verify: every output matches a fresh rebuild")


@command(arg("old", type=Path, nargs="?", help="output folder of the earlier build (holding processed/ and reports/)"),
         arg("new", type=Path, nargs="?", help="output folder of the later build"),
         arg("--coders", action="store_true",
             help="compare the findings of the other coders (on the sources they coded) with the primary coder's, "
                  "for the build in OLD (default: the current outputs)"),
         arg("--html", type=Path, help="also write the comparison as an HTML page here"))
def diff(args: argparse.Namespace) -> None:
    """What changed between two builds: verdicts, rankings, counts, quotes first; then inputs; then files."""
    from analysis import diff as compare
    from analysis.atomic import write_text

    if args.coders:
        build = (args.old / "processed", args.old / "reports") if args.old else \
            (_paths(args).processed, _paths(args).reports)
        result, title = compare.coder_comparison(build), "Findings by coder"
    else:
        if args.old is None or args.new is None:
            raise AnalysisError("give two output folders to compare", field="old, new",
                                hint="python -m analysis diff OLD_OUT NEW_OUT (or --coders)")
        result, title = compare.compare(args.old, args.new), f"What changed: {args.old} → {args.new}"
    sys.stdout.write(compare.render_text(result))
    if args.html:
        write_text(args.html, compare.render_html(result, title))
        logger.info("wrote %s", args.html)


@command(arg("file", type=Path, help="the REFI-QDA file to read"))
def import_qdpx(args: argparse.Namespace) -> None:
    """Import a REFI-QDA project (.qdpx from QualCoder, NVivo, ATLAS.ti, MAXQDA) into a new case folder."""
    from analysis.qdpx import import_qdpx as run
    if args.case is None:
        raise AnalysisError("say where the new case folder goes", field="--case",
                            hint="python -m analysis import-qdpx FILE.qdpx --case DIR")
    report = run(args.file, args.case)
    logger.info("%d warning(s): what could not be carried is listed in %s", len(report.warnings),
                report.case / "import-report.md")


@command(_WRITTEN)
def export_qdpx(args: argparse.Namespace) -> None:
    """Export the case as a REFI-QDA project (.qdpx): pseudonymised texts, codebook, every coder's codings."""
    from analysis.qdpx import export_qdpx as run
    run(_paths(args), args.file)


@command(_WRITTEN)
def export_qdc(args: argparse.Namespace) -> None:
    """Export the case's codebook as a REFI-QDA codebook (.qdc)."""
    from analysis.qdpx import export_qdc as run
    run(_paths(args), args.file)


def parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per registered command."""
    p = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, func in COMMANDS.items():
        doc = (func.__doc__ or "").strip().splitlines()[0]
        s = sub.add_parser(name, help=doc, description=doc)
        s.add_argument("--case", type=Path, help="case folder (default: data/raw)")
        s.add_argument("--processed", type=Path, help="processed tables folder (default: data/processed)")
        s.add_argument("--reports", type=Path, help="reports folder (default: reports)")
        s.add_argument("--out", type=Path, help="one output folder: OUT/processed and OUT/reports")
        s.add_argument("--language", help="chapter language (default: the case's)")
        for names, options in ARGUMENTS[name]:
            s.add_argument(*names, **options)
        s.set_defaults(func=func, id=None)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run a command; user errors become one line on stderr and exit code 1."""
    args = parser().parse_args(argv)
    configure()
    try:
        args.func(args)
    except AnalysisError as exc:
        if args.debug:
            raise
        shown = str(exc)
        if isinstance(exc, CaseProblems) and len(exc.problems) > 1:  # all of them, then the one-line summary
            print("\n".join(exc.listing()), file=sys.stderr)
            shown = exc.summary()
        print(f"error: {shown}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing half-written is left; run the command again to finish", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug of ours: still one clear line, traceback on request
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (hint: rerun with --debug and report it)",
              file=sys.stderr)
        return 2
    return 0
