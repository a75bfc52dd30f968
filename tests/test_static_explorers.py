"""tools/static_explorers.py: the explorers of a page without a kernel.

The frames of a small notebook are computed in a real kernel (an explorer shown as the last
expression and one shown with display()), cached, and shown on a page as native controls; the
HTML and the pruning of the saved widget state are checked on their own. The script that swaps
the frames is exercised in Chromium by tests/browser/test_site.py.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest

from tools import static_explorers
from tools.build_site import write_pages
from tools.static_explorers import (
    NOTE,
    NOTES,
    ONE_AT_A_TIME,
    WIDGET_VIEW,
    Frames,
    compute,
    explorer_html,
    prune_widget_state,
    show_frames,
)

MAKE_EXPLORER = '''\
import ipywidgets
import numpy as np
from helpers.explorer import Explorer

def line_explorer(title):
    def build(figure):
        ax = figure.subplots()
        x = np.linspace(0, 1, 20)
        (line,) = ax.plot(x, x, animated=True)

        def update(slope, sign):
            line.set_ydata(sign * slope * x)
            return f"<b>slope</b> {sign * slope:.1f}"

        return update

    controls = {"slope": ipywidgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.5,
                                                description="slope"),
                "sign": ipywidgets.Dropdown(options=[("up", 1), ("down", -1)], value=1)}
    return Explorer(title, controls, build, figsize=(3, 2))
'''


def small_notebook(*extra: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 1 · Lines\n\nA slope."),
        nbformat.v4.new_code_cell(MAKE_EXPLORER),
        nbformat.v4.new_code_cell('line_explorer("Last expression")'),
        nbformat.v4.new_code_cell('display(line_explorer("Displayed"))\nprint("shown")'),
        nbformat.v4.new_code_cell("ipywidgets.IntProgress(value=3, max=10)"),
        *(nbformat.v4.new_code_cell(source) for source in extra),
    ])


def manifest(complete: bool = True) -> dict:
    return {
        "title": "Line </script>",
        "controls": [
            {"name": "slope", "description": "slope", "kind": "range",
             "labels": ["0.0", "0.5", "1.0"], "first": 1},
            {"name": "sign", "description": "sign", "kind": "select",
             "labels": ["up", "down"], "first": 0},
        ],
        "frames": {"1,0": ["a.png", "<b>slope</b> 0.5"], "0,0": ["b.png", "x </script> y"]},
        "complete": complete, "width": 300, "height": 200,
    }


def test_explorer_html_has_native_controls_over_the_precomputed_values() -> None:
    page = explorer_html(manifest(), "frames/01_x/abc")
    assert '<input type="range" min="0" max="2" step="1" value="1" data-control="0"' in page
    assert "<output>0.5</output>" in page
    assert '<option value="0" selected>up</option><option value="1">down</option>' in page
    assert '<img class="static-explorer-figure" src="frames/01_x/abc/a.png"' in page
    assert '<div class="static-explorer-readout"><b>slope</b> 0.5</div>' in page
    assert f">{NOTE}</p>" in page and ONE_AT_A_TIME not in page
    assert "<b>Line &lt;/script&gt;</b>" in page
    # The frames' table is one script element: no "</" inside it may end it early.
    (table,) = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    data = json.loads(table)
    assert data["base"] == "frames/01_x/abc" and data["first"] == [1, 0]
    assert data["frames"]["0,0"] == ["b.png", "x </script> y"]
    assert data["labels"] == [["0.0", "0.5", "1.0"], ["up", "down"]]
    assert f">{NOTE}{ONE_AT_A_TIME}</p>" in explorer_html(manifest(complete=False), "f")
    live, one_at_a_time = NOTES["zh-CN"]  # the Chinese edition's pages say it in Chinese
    assert f">{live}{one_at_a_time}</p>" in explorer_html(manifest(complete=False), "f", "zh-CN")


def widget_view(model_id: str, text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={
        WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0},
        "text/plain": text,
    })


def test_prune_widget_state_keeps_what_a_remaining_view_needs() -> None:
    def model(*children: str) -> dict:
        return {"model_name": "BoxModel", "model_module": "m", "model_module_version": "1",
                "state": {"children": [f"IPY_MODEL_{c}" for c in children], "layout": "x"}}

    state = {"bar": model("label"), "label": model(), "box": model("slider"),
             "slider": model()}
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("bar", outputs=[widget_view("bar", "0%")]),
    ], metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {
        "state": state, "version_major": 2, "version_minor": 0}}})
    prune_widget_state(notebook)
    kept = notebook.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    assert set(kept) == {"bar", "label"}
    notebook.cells[0].outputs = []
    prune_widget_state(notebook)
    assert "widgets" not in notebook.metadata


def test_show_frames_replaces_only_explorers_and_refuses_missing_frames() -> None:
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("e", outputs=[widget_view("e", "Explorer: Line (slope=0.5)")]),
        nbformat.v4.new_code_cell("bar", outputs=[widget_view("bar", "0%")]),
    ])
    cell_id = notebook.cells[0].id
    before = copy.deepcopy(notebook.cells[1])
    assert show_frames(notebook, Frames(Path(), {cell_id: [manifest()]}), "frames/01_x") == 1
    data = notebook.cells[0].outputs[0]["data"]
    assert set(data) == {"text/html", "text/plain"}
    assert f'src="frames/01_x/{cell_id}/a.png"' in data["text/html"]
    assert notebook.cells[1] == before
    unknown = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("e", outputs=[widget_view("e", "Explorer: L ()")])]
    )
    with pytest.raises(ValueError, match="1 explorers shown, frames of 0"):
        show_frames(unknown, Frames(Path(), {}), "frames")


def test_frames_are_computed_in_a_kernel_cached_and_shown_on_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "01_lines.ipynb"
    nbformat.write(small_notebook(), path)
    cache = tmp_path / "cache"
    frames = compute(path, cache)
    ids = [cell.id for cell in nbformat.read(path, as_version=4).cells]
    assert list(frames.explorers) == [ids[2], ids[3]]
    (first,) = frames.explorers[ids[2]]
    assert first["title"] == "Last expression" and first["complete"]
    assert first["frames"]["4,1"][1] == "<b>slope</b> -2.0"
    assert frames.explorers[ids[3]][0]["title"] == "Displayed"
    assert len(list((frames.directory / ids[2]).glob("*.png"))) == 9  # 0 up = 0 down
    assert frames.executed().cells[3].outputs[-1]["text"] == "shown\n"
    assert not nbformat.read(path, as_version=4).cells[2].outputs  # the file is untouched

    def no_kernel(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache was not used")

    monkeypatch.setattr(static_explorers, "run", no_kernel)
    assert compute(path, cache) == frames

    out = tmp_path / "site"
    out.mkdir()
    pages: list[nbformat.NotebookNode] = []
    write_pages(out, [path], lambda nb: pages.append(nb) or "<html><head></head><body>"
                "</body></html>", ".html", cache=cache, execute=True)
    (converted,) = pages
    html_outputs = [o for cell in converted.cells if cell.cell_type == "code"
                    for o in cell.get("outputs", []) if "text/html" in o.get("data", {})]
    assert len(html_outputs) == 2
    kept = converted.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    assert {state["model_name"] for state in kept.values()} == {
        "IntProgressModel", "LayoutModel", "ProgressStyleModel"}  # the explorers' are gone
    copied = {p.relative_to(out).as_posix() for p in (out / "frames").rglob("*.png")}
    assert {p.rsplit("/", 1)[0] for p in copied} == {f"frames/01_lines/{ids[2]}",
                                                     f"frames/01_lines/{ids[3]}"}
    assert len(copied) == 18
    page = (out / "01_lines.html").read_text(encoding="utf-8")
    assert '<script src="_static/static_explorer.js"></script>' in page
    assert '<link rel="stylesheet" href="_static/static_explorer.css">' in page


def test_an_explorer_changed_after_it_was_shown_fails_the_build(tmp_path: Path) -> None:
    path = tmp_path / "01_lines.ipynb"
    nbformat.write(small_notebook("Out[2].controls['slope'].value = 2.0"), path)
    with pytest.raises(ValueError, match="changed after it was shown"):
        compute(path, tmp_path / "cache")
    assert not list((tmp_path / "cache").iterdir())  # no half-written entry
