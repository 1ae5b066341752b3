import re
import subprocess
import sys

import pytest

from analysis.cli import COMMANDS, main
from analysis.paths import PROJECT_DIR

# The shared options each command reads (from its code: the paths it builds, the language it passes on).
USES = {
    "prepare": {"--case", "--processed", "--out", "--evidence-digests"},
    "indicator": {"--case", "--processed", "--reports", "--out", "--language", "--threshold"},
    "conclusion": {"--case", "--reports", "--out", "--language"},
    "assemble": {"--case", "--processed", "--reports", "--out", "--formats"},
    "pdf": {"--reports", "--out"},
    "build": {"--case", "--processed", "--reports", "--out", "--language", "--formats", "--threshold"},
    "what-if": {"--case", "--processed", "--reports", "--out", "--language", "--formats", "--threshold"},
    "indicators": {"--case"},
    "new-case": set(),
    "audit": {"--case", "--processed", "--reports", "--out"},
    "manifest": {"--case", "--processed", "--reports", "--out"},
    "verify": {"--case", "--processed", "--reports", "--out", "--language"},
    "diff": {"--processed", "--reports", "--out", "--coders", "--html"},
    "import-qdpx": {"--case"},
    "export-qdpx": {"--case"},
    "export-qdc": {"--case"},
    "deps": set(),
    "check": {"--case"},
}


def _help_options(name: str, capsys) -> set[str]:
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", capsys.readouterr().out)) - {"--help"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_help_lists_only_its_own_options(name, capsys):
    assert name in USES, f"add {name} to USES with the options it reads"
    assert _help_options(name, capsys) == USES[name]


def test_an_option_a_command_does_not_use_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["new-case", "x", "--case", "y"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --case" in capsys.readouterr().err


def test_user_error_is_one_line_and_exit_1(mini_case, capsys):
    (mini_case.codebook).write_text("indicators:\n  - id: x\n   kind: bad\n")
    code = main(["prepare", "--case", str(mini_case.case), "--processed", str(mini_case.processed)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == [f"error: {mini_case.codebook}:3: YAML syntax error: expected <block end>, but found '<block "
                   "mapping start>' (hint: check indentation and colons on that line)"]


def test_debug_shows_the_traceback(mini_case):
    (mini_case.codebook).write_text("indicators: []\n")
    proc = subprocess.run([sys.executable, "-m", "analysis", "--debug", "prepare", "--case", str(mini_case.case),
                           "--processed", str(mini_case.processed)], cwd=PROJECT_DIR, capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "AnalysisError" in proc.stderr


def test_prepare_writes_nothing_when_it_fails(mini_case):
    with open(mini_case.codings / "coder-A.csv", "a") as f:
        f.write("T1,MONEY,not in the text at all,1,A,\n")
    assert main(["prepare", "--case", str(mini_case.case), "--processed", str(mini_case.processed)]) == 1
    assert not mini_case.processed.exists() or not any(mini_case.processed.iterdir())


def test_command_line_default_formats_are_the_chapters():
    from analysis import cli, pipeline
    from analysis.chapter import DEFAULT_FORMATS
    assert tuple(cli._DEFAULT_FORMATS.split(",")) == DEFAULT_FORMATS == pipeline.DEFAULT_FORMATS
