"""The notebook templates: committed clean, documented parameters, executed on the mini case."""

import json

import pytest

from analysis.errors import AnalysisError
from analysis.notebooks import execute
from analysis.paths import NOTEBOOKS_DIR, PROJECT_DIR
from analysis.prepare import prepare


@pytest.mark.parametrize("name", ["indicator.ipynb", "conclusion.ipynb"])
def test_source_notebooks_are_committed_without_outputs(name):
    nb = json.loads((NOTEBOOKS_DIR / name).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and not any(c["outputs"] or c["execution_count"] for c in code)
    assert any("parameters" in c["metadata"].get("tags", []) for c in code)


def test_papermill_documents_every_parameter():
    import papermill as pm
    params = pm.inspect_notebook(str(NOTEBOOKS_DIR / "indicator.ipynb"))
    assert set(params) == {"indicator_id", "case_dir", "processed_dir", "reports_dir", "language"}
    assert all(p["help"] for p in params.values())


def _params(paths, **over):
    return {"indicator_id": "setup", "case_dir": str(paths.case), "processed_dir": str(paths.processed),
            "reports_dir": str(paths.reports), "language": "", **over}


def test_indicator_template_runs_on_the_mini_case(mini_case):
    prepare(mini_case)
    out = execute(NOTEBOOKS_DIR / "indicator.ipynb", mini_case.executed / "indicator-setup.ipynb",
                  _params(mini_case), PROJECT_DIR)
    result = json.loads((mini_case.results / "setup.json").read_text())
    assert result["verdict"] == "met"
    assert {f["id"] for f in result["figures"]} == {"setup-evidence", "setup-informants", "setup-timeline"}
    assert (mini_case.figures / "setup-evidence.svg").is_file()
    nb = json.loads(out.read_text())
    assert "papermill" not in nb["metadata"]
    assert "Table" not in out.read_text() or "[[tab:setup-verdict]]" in out.read_text()


@pytest.mark.parametrize("over, message", [
    ({"indicator_id": "nope"}, "valid values: setup, problems"),
    ({"indicator_id": 3}, "indicator_id must be str"),
])
def test_bad_parameters_fail_clearly_and_leave_nothing(mini_case, over, message):
    prepare(mini_case)
    target = mini_case.executed / "indicator-x.ipynb"
    with pytest.raises(AnalysisError, match=message):
        execute(NOTEBOOKS_DIR / "indicator.ipynb", target, _params(mini_case, **over), PROJECT_DIR)
    assert not target.exists() and not list(mini_case.executed.glob("*"))
