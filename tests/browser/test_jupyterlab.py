"""Every notebook, as a learner uses it: JupyterLab in Chromium, Run All, then drag a slider.

For each notebook in ``notebooks/`` (found by a glob, so new ones are included; the Chinese
edition in ``notebooks/zh/`` by ``test_jupyterlab_zh.py``) the test opens it
in one JupyterLab server (started by the ``lab_server`` fixture with its own token, settings and
temporary directories, see ``_support.py``), clears all outputs and runs all cells through the
menus (*Edit → Clear Outputs of All Cells*, *Run → Run All Cells*), waits until the kernel is
idle and every code cell has an execution count, and asserts that

* no cell shows an error output, except cells tagged ``raises-exception`` in the ``.ipynb``;
* every widget view stored in the notebook renders as a live widget (not "Error displaying
  widget"), with as many sliders, dropdowns and images as the saved widget state says;
* pressing an arrow key on the first slider of the first explorer changes its figure (the
  ``src`` of the explorer's ``<img>``).

A screenshot of each notebook (scrolled to its explorer) goes to ``artifacts/browser/``; a
failure message names the notebook, the cell and the screenshot.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser import _support

RUN_TIMEOUT_MS = 300_000  # a notebook takes ~5-10 s here; generous for a loaded 2-core machine

# JavaScript run in the page. `panel(path)` is the open NotebookPanel of that file.
PANEL = """
(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === path && widget.content
        && widget.content.model) return widget;
  }
  return null;
}
"""
KERNEL_IDLE = f"""
(path) => {{
  const panel = ({PANEL})(path);
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && panel.context.isReady;
}}
"""
ALL_CLEARED = f"""
(path) => {{
  const cells = ({PANEL})(path).content.model.cells;
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type === 'code' && (cell.executionCount !== null || cell.outputs.length)) return false;
  }}
  return true;
}}
"""
# Done: the kernel is idle and every code cell with source has run, or a cell not tagged
# raises-exception errored (Run All stops there, and the cells after it never get a count).
RUN_FINISHED = f"""
([path, tolerated]) => {{
  const panel = ({PANEL})(path);
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const cells = panel.content.model.cells;
  let missing = 0, errored = false;
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
    if (cell.executionCount === null) missing += 1;
    if (!tolerated.includes(i)) {{
      for (const output of cell.outputs.toJSON()) errored ||= output.output_type === 'error';
    }}
  }}
  return missing === 0 || errored;
}}
"""
CELL_STATES = f"""
(path) => {{
  const cells = ({PANEL})(path).content.model.cells;
  const states = [];
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type !== 'code') {{ states.push(null); continue; }}
    states.push({{
      count: cell.executionCount,
      errors: cell.outputs.toJSON().filter((o) => o.output_type === 'error')
                  .map((o) => o.ename + ': ' + o.evalue),
      widgetViews: cell.outputs.toJSON().filter(
          (o) => o.data && o.data['application/vnd.jupyter.widget-view+json']).length,
    }});
  }}
  return states;
}}
"""


def menu(page: Any, top: str, item: str) -> None:
    """Click a menu-bar menu, then one of its items, as a person does."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).first.click()


def open_and_run_all(page: Any, server: _support.LabServer, facts: _support.NotebookFacts) -> None:
    name = server.notebook_path(facts.name)
    page.goto(server.url(f"/lab/tree/{name}?reset"))
    page.wait_for_function(KERNEL_IDLE, arg=name, timeout=120_000, polling=250)
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
    menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function(ALL_CLEARED, arg=name, timeout=30_000, polling=100)
    menu(page, "Run", "Run All Cells")
    tolerated = [cell.index for cell in facts.cells if "raises-exception" in cell.tags]
    page.wait_for_function(
        RUN_FINISHED, arg=[name, tolerated], timeout=RUN_TIMEOUT_MS, polling=250
    )


def move_first_slider(page: Any, facts: _support.NotebookFacts, shot: Path) -> None:
    """Arrow keys on the first slider of the first explorer must change that explorer's figure."""
    found = facts.first_explorer()
    if found is None:
        return  # widgets without a slider and a figure (a progress bar, say): nothing to drag
    cell, position = found
    explorer = page.locator(".jp-Notebook .jp-Cell").nth(cell.index).locator(
        ".jp-OutputArea-output > .jupyter-widgets"
    ).nth(position)
    handle = explorer.locator(".widget-slider .noUi-handle").first
    image = explorer.locator("img.widget-image").first
    image.scroll_into_view_if_needed()
    before = image.get_attribute("src")
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.focus()
    for _ in range(3):
        handle.press("ArrowLeft" if at_max else "ArrowRight")
    try:
        page.wait_for_function(
            "([img, before]) => img.getAttribute('src') !== before",
            arg=[image.element_handle(), before], timeout=30_000, polling=100,
        )
    except Exception as error:  # playwright's TimeoutError
        pytest.fail(
            f"{facts.name}, {cell.where()}: the slider moved "
            f"(value {handle.get_attribute('aria-valuenow')}) but the figure did not change "
            f"within 30 s ({type(error).__name__}); screenshot {shot}",
            pytrace=False,
        )


