"""Explorers that work on a page without a kernel: precomputed frames and one small script.

An explorer (:class:`helpers.explorer.Explorer`) redraws its figure in Python, so on the HTML
site and in the slides its sliders would do nothing. At build time each notebook with an
explorer runs once in a kernel (:func:`tools.execute_notebooks.run`); after its last cell, one
more piece of code in the same kernel finds each explorer the notebook showed (by the widget
model id of its output, which works for a last expression and for ``display()`` alike) and
saves its frames with :func:`helpers.explorer.write_frames`. The frames are kept in a cache
(``build/frames/<stem>-<hash>/<cell id>/``), keyed by the notebook, ``helpers/`` and this file,
so that ``make html`` and ``make slides`` run each notebook once between them.

In the in-memory notebook being converted, :func:`show_frames` replaces each explorer's widget
output by HTML: its title, one native ``<input type="range">`` (or ``<select>``) per control
over exactly the precomputed values, the figure, the readout and :data:`NOTE`. The pages copy
the frames to ``frames/<stem>/<cell id>/`` beside them, and ``_static/static_explorer.js`` swaps
figure and readout as a control moves. Frames are keyed by notebook stem and cell id only, so
an edition with the same code cells (a translation) can show the frames of the original.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import html
import json
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from tools.execute_notebooks import run

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: Where computed frames are kept between builds (under build/, which is not committed).
CACHE = ROOT / "build" / "frames"
#: The folder beside the pages that holds the frames, one subfolder per notebook stem.
FRAMES = "frames"
#: The script and stylesheet of the static explorers (copied to ``_static/``).
WEB = ROOT / "tools" / "web"
SCRIPT = "static_explorer.js"
STYLE = "static_explorer.css"
#: The line under every static explorer.
NOTE = "In the notebook every value is computed live; this page shows precomputed values."
#: Appended to :data:`NOTE` when not every combination of the controls is precomputed.
ONE_AT_A_TIME = " One control at a time: moving one puts the others back."
#: :data:`NOTE` and :data:`ONE_AT_A_TIME` in the language of each edition (``<html lang>``).
NOTES = {
    "en": (NOTE, ONE_AT_A_TIME),
    "zh-CN": ("在笔记本中，每一个值都实时计算；本页显示的是预先算好的值。",
              "每次只能移动一个控件：移动其中一个，其余的回到初始值。"),
}

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def explorer_outputs(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The outputs of ``cell`` that show an explorer: a widget view whose plain text is the
    explorer's one line (``Explorer: <title> (…)``)."""
    return [
        output for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
        and output["data"].get("text/plain", "").startswith("Explorer: ")
    ]


def has_explorer(notebook: nbformat.NotebookNode) -> bool:
    return any(explorer_outputs(cell) for cell in notebook.cells if cell.cell_type == "code")


def cache_key(path: Path) -> str:
    """A hash of the notebook and of everything else its frames depend on: the library and the
    explorer's rendering (``helpers/``), the figure settings, this file (the kernel code)."""
    digest = hashlib.sha256(path.read_bytes())
    for source in [*sorted((ROOT / "helpers").rglob("*.py")), NOTEBOOKS / "matplotlibrc",
                   Path(__file__)]:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def epilogue(directory: Path) -> Any:
    """The kernel code that saves the frames of every explorer the executed notebook shows, in
    ``directory/<model id>/``, and their manifests in ``directory/explorers.json``."""

    def code(executed: nbformat.NotebookNode) -> str:
        model_ids = [output["data"][WIDGET_VIEW]["model_id"]
                     for cell in executed.cells if cell.cell_type == "code"
                     for output in explorer_outputs(cell)]
        # An explorer shown with display() is in no variable; the widget registry keeps it
        # alive, and the garbage collector's list finds it by its widget's model id. type(),
        # not isinstance(): the latter asks dead weak proxies and lazy modules for __class__.
        return f"""
import gc as _gc, json as _json, pathlib as _pathlib
from helpers.explorer import Explorer as _Explorer, write_frames as _write_frames
_wanted = {model_ids!r}
_found = {{_e.widget.model_id: _e for _e in _gc.get_objects()
          if issubclass(type(_e), _Explorer)}}
_missing = [_id for _id in _wanted if _id not in _found]
if _missing:
    raise LookupError(f"no live explorer for the widget views {{_missing}}")
_directory = _pathlib.Path({str(directory)!r})
_manifests = {{_id: {{**_write_frames(_found[_id], _directory / _id), "text": repr(_found[_id])}}
               for _id in _wanted}}
(_directory / "explorers.json").write_text(_json.dumps(_manifests), encoding="utf-8")
"""

    return code


