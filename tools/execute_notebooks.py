"""Execute notebooks top to bottom in a fresh kernel and store their outputs in place.

    python tools/execute_notebooks.py notebooks/*.ipynb

This is how a notebook is saved after an edit (``make execute``): one clean run, execution
counts 1..n, no timing metadata, the standard kernelspec, widget state kept so that a saved
explorer still shows its figure. A cell may raise only if it is tagged ``raises-exception``.
Prints the wall time of each notebook.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def run(
    path: Path, *, epilogue: Callable[[nbformat.NotebookNode], str] | None = None
) -> tuple[nbformat.NotebookNode, float]:
    """The notebook at ``path`` executed in a fresh kernel, and the seconds that took.

    Nothing is written: :func:`execute` stores the result, the site builders (``--execute``)
    and ``benchmarks/suite_time.py`` use it as it is. ``epilogue(executed notebook)`` is code run
    in the same kernel after the last cell, while the notebook's objects are alive (the site
    builders render the explorers' frames so); it is not part of the notebook returned, nor of
    the seconds.
    """
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["kernelspec"] = KERNELSPEC
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=True,
        # Every output is in hand when the last cell returns; a graceful shutdown would then wait
        # ~1 s for the kernel's Python to tear torch down on exit.
        shutdown_kernel="immediate",
    )
    started = time.perf_counter()
    if epilogue is None:
        client.execute()
        elapsed = time.perf_counter() - started
    else:
        with client.setup_kernel():
            # As NotebookClient.execute, with one more cell before the kernel goes.
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            client.set_widgets_metadata()
            elapsed = time.perf_counter() - started
            extra = nbformat.v4.new_code_cell(epilogue(notebook))
            notebook.cells.append(extra)
            try:
                client.execute_cell(extra, len(notebook.cells) - 1, store_history=False)
            finally:
                notebook.cells.pop()
    notebook.metadata.pop("papermill", None)
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nbformat.validate(notebook)
    return notebook, elapsed


def execute(path: Path) -> float:
    """Execute the notebook at ``path`` and store its outputs in place; the seconds it ran."""
    notebook, elapsed = run(path)
    nbformat.write(notebook, path)
    return elapsed


def main(paths: list[str]) -> None:
    total = 0.0
    for name in paths:
        elapsed = execute(Path(name))
        total += elapsed
        print(f"{elapsed:6.1f} s  {name}", flush=True)
    print(f"{total:6.1f} s  total")


if __name__ == "__main__":
    main(sys.argv[1:])
