"""Running notebooks with papermill, atomically, with normalised metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from analysis.atomic import atomic_path
from analysis.errors import AnalysisError
from analysis.log import logger
from analysis.paths import project_relative

# A hang guard, not a guess of how long the work takes: a kernel interrupted mid-cell exits as soon as
# the cell has unwound, and is killed only if it is still running after this many seconds.
KERNEL_SHUTDOWN_WAIT = 120.0


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
                                shutdown_kernel="immediate", **_interruptible())
            _normalise(executed, tmp, template, output)
        except PapermillExecutionError as exc:
            if exc.ename == "AnalysisError":  # our own error, raised by the package inside the kernel
                raise AnalysisError(f"while executing {output.name}: {exc.evalue}") from None
            raise AnalysisError(f"{output.name} failed: {exc.ename}: {exc.evalue}",
                                hint=f"run the notebook {Path(template).name} in JupyterLab with the same "
                                     "parameters to see the traceback") from None
        finally:
            executed.unlink(missing_ok=True)
    return output


def kernel_encryption() -> str:
    """The kernel transport encryption to ask for: CurveZMQ when this pyzmq supports it.

    Without it the kernel talks to its client over plain TCP on localhost and
    warns, on every run, that the traffic could be read by anyone on the
    machine. jupyter_client can give the kernel CurveZMQ keys ("auto": when
    its kernelspec says it supports them, as ipykernel's does); that works on
    every platform, unlike the IPC transport (Unix sockets). A pyzmq without
    Curve falls back to the old behaviour (and its warning) rather than fail.
    """
    import zmq
    return "auto" if zmq.has("curve") else "disabled"


def _interruptible() -> dict[str, Any]:
    """Client options that let a kernel stopped mid-cell (Ctrl-C, SIGTERM) finish its own cleanup.

    The kernel runs in its own process group: Ctrl-C reaches only this
    process, whose client then shuts the kernel down. An immediate shutdown
    sends the kernel an interrupt and kills it right after; on a busy machine
    the kill came before the kernel had unwound the interrupted cell, and the
    temporary file of an atomic write in that cell (a figure, a result) was
    left behind. So a kernel that is running a cell gets the graceful
    shutdown: the same interrupt, then a shutdown request, and it exits once
    the cell has unwound (every ``atomic_path`` removes its temporary file);
    it is killed only if it has not exited after ``KERNEL_SHUTDOWN_WAIT`` seconds.
    An idle kernel (the normal end of a run) is still stopped at once.

    Returns:
        Keyword arguments for ``papermill.execute_notebook`` (passed on to nbclient).
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    running = [False]  # whether a cell is executing: set by the client's hooks below

    def started(**_: Any) -> None:
        running[0] = True

    def finished(**_: Any) -> None:
        running[0] = False

    class Manager(AsyncKernelManager):
        @default("transport_encryption")
        def _encrypted(self) -> str:
            return kernel_encryption()

        async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            if running[0]:
                now = False
                self.shutdown_wait_time = KERNEL_SHUTDOWN_WAIT
            await super().shutdown_kernel(now=now, restart=restart)

    return {"kernel_manager_class": Manager, "on_cell_execute": started, "on_cell_executed": finished}


# Run metadata that differs on every run or machine; the rest of papermill's metadata (parameters,
# input and output paths, version, status) stays, for papermill-aware tools.
_RUN_KEYS = ("start_time", "end_time", "duration")


def _normalise(source: Path, target: Path, template: str | Path, output: Path) -> None:
    """Keep papermill's metadata minus timings, with paths relative to the project; number cells stably.

    papermill records the path it wrote to, a temporary file beside the
    output: the output's own path is recorded instead.
    """
    nb = nbformat.read(source, as_version=4)
    meta = nb.metadata.get("papermill", {})
    for key in _RUN_KEYS:
        meta.pop(key, None)
    meta["input_path"] = project_relative(template)
    meta["output_path"] = project_relative(output)
    for i, cell in enumerate(nb.cells):
        for key in _RUN_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
        cell.metadata.pop("execution", None)
        cell["id"] = f"cell-{i:03d}"
    nbformat.write(nb, str(target))


def rename_paths(path: Path, renames: dict[str, str]) -> None:
    """Rewrite folder paths in the parameters of an executed notebook (cell and papermill metadata).

    A build executes notebooks in staging folders and then moves them into
    place: their parameters must name the final folders.
    """
    from analysis.atomic import atomic_path

    def rename(value: str) -> str:
        for old, new in renames.items():
            if value == old or value.startswith(old + "/"):
                return new + value[len(old):]
        return value

    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("papermill", {})
    for key in ("parameters",):
        meta[key] = {k: rename(v) if isinstance(v, str) else v for k, v in meta.get(key, {}).items()}
    if "output_path" in meta:
        meta["output_path"] = rename(meta["output_path"])
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            for old, new in renames.items():
                cell.source = cell.source.replace(repr(old)[1:-1], repr(new)[1:-1])
    with atomic_path(path) as tmp:
        nbformat.write(nb, str(tmp))