def check_cells(
    page: Any, server: _support.LabServer, facts: _support.NotebookFacts, shot: Path
) -> None:
    states = page.evaluate(CELL_STATES, server.notebook_path(facts.name))
    problems = []
    for cell in facts.cells:
        state = states[cell.index] if cell.index < len(states) else None
        if state is None:
            problems.append(f"{cell.where()}: not a code cell in JupyterLab")
            continue
        if state["errors"] and "raises-exception" not in cell.tags:
            problems.append(f"{cell.where()}: error output {'; '.join(state['errors'])}")
        elif state["count"] is None:
            problems.append(f"{cell.where()}: did not run (no execution count)")
        if state["widgetViews"] != len(cell.widget_views):
            problems.append(
                f"{cell.where()}: {state['widgetViews']} widget outputs, "
                f"the stored notebook has {len(cell.widget_views)}"
            )
    prompts = page.locator(".jp-Notebook .jp-Cell").evaluate_all(
        "(cells) => cells.map((c) => (c.querySelector('.jp-InputPrompt') || {}).textContent)"
    )
    if len(prompts) != len(states):
        problems.append(f"{len(prompts)} cells in the page, {len(states)} in the notebook")
    for cell in facts.cells:
        text = (prompts[cell.index] if cell.index < len(prompts) else None) or ""
        if not re.fullmatch(r"\[\d+\]:", text.strip()):
            problems.append(f"{cell.where()}: its prompt shows {text.strip()!r}, not [n]:")
    assert not problems, f"{facts.name} (screenshot {shot}):\n  " + "\n  ".join(problems)


def check_widgets(page: Any, facts: _support.NotebookFacts, shot: Path) -> None:
    problems = []
    cells = page.locator(".jp-Notebook .jp-Cell")
    for cell in facts.cells:
        if not cell.widget_views:
            continue
        outputs = cells.nth(cell.index).locator(".jp-OutputArea-output")
        text = " ".join(outputs.all_inner_texts())
        if "Error displaying widget" in text:
            problems.append(f"{cell.where()}: shows 'Error displaying widget'")
            continue
        views = cells.nth(cell.index).locator(".jp-OutputArea-output > .jupyter-widgets")
        try:  # views render a moment after their output arrives
            views.nth(len(cell.widget_views) - 1).wait_for(state="attached", timeout=30_000)
        except Exception:  # playwright's TimeoutError: counted below
            pass
        if views.count() != len(cell.widget_views):
            problems.append(
                f"{cell.where()}: {views.count()} live widgets rendered, "
                f"{len(cell.widget_views)} expected"
            )
            continue
        for view, model_id in zip(views.all(), cell.widget_views, strict=True):
            for css, expected in facts.expected_classes(model_id).items():
                found = view.locator(f".{css}").count()
                if found != expected:
                    problems.append(f"{cell.where()}: {found} .{css} rendered, {expected} saved")
            for image in view.locator("img.widget-image").all():
                loaded = image.evaluate("(img) => img.complete && img.naturalWidth > 0")
                if not loaded:
                    problems.append(f"{cell.where()}: the explorer's figure did not load")
    assert not problems, f"{facts.name} (screenshot {shot}):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", _support.notebook_paths(), ids=lambda path: path.stem)
def test_notebook_runs_in_jupyterlab(
    path: Path, browser: Any, lab_server: _support.LabServer
) -> None:
    run_all_and_check(path, browser, lab_server)


def run_all_and_check(path: Path, browser: Any, lab_server: _support.LabServer) -> None:
    """The test of one notebook (module docstring); tests/browser/test_jupyterlab_zh.py runs it
    on the Chinese edition."""
    facts = _support.read_facts(path)
    _support.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = _support.ARTIFACTS / f"{facts.label}.png"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        try:
            open_and_run_all(page, lab_server, facts)
        except Exception as error:
            try:  # which cells did not run, or errored
                check_cells(page, lab_server, facts, shot)
                cells = ""
            except Exception as problems:
                cells = f"\n{problems}"
            pytest.fail(
                f"{facts.name}: Run All did not finish ({type(error).__name__}: "
                f"{str(error).splitlines()[0]}); screenshot {shot}{cells}\n"
                f"server log:\n{lab_server.log_tail(15)}",
                pytrace=False,
            )
        check_cells(page, lab_server, facts, shot)
        check_widgets(page, facts, shot)
        move_first_slider(page, facts, shot)
    finally:
        try:
            page.screenshot(path=str(shot))
        finally:
            context.close()
            try:
                lab_server.shutdown_kernels()
            except OSError:  # the server is gone: the fixture's teardown reports it
                pass
    print(f"screenshot: {shot}")

