"""Running notebooks with papermill, atomically, with normalised metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from analysis.atomic import atomic_path
from analysis.errors import AnalysisError
from analysis.log import logger


def execute(template: str | Path, output: str | Path, parameters: dict[str, Any], cwd: str | Path) -> Path:
    """Execute a parameterised notebook into ``output``; on failure nothing is left behind.

    Raises:
        AnalysisError: naming the notebook and the error the kernel raised.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    output = Path(output)
    logger.info("executing %s -> %s %s", Path(template).name, output, parameters)
    with atomic_path(output) as tmp:
        executed = tmp.with_suffix(".ipynb")  # papermill writes as it goes: never at the real path
        try:
            # shutdown_kernel="immediate": once the last cell has run (its outputs are all in), stop the
            # kernel at once. The default graceful shutdown costs ~0.1 s, and now and then (1 run in ~20
            # here) ~3.3 s, when the kernel misses the request and is interrupted, then killed.
            pm.execute_notebook(str(template), str(executed), parameters=parameters,
                                cwd=str(cwd), progress_bar=False, kernel_name="python3",
                                shutdown_kernel="immediate")
            _normalise(executed, tmp)
        except PapermillExecutionError as exc:
            if exc.ename == "AnalysisError":  # our own error, raised by the package inside the kernel
                raise AnalysisError(f"while executing {output.name}: {exc.evalue}") from None
            raise AnalysisError(f"{output.name} failed: {exc.ename}: {exc.evalue}",
                                hint=f"run the notebook {Path(template).name} in JupyterLab with the same "
                                     "parameters to see the traceback") from None
        finally:
            executed.unlink(missing_ok=True)
    return output


def _normalise(source: Path, target: Path) -> None:
    """Drop timings and papermill's run metadata, number cells stably."""
    nb = nbformat.read(source, as_version=4)
    nb.metadata.pop("papermill", None)
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell["id"] = f"cell-{i:03d}"
    nbformat.write(nb, str(target))
