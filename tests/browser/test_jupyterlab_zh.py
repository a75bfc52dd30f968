"""The Chinese edition in JupyterLab: every notebook of ``notebooks/zh/`` as ``test_jupyterlab.py``
runs the English ones (Run All, no error, every widget live, an explorer's slider moves its
figure; screenshots ``artifacts/browser/zh_*.png``), and the Chinese interface.

A file of its own, so that pytest-xdist (``--dist loadfile``) runs it beside the English file on
the other worker, each with its own JupyterLab server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import _support
from tests.browser.test_jupyterlab import run_all_and_check


@pytest.mark.parametrize("path", _support.notebook_paths(_support.NOTEBOOKS / "zh"),
                         ids=lambda path: f"zh/{path.stem}")
def test_chinese_notebook_runs_in_jupyterlab(
    path: Path, browser: Any, lab_server: _support.LabServer
) -> None:
    run_all_and_check(path, browser, lab_server)


def test_the_chinese_interface_with_the_pinned_jupyterlab(browser: Any) -> None:
    """``make lab LAB_LANGUAGE=zh_CN``: jupyterlab-language-pack-zh-CN (made for JupyterLab 4.5)
    gives the pinned JupyterLab Chinese menus, and the Chinese edition opens in it."""
    server = _support.LabServer({"@jupyterlab/translation-extension/plugin": {"locale": "zh_CN"}})
    _support.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = _support.ARTIFACTS / "zh_interface.png"
    context = None
    try:
        server.start()
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(server.url("/lab/tree/notebooks/zh/00_start_here.ipynb?reset"))
        page.locator(".jp-RenderedMarkdown h1").first.wait_for(timeout=120_000)
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        heading = page.locator(".jp-RenderedMarkdown h1").first.inner_text()
        page.screenshot(path=str(shot))
        assert menus[:3] == ["文件", "编辑", "查看"], f"menus {menus} (screenshot {shot})"
        assert "从这里开始" in heading, f"the Chinese 00 shows {heading!r} (screenshot {shot})"
    finally:
        if context is not None:
            context.close()
        server.stop()
