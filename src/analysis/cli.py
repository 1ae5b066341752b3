"""Command line: ``python -m analysis <command>``. The Makefile calls these.

Each command only reads its arguments and hands off to :mod:`analysis.pipeline`
(or to the module that does the work); its ``--help`` lists the options it
uses and no other.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from analysis.errors import AnalysisError, CaseProblems
from analysis.log import configure, logger
from analysis.paths import CasePaths

COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {}
ARGUMENTS: dict[str, tuple[tuple[tuple, dict], ...]] = {}  # a command's own arguments
FOLDERS: dict[str, tuple[str, ...]] = {}  # the folder options (and --language) a command uses, from FOLDER_OPTIONS
_DEFAULT_FORMATS = "html,md,docx"  # pipeline.DEFAULT_FORMATS, spelled for the command line

# The options several commands share; each command names the ones it uses.
FOLDER_OPTIONS: dict[str, tuple[str, str]] = {
    "case": ("--case", "case folder (default: data/raw)"),
    "processed": ("--processed", "processed tables folder (default: data/processed)"),
    "reports": ("--reports", "reports folder (default: reports)"),
    "out": ("--out", "one output folder: OUT/processed and OUT/reports"),
    "language": ("--language", "chapter language (default: the case's)"),
}
INPUTS = ("case",)
TABLES = ("case", "processed", "out")
OUTPUTS = ("case", "processed", "reports", "out")


def command(*arguments: tuple[tuple, dict], folders: tuple[str, ...] = (*OUTPUTS, "language")):
    """Register a sub-command with its own arguments (made by :func:`arg`) and the shared options it uses.

    Its docstring's first line is its help.
    """
    def register(func):
        name = func.__name__.replace("_", "-")
        COMMANDS[name], ARGUMENTS[name], FOLDERS[name] = func, arguments, folders
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
    """The folders the options name; an option the command does not take is its default."""
    out = getattr(args, "out", None)
    processed = getattr(args, "processed", None) or (out / "processed" if out else None)
    reports = getattr(args, "reports", None) or (out / "reports" if out else None)
    return CasePaths.from_dirs(getattr(args, "case", None), processed, reports)


def _formats(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(f.strip() for f in args.formats.split(",") if f.strip())


@command(arg("--evidence-digests", action="store_true",
             help="also write each indicator's evidence digest where it changed (make uses them to skip indicators)"),
         folders=TABLES)
def prepare(args: argparse.Namespace) -> None:
    """Ingest, clean, pseudonymise and code the case into the processed tables."""
    from analysis import pipeline
    pipeline.prepare(_paths(args), evidence_digests=getattr(args, "evidence_digests", False))


@command(folders=INPUTS)
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
    from analysis import pipeline
    from analysis.whatif import parse_thresholds
    thresholds = parse_thresholds(args.threshold)
    pipeline.indicator(_paths(args), args.id, args.language or "", thresholds)


@command(folders=("case", "reports", "out", "language"))
def conclusion(args: argparse.Namespace) -> None:
    """Execute the conclusion notebook, which reads every indicator's results."""
    from analysis import pipeline
    pipeline.conclusion(_paths(args), args.language or "")


@command(_FORMATS, folders=OUTPUTS)
def assemble(args: argparse.Namespace) -> None:
    """Assemble the executed notebooks into the chapter (HTML, Markdown, DOCX; PDF on request)."""
    from analysis import pipeline
    pipeline.assemble(_paths(args), _formats(args))


@command(folders=("reports", "out"))
def pdf(args: argparse.Namespace) -> None:
    """Print the chapter to PDF (A4, thesis margins) from the HTML chapter, with xelatex or headless Chromium."""
    from analysis import pipeline
    pipeline.pdf(_paths(args))


@command(_FORMATS, _THRESHOLD)
def build(args: argparse.Namespace) -> None:
    """Run every stage in order (prepare, each indicator, conclusion, assemble, audit) and write the manifest.

    The same outputs as ``make`` (manifest.json included), for machines without make.
    """
    from analysis import pipeline
    from analysis.whatif import parse_thresholds
    pipeline.build(_what_if_paths(args), _formats(args), args.language or "", parse_thresholds(args.threshold))