@dataclass(frozen=True)
class Frames:
    """The computed frames of one notebook: ``directory/<cell id>/<file>``, and the manifests
    of the explorers of each cell (:func:`helpers.explorer.write_frames`), in output order."""

    directory: Path
    explorers: dict[str, list[dict[str, Any]]]

    def executed(self) -> nbformat.NotebookNode:
        """The notebook as the run that computed the frames left it."""
        return nbformat.read(self.directory / "executed.ipynb", as_version=4)

    def copy_to(self, target: Path) -> None:
        """The frame files into ``target/<cell id>/``."""
        for cell_id in self.explorers:
            shutil.copytree(self.directory / cell_id, target / cell_id, dirs_exist_ok=True)


def compute(path: Path, cache: Path = CACHE) -> Frames:
    """Run the notebook at ``path`` and save its explorers' frames in the cache (or read them
    there, if the notebook and the helpers have not changed since)."""
    entry = cache / f"{path.stem}-{cache_key(path)}"
    if (entry / "explorers.json").exists():
        explorers = json.loads((entry / "explorers.json").read_text(encoding="utf-8"))
        return Frames(entry, explorers)
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{path.stem}-", dir=cache))
    work.chmod(0o755)  # mkdtemp makes it private; the pages copy it, for anyone to read
    try:
        executed, _ = run(path, epilogue=epilogue(work / "models"))
        by_model = json.loads((work / "models" / "explorers.json").read_text(encoding="utf-8"))
        explorers: dict[str, list[dict[str, Any]]] = {}
        for cell in executed.cells:
            for output in explorer_outputs(cell) if cell.cell_type == "code" else []:
                model_id = output["data"][WIDGET_VIEW]["model_id"]
                manifest = by_model[model_id]
                if manifest.pop("text") != output["data"]["text/plain"]:
                    raise ValueError(f"{path.name}, cell {cell.id}: the explorer changed after "
                                     "it was shown; its frames would not start from its output")
                shutil.copytree(work / "models" / model_id, work / cell.id, dirs_exist_ok=True)
                explorers.setdefault(cell.id, []).append(manifest)
        shutil.rmtree(work / "models")
        nbformat.write(executed, work / "executed.ipynb")
        (work / "explorers.json").write_text(json.dumps(explorers), encoding="utf-8")
        for old in cache.glob(f"{path.stem}-*"):
            if old != entry:  # a build running beside this one may be reading the same entry
                shutil.rmtree(old, ignore_errors=True)
        try:
            os.replace(work, entry)  # whole or not at all: an interrupted build leaves no entry
        except OSError:
            if not (entry / "explorers.json").exists():
                raise  # else a build running beside this one has just stored the same entry
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Frames(entry, explorers)


def compute_all(paths: Iterable[Path], *, execute: bool = False,
                cache: Path = CACHE) -> dict[Path, Frames]:
    """:func:`compute` for each notebook with an explorer (each notebook with ``execute``), two
    kernels at a time or one per core, whichever is more."""
    paths = list(paths)
    needed = [path for path in paths
              if execute or has_explorer(nbformat.read(path, as_version=4))]
    if len(needed) < 2:
        return {path: compute(path, cache) for path in needed}
    # Processes, not threads: nbclient leaves an event loop open in each thread it runs in.
    workers = min(len(needed), max(2, os.cpu_count() or 1))
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        computed = pool.map(compute, needed, [cache] * len(needed))
        return dict(zip(needed, computed, strict=True))


def _control(index: int, control: dict[str, Any]) -> str:
    """One control of a static explorer: its label and a native range (with the value shown
    beside it) or select, over the positions of its precomputed values."""
    labels, first = control["labels"], control["first"]
    name = html.escape(control["description"])
    if control["kind"] == "range":
        widget = (f'<input type="range" min="0" max="{len(labels) - 1}" step="1" '
                  f'value="{first}" data-control="{index}" '
                  f'aria-valuetext="{html.escape(labels[first])}">')
    else:
        options = "".join(
            f'<option value="{position}"{" selected" if position == first else ""}>'
            f"{html.escape(label)}</option>"
            for position, label in enumerate(labels)
        )
        return (f'<label class="static-explorer-control">{name} '
                f'<select data-control="{index}">{options}</select></label>')
    return (f'<label class="static-explorer-control">{name} {widget} '
            f"<output>{html.escape(labels[first])}</output></label>")


