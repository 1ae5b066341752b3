import subprocess
import sys

import pytest

from analysis.cli import COMMANDS, main
from analysis.paths import PROJECT_DIR


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    assert "--case" in capsys.readouterr().out


def test_user_error_is_one_line_and_exit_1(mini_case, capsys):
    (mini_case.codebook).write_text("indicators:\n  - id: x\n   kind: bad\n")
    code = main(["prepare", "--case", str(mini_case.case), "--processed", str(mini_case.processed),
                 "--reports", str(mini_case.reports)])
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
    from analysis import cli
    from analysis.chapter import DEFAULT_FORMATS
    assert tuple(cli._DEFAULT_FORMATS.split(",")) == DEFAULT_FORMATS
