"""Execute a notebook exactly as ``make execute`` does, but keep the result in memory.

:func:`tools.execute_notebooks.execute` reads a notebook, clears it, runs it in a fresh kernel
(nbclient, the standard kernelspec, widget state kept) and writes it back. Here the same
function runs with its final ``nbformat.write`` captured instead of performed, so the ``.ipynb``
on disk is never touched; the site builders (``--execute``) and ``benchmarks/suite_time.py``
use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import nbformat

from tools import execute_notebooks


def execute_in_memory(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """The executed notebook and the seconds :func:`execute_notebooks.execute` measured."""
    written: list[nbformat.NotebookNode] = []

    def capture(notebook: nbformat.NotebookNode, target: Any, *args: Any, **kwargs: Any) -> None:
        written.append(notebook)

    with mock.patch.object(execute_notebooks.nbformat, "write", capture):
        seconds = execute_notebooks.execute(Path(path))
    if len(written) != 1:
        raise RuntimeError(f"{path}: expected one captured write, got {len(written)}")
    return written[0], seconds
