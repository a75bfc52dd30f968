"""Fixtures of the browser tests: one headless Chromium and one JupyterLab server per session.

Both are stopped in the fixtures' teardown, which pytest runs also when a test fails. The
server's temporary directories (settings, workspaces, runtime, the served copy of the
notebooks) go with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import _support


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if _support.chromium_path() is None:
        pytest.fail(_support.INSTALL_CHROMIUM, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = _support.launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def lab_server() -> Iterator[_support.LabServer]:
    server = _support.LabServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