def _what_if_paths(args: argparse.Namespace) -> CasePaths:
    """The output folders of a build: for a what-if run (``--threshold``), never the case's own.

    Without ``--out``/``--reports`` a what-if build goes to ``what-if/<thresholds>/``; pointed at the
    default reports folder it is refused, so that a chapter with changed thresholds never replaces the
    chapter of the case.
    """
    from analysis.paths import PROJECT_DIR
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
    from analysis import pipeline
    from analysis.whatif import parse_thresholds
    thresholds = parse_thresholds(args.threshold)
    if not thresholds:
        raise AnalysisError("say which thresholds to change", field="--threshold",
                            hint="e.g. python -m analysis what-if --threshold min_informants=3")
    paths = _what_if_paths(args)
    pipeline.build(paths, _formats(args), args.language or "", thresholds)
    logger.info("what-if chapter: %s", paths.chapter)


@command(folders=INPUTS)
def indicators(args: argparse.Namespace) -> None:
    """Print the indicator ids of the case, one per line (used by the Makefile)."""
    from analysis import pipeline
    ids = pipeline.indicator_ids(_paths(args))
    print("\n".join(ids))


@command(arg("dir", type=Path, help="the new case folder (must not exist, or be empty)"), folders=())
def new_case(args: argparse.Namespace) -> None:
    """Start a new case folder: a commented template of every file, which builds at once."""
    from analysis.scaffold import new_case as run
    run(args.dir)
    logger.info("next: read %s, then build it with `make CASE=%s OUT=<output folder>`",
                args.dir / "README.md", args.dir)


@command(folders=OUTPUTS)
def audit(args: argparse.Namespace) -> None:
    """Fail if any identity from the private key appears in processed data or reports."""
    from analysis import pipeline
    paths = _paths(args)
    leaks = pipeline.audit(paths)
    for leak in leaks:
        print(leak, file=sys.stderr)
    if leaks:
        raise AnalysisError(f"{len(leaks)} identity leak(s) found", hint="see the lines above")
    logger.info("audit: no identity from the key in %s or %s", paths.processed, paths.reports)


@command(folders=OUTPUTS)
def manifest(args: argparse.Namespace) -> None:
    """Write reports/manifest.json (every output and input with its sha256, versions, parameters) after the privacy audit."""
    from analysis import pipeline
    pipeline.manifest(_paths(args))


@command()
def verify(args: argparse.Namespace) -> None:
    """Rebuild the case into a scratch folder and report every output that differs."""
    from analysis import pipeline
    problems = pipeline.verify(_paths(args), args.language or "")
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
                  "for the build in OLD (default: the current outputs, or --processed/--reports/--out)"),
         arg("--html", type=Path, help="also write the comparison as an HTML page here"),
         folders=("processed", "reports", "out"))
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


@command(arg("file", type=Path, help="the REFI-QDA file to read"), folders=INPUTS)
def import_qdpx(args: argparse.Namespace) -> None:
    """Import a REFI-QDA project (.qdpx from QualCoder, NVivo, ATLAS.ti, MAXQDA) into a new case folder."""
    from analysis.qdpx import import_qdpx as run
    if args.case is None:
        raise AnalysisError("say where the new case folder goes", field="--case",
                            hint="python -m analysis import-qdpx FILE.qdpx --case DIR")
    report = run(args.file, args.case)
    logger.info("%d warning(s): what could not be carried is listed in %s", len(report.warnings),
                report.case / "import-report.md")


@command(_WRITTEN, folders=INPUTS)
def export_qdpx(args: argparse.Namespace) -> None:
    """Export the case as a REFI-QDA project (.qdpx): pseudonymised texts, codebook, every coder's codings."""
    from analysis.qdpx import export_qdpx as run
    run(_paths(args), args.file)


@command(_WRITTEN, folders=INPUTS)
def export_qdc(args: argparse.Namespace) -> None:
    """Export the case's codebook as a REFI-QDA codebook (.qdc)."""
    from analysis.qdpx import export_qdc as run
    run(_paths(args), args.file)


@command(arg("file", type=Path, nargs="?", help="the makefile fragment to write (default: print it)"), folders=())
def deps(args: argparse.Namespace) -> None:
    """Write the Makefile's prerequisite lists (the package files each stage runs), from the imports."""
    from analysis.deps import makefile_fragment
    text = makefile_fragment()
    if args.file is None:
        sys.stdout.write(text)
        return
    from analysis.atomic import write_text
    write_text(args.file, text)


def parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per registered command, each with only the options it uses."""
    p = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, func in COMMANDS.items():
        doc = (func.__doc__ or "").strip().splitlines()[0]
        s = sub.add_parser(name, help=doc, description=doc)
        for option in FOLDERS[name]:
            flag, help_text = FOLDER_OPTIONS[option]
            if option == "language":
                s.add_argument(flag, help=help_text)
            else:
                s.add_argument(flag, type=Path, help=help_text)
        for names, options in ARGUMENTS[name]:
            s.add_argument(*names, **options)
        s.set_defaults(func=func)
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