def explorer_html(manifest: dict[str, Any], base: str, language: str = "en") -> str:
    """A static explorer: title, controls, figure, readout, :data:`NOTE` (in ``language``, a key
    of :data:`NOTES`) and the frames' table (``base`` is the URL of the folder of its frame
    files, relative to the page)."""
    controls = manifest["controls"]
    first = ",".join(str(control["first"]) for control in controls)
    file, readout = manifest["frames"][first]
    data = {
        "base": base,
        "frames": manifest["frames"],
        "labels": [control["labels"] for control in controls],
        "first": [control["first"] for control in controls],
    }
    # "</" would end the script element early; JSON allows "<\/" for it.
    table = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    live, one_at_a_time = NOTES[language]
    note = live + ("" if manifest["complete"] else one_at_a_time)
    return (
        f'<div class="static-explorer" data-prevent-swipe>\n'
        f'<div class="static-explorer-title"><b>{html.escape(manifest["title"])}</b></div>\n'
        f'<div class="static-explorer-controls">'
        + "".join(_control(index, control) for index, control in enumerate(controls))
        + "</div>\n"
        f'<img class="static-explorer-figure" src="{html.escape(base)}/{file}" '
        f'width="{manifest["width"]}" height="{manifest["height"]}" '
        f'alt="{html.escape(manifest["title"])}">\n'
        # The readout is HTML, as in the live explorer's ipywidgets.HTML.
        f'<div class="static-explorer-readout">{readout}</div>\n'
        f'<p class="static-explorer-note">{html.escape(note)}</p>\n'
        f'<script type="application/json" class="static-explorer-data">{table}</script>\n'
        "</div>"
    )


def _referenced_models(value: Any) -> set[str]:
    """The model ids a widget state refers to (``IPY_MODEL_<id>`` strings at any depth)."""
    if isinstance(value, str):
        return {value.removeprefix("IPY_MODEL_")} if value.startswith("IPY_MODEL_") else set()
    if isinstance(value, dict):
        return set().union(*map(_referenced_models, value.values()))
    if isinstance(value, list):
        return set().union(*map(_referenced_models, value))
    return set()


def prune_widget_state(notebook: nbformat.NotebookNode) -> None:
    """Keep only the saved widget models that a remaining widget view needs; drop the saved
    state when none is left (the page then loads no widget renderer)."""
    widgets = notebook.metadata.get("widgets", {})
    saved = widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state")
    if saved is None:
        return
    stack = [output["data"][WIDGET_VIEW]["model_id"]
             for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.get("outputs", []) if WIDGET_VIEW in output.get("data", {})]
    kept: set[str] = set()
    while stack:
        model_id = stack.pop()
        if model_id in kept or model_id not in saved:
            continue
        kept.add(model_id)
        stack.extend(_referenced_models(saved[model_id].get("state", {})))
    if kept:
        widgets["application/vnd.jupyter.widget-state+json"]["state"] = {
            model_id: state for model_id, state in saved.items() if model_id in kept
        }
    else:
        del notebook.metadata["widgets"]


def show_frames(notebook: nbformat.NotebookNode, frames: Frames, base: str,
                language: str = "en") -> int:
    """Replace each explorer output of ``notebook`` by its static explorer (frames under
    ``base/<cell id>``), prune the saved widget state; the number of explorers replaced.

    Changes ``notebook`` in place (the in-memory copy about to be converted). Fails when an
    explorer has no frames: a page must not show a slider that does nothing.
    """
    replaced = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        shown = explorer_outputs(cell)
        manifests = frames.explorers.get(cell.id, [])
        if len(shown) != len(manifests):
            raise ValueError(f"cell {cell.id}: {len(shown)} explorers shown, frames of "
                             f"{len(manifests)}: the frames come from another version")
        for output, manifest in zip(shown, manifests, strict=True):
            output["data"] = {
                "text/html": explorer_html(manifest, f"{base}/{cell.id}", language),
                "text/plain": output["data"]["text/plain"],
            }
            replaced += 1
    prune_widget_state(notebook)
    return replaced


def link_assets(page: str, static: str) -> str:
    """``page`` with the stylesheet and script of the static explorers (``static`` is the URL
    of ``_static/`` relative to the page)."""
    page = page.replace("</head>", f'<link rel="stylesheet" href="{static}/{STYLE}">\n</head>', 1)
    return page.replace("</body>", f'<script src="{static}/{SCRIPT}"></script>\n</body>', 1)


def copy_assets(static: Path) -> None:
    """The script and stylesheet into ``static`` (``out/_static``)."""
    static.mkdir(parents=True, exist_ok=True)
    for name in (SCRIPT, STYLE):
        shutil.copy2(WEB / name, static / name)
