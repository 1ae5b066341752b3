"""The notebook templates: committed clean, documented parameters, executed on the mini case."""

import json

import pytest

from analysis.errors import AnalysisError
from analysis.notebooks import execute
from analysis.paths import NOTEBOOKS_DIR, PROJECT_DIR, project_relative
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
    assert set(params) == {"indicator_id", "case_dir", "processed_dir", "reports_dir", "language",
                           "thresholds"}
    assert all(p["help"] for p in params.values())


def _params(paths, **over):
    return {"indicator_id": "setup", "case_dir": str(paths.case), "processed_dir": str(paths.processed),
            "reports_dir": str(paths.reports), "language": "", "thresholds": {}, **over}


def test_indicator_template_runs_on_the_mini_case(prepared_mini):
    mini_case = prepared_mini.paths  # prepared once per session, copied
    out = execute(NOTEBOOKS_DIR / "indicator.ipynb", mini_case.executed / "indicator-setup.ipynb",
                  _params(mini_case), PROJECT_DIR)
    result = json.loads((mini_case.results / "setup.json").read_text())
    assert result["verdict"] == "met"
    assert {f["id"] for f in result["figures"]} == {"setup-evidence", "setup-informants", "setup-timeline"}
    assert (mini_case.figures / "setup-evidence.svg").is_file()
    nb = json.loads(out.read_text())
    meta = nb["metadata"]["papermill"]
    assert meta["parameters"]["indicator_id"] == "setup" and meta["input_path"] == "notebooks/indicator.ipynb"
    assert meta["output_path"] == str(out.resolve()) and meta["version"]
    assert not {"start_time", "end_time", "duration"} & set(meta)
    assert not any({"start_time", "duration"} & set(c["metadata"].get("papermill", {})) for c in nb["cells"])
    assert "Table" not in out.read_text() or "[[tab:setup-verdict]]" in out.read_text()


@pytest.mark.parametrize("over, message", [
    ({"indicator_id": "nope"}, "valid values: setup, problems"),
    ({"indicator_id": 3}, "indicator_id must be str"),
])
def test_bad_parameters_fail_clearly_and_leave_nothing(prepared_mini, over, message):
    mini_case = prepared_mini.paths  # prepared once per session, copied
    target = mini_case.executed / "indicator-x.ipynb"
    with pytest.raises(AnalysisError, match=message):
        execute(NOTEBOOKS_DIR / "indicator.ipynb", target, _params(mini_case, **over), PROJECT_DIR)
    assert not target.exists() and not list(mini_case.executed.glob("*"))


@pytest.fixture
def case_in_project(tmp_path):
    """The mini case and its outputs inside the project (build/ is ignored by git), so that parameters are
    project-relative, as `make` writes them."""
    import shutil
    import uuid

    from analysis.paths import CasePaths
    root = PROJECT_DIR / "build" / f"notebook-test-{uuid.uuid4().hex[:8]}"
    shutil.copytree(PROJECT_DIR / "tests" / "fixtures" / "mini", root / "case")
    paths = CasePaths(root / "case", root / "processed", root / "reports")
    prepare(paths)
    yield paths
    shutil.rmtree(root, ignore_errors=True)


def _relative(paths, **over):
    return {**_params(paths), "case_dir": project_relative(paths.case),
            "processed_dir": project_relative(paths.processed), "reports_dir": project_relative(paths.reports),
            **over}


