"""Re-execute the notebooks in place and tidy them, so that their committed outputs follow the
current code and stay free of run-to-run noise.

    python notebooks/execute.py [NOTEBOOK ...]     (default: every notebooks/*.ipynb, in order)

Each notebook runs in a fresh kernel (the ``python3`` kernel of the interpreter running this
script) whose working directory is the notebook's folder, notebooks/, as under
``cd notebooks && jupyter nbconvert --to notebook --execute --inplace X.ipynb`` and as under
``pytest --nbval``. The outputs are kept; then the notebook is tidied:

* the cell metadata ``execution`` (timestamps of each run) is removed;
* the notebook metadata ``widgets`` (the saved widget state: large, random model ids, and it
  can hold temporary paths) is removed;
* the ``application/vnd.jupyter.widget-view+json`` data of an output is removed: it only
  names a widget model (a random id, new on every run) whose state is no longer saved, so a
  reader would see "model not found"; the output keeps its ``text/plain`` representation;
* consecutive stream outputs of a cell on the same stream are joined into one (where the
  kernel happens to flush stdout mid-cell is a matter of timing);

and written with :func:`nbformat.write` (sorted keys, fixed indentation), so the same outputs
give the same bytes. A notebook whose execution fails is left unchanged; the script goes on
with the others and exits with status 1.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

HERE = Path(__file__).resolve().parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def tidy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove the run-to-run noise of an executed notebook (in place); keep the outputs."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.outputs:
                output.get("data", {}).pop(WIDGET_VIEW, None)
            cell.outputs = _join_streams(cell.outputs)
    return nb


def _join_streams(outputs: list) -> list:
    joined: list = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (output.output_type == "stream" and last is not None and last.output_type == "stream"
                and last.name == output.name):
            last.text += output.text
        else:
            joined.append(output)
    return joined


def execute(path: Path, timeout: int = 600) -> None:
    """Run the notebook at ``path`` in a fresh kernel (working directory: its folder), tidy it
    and write it back. Raises (and leaves the file alone) when a cell fails."""
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, record_timing=False,
                            store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nbformat.write(tidy(nb), path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: every notebooks/*.ipynb, in order)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted(HERE.glob("*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error("no such notebook: " + ", ".join(missing))

    failed = []
    total = time.perf_counter()
    for path in paths:
        start = time.perf_counter()
        try:
            execute(path, args.timeout)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            failed.append(path.name)
            print(f"FAILED {path.name} ({time.perf_counter() - start:.1f}s), left unchanged:\n{error}",
                  file=sys.stderr)
            continue
        print(f"{path.name}: {time.perf_counter() - start:.1f}s", flush=True)
    print(f"{len(paths) - len(failed)} of {len(paths)} notebooks executed in {time.perf_counter() - total:.1f}s")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