@pytest.mark.e2e
def test_notebooks_run_from_their_own_folders_and_again_from_the_executed_copy(case_in_project):
    """Where JupyterLab starts the kernel: notebooks/ for the templates, reports/notebooks/ for the executed copies."""
    import papermill as pm
    paths = case_in_project
    out = execute(NOTEBOOKS_DIR / "indicator.ipynb", paths.executed / "indicator-setup.ipynb", _relative(paths),
                  NOTEBOOKS_DIR)
    execute(NOTEBOOKS_DIR / "indicator.ipynb", paths.executed / "indicator-problems.ipynb",
            _relative(paths, indicator_id="problems"), NOTEBOOKS_DIR)
    conclusion = execute(NOTEBOOKS_DIR / "conclusion.ipynb", paths.executed / "conclusion.ipynb",
                         {"case_dir": project_relative(paths.case), "reports_dir": project_relative(paths.reports),
                          "language": ""}, NOTEBOOKS_DIR)
    first = out.read_bytes()
    (paths.results / "setup.json").unlink()
    for executed in (out, conclusion):  # "Run All" on the executed copy: no parameters given, its own are used
        pm.execute_notebook(str(executed), str(paths.reports / "rerun.ipynb"), cwd=str(executed.parent),
                            progress_bar=False, kernel_name="python3", log_output=False)
    assert (paths.results / "setup.json").is_file()
    nb = json.loads(out.read_text())
    assert nb["metadata"]["papermill"]["parameters"]["case_dir"] == project_relative(paths.case)
    assert nb["metadata"]["papermill"]["output_path"] == project_relative(out)
    assert "The steps above agree with the chapter" in out.read_text()
    assert "evidence per category" in out.read_text().lower()
    cell = next(c for c in json.loads(conclusion.read_text())["cells"] if "results_overview" in "".join(c["source"]))
    overview = "".join(cell["outputs"][0]["data"]["text/plain"])
    assert "setup" in overview and "problems" in overview and "verdict" in overview
    # a second run gives the same bytes
    execute(NOTEBOOKS_DIR / "indicator.ipynb", out, _relative(paths), NOTEBOOKS_DIR)
    assert out.read_bytes() == first


def test_kernel_runs_without_the_plain_tcp_warning(prepared_mini, capfd, monkeypatch):
    from analysis import notebooks
    mini_case = prepared_mini.paths  # prepared once per session, copied
    run = NOTEBOOKS_DIR / "indicator.ipynb"
    execute(run, mini_case.executed / "indicator-setup.ipynb", _params(mini_case), PROJECT_DIR)
    captured = capfd.readouterr()
    assert "without encryption" not in captured.out + captured.err
    monkeypatch.setattr(notebooks, "kernel_encryption", lambda: "disabled")  # the test can fail: the old transport
    execute(run, mini_case.executed / "indicator-setup.ipynb", _params(mini_case), PROJECT_DIR)
    captured = capfd.readouterr()
    assert "without encryption" in captured.out + captured.err


@pytest.mark.e2e
def test_make_lab_serves_the_project_headless():
    """`make lab` starts JupyterLab for any user (root included) on the project; it lists and serves the notebooks."""
    import os
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "reviewer-test"
    lab = subprocess.Popen(["make", "--no-print-directory", "lab",
                            f"LAB_ARGS=--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"],
                           cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        listing = None
        for _ in range(240):  # a hang guard: the server answers within seconds
            if lab.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}",
                                            timeout=5) as r:
                    listing = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, lab.stdout.read().decode() if lab.poll() is not None else "no answer"
        assert {"indicator.ipynb", "conclusion.ipynb"} <= {c["name"] for c in listing["content"]}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/notebooks/indicator.ipynb?token={token}",
                                    timeout=10) as r:
            served = json.loads(r.read())["content"]
        assert any("parameters" in c["metadata"].get("tags", []) for c in served["cells"])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10) as r:
            assert r.status == 200
        start = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernels", data=b'{"name": "python3"}',
                                       headers={"Authorization": f"token {token}"}, method="POST")
        with urllib.request.urlopen(start, timeout=60) as r:
            kernel = json.loads(r.read())["id"]
        for _ in range(120):  # until the kernel has started (and would have warned)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernels/{kernel}?token={token}",
                                        timeout=10) as r:
                if json.loads(r.read())["execution_state"] in ("idle", "busy"):
                    break
            time.sleep(0.5)
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        log = lab.communicate(timeout=60)[0].decode("utf-8", "replace")
    assert "Kernel started" in log and "without encryption" not in log, log[-3000:]


@pytest.mark.e2e
def test_executed_notebooks_do_not_depend_on_where_they_were_built(mini_case):
    """Only the parameters name the output folders; a build runs in staging folders with random names."""
    from analysis.cli import main
    assert main(["build", "--case", str(mini_case.case), "--processed", str(mini_case.processed),
                 "--reports", str(mini_case.reports)]) == 0
    for path in sorted(mini_case.executed.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        body = json.dumps([c for c in nb["cells"] if "injected-parameters" not in c["metadata"].get("tags", [])])
        assert str(mini_case.processed) not in body and str(mini_case.reports) not in body, path.name
        assert ".staging" not in path.read_text(), path.name
