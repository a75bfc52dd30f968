"""Plumbing of the browser tests: Debian's Chromium, a private JupyterLab server, notebook facts.

Nothing here touches the user's Jupyter settings, workspaces or runtime files: the server gets
temporary directories of its own and serves a temporary copy of ``notebooks/``, so neither
autosave nor a checkpoint can write into the repository.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
#: Screenshots of every notebook after Run All (and of the site checks); gitignored.
ARTIFACTS = ROOT / "artifacts" / "browser"

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

#: Debian's Chromium, headless, with nothing that phones home (this machine has no network but
#: the package registries; Chromium's background requests would only be refused).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

INSTALL_CHROMIUM = (
    "Chromium is not on PATH. The browser tests drive Debian's Chromium: install it with "
    "`sudo apt-get update && sudo apt-get install -y chromium` (or run `make test` as root, "
    "which installs it). Playwright's own browser download (`playwright install`) is not used."
)

#: JupyterLab settings of the test server. windowingMode "none" attaches every cell to the DOM
#: (the default, contentVisibility, hides off-screen cells from visibility checks); no news,
#: update checks or toasts; no autosave.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


def chromium_path() -> str | None:
    return shutil.which("chromium")


def launch_chromium(playwright: Any) -> Any:
    """Headless Debian Chromium through Playwright (never Playwright's own browser build)."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_local(url: str) -> bool:
    """file:, data:, blob: and loopback URLs are local; anything else would need the network."""
    if url.startswith(("file:", "data:", "blob:", "about:", "chrome-extension:")):
        return True
    for prefix in ("http://127.", "https://127.", "http://localhost", "http://[::1]"):
        if url.startswith(prefix):
            return True
    return False


# --- notebooks ---------------------------------------------------------------------------------


@dataclass
class CodeCell:
    index: int  # position among all cells (0-based), as JupyterLab's model counts them
    number: int  # 1-based position among the code cells with source
    source: str
    tags: list[str]
    #: model ids of the stored widget-view outputs: each must render as a live widget
    widget_views: list[str]

    def where(self) -> str:
        first = self.source.strip().splitlines()[0][:70]
        return f"code cell {self.number} (cell index {self.index}): {first!r}"


#: DOM class of each kind of control, by the ``_view_name`` of its model in the saved state.
CONTROL_CLASSES = {
    "FloatSliderView": "widget-slider",
    "IntSliderView": "widget-slider",
    "FloatLogSliderView": "widget-slider",
    "SelectionSliderView": "widget-slider",
    "DropdownView": "widget-dropdown",
    "ImageView": "widget-image",
}


@dataclass
class NotebookFacts:
    path: Path
    cells: list[CodeCell] = field(default_factory=list)
    widget_state: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The notebook's path inside ``notebooks/`` (``zh/01_….ipynb`` for the Chinese edition)."""
        return self.path.relative_to(NOTEBOOKS).as_posix()

    @property
    def label(self) -> str:
        """A file-name-safe name: ``01_…``, or ``zh_01_…`` for the Chinese edition."""
        return self.name.removesuffix(".ipynb").replace("/", "_")

    @property
    def widget_views(self) -> int:
        return sum(len(cell.widget_views) for cell in self.cells)

    def expected_classes(self, model_id: str) -> dict[str, int]:
        """How many sliders, dropdowns and images the saved view ``model_id`` holds.

        Walks the saved widget state from the view's model through ``children``; a view whose
        model is missing from the saved state counts nothing (the test then only checks that
        it rendered).
        """
        counts = dict.fromkeys(sorted(set(CONTROL_CLASSES.values())), 0)
        stack, seen = [model_id], set()
        while stack:
            current = stack.pop()
            if current in seen or current not in self.widget_state:
                continue
            seen.add(current)
            state = self.widget_state[current].get("state", {})
            css = CONTROL_CLASSES.get(state.get("_view_name", ""))
            if css:
                counts[css] += 1
            for child in state.get("children", []):
                if isinstance(child, str) and child.startswith("IPY_MODEL_"):
                    stack.append(child.removeprefix("IPY_MODEL_"))
        return counts

    def first_explorer(self) -> tuple[CodeCell, int] | None:
        """The first stored widget view with a slider and an image (an explorer): its cell and
        its position among the cell's widget views."""
        for cell in self.cells:
            for position, model_id in enumerate(cell.widget_views):
                expected = self.expected_classes(model_id)
                if expected["widget-slider"] and expected["widget-image"]:
                    return cell, position
        return None


def notebook_paths(folder: Path = NOTEBOOKS) -> list[Path]:
    """The series in order in ``folder`` (``NOTEBOOKS / "zh"``: the Chinese edition)."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb")) + sorted(folder.glob("[A-Z]_*.ipynb"))



def read_facts(path: Path) -> NotebookFacts:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    state = notebook.get("metadata", {}).get("widgets", {})
    state = state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    facts = NotebookFacts(path, widget_state=state)
    number = 0
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if not source.strip():
            continue
        number += 1
        views = [
            output["data"][WIDGET_VIEW].get("model_id", "")
            for output in cell.get("outputs", [])
            if WIDGET_VIEW in output.get("data", {})
        ]
        tags = list(cell.get("metadata", {}).get("tags", []))
        facts.cells.append(CodeCell(index, number, source, tags, views))
    return facts


# --- the JupyterLab server ---------------------------------------------------------------------


class LabServer:
    """``jupyter lab`` from this environment on 127.0.0.1, a free port and a generated token.

    Everything it writes (settings, workspaces, runtime files, config, IPython profile, the
    served copy of the notebooks, its log) lives in one temporary directory, removed by
    :meth:`stop`.
    """

    #: Top-level entries of the repository the served tree does not link to.
    NOT_LINKED = frozenset({"notebooks", ".git", ".venv", "build", "artifacts", "node_modules"})

    def __init__(self, settings: dict[str, dict[str, Any]] | None = None) -> None:
        #: plugin → values, written over :data:`LAB_SETTINGS` (e.g. the interface language)
        self.settings = {**LAB_SETTINGS, **(settings or {})}
        self.tmp = Path(tempfile.mkdtemp(prefix="lab-browser-test-"))
        #: the served tree: a copy of notebooks/ beside links to the rest of the repository, so
        #: that a notebook reading ../benchmarks/… finds it, and nothing writes into notebooks/
        self.root = self.tmp / "repo"
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.log_path = self.tmp / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        separator = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{separator}token={self.token}"

    def _write_settings(self, settings_dir: Path) -> None:
        for plugin, values in self.settings.items():
            target = settings_dir / f"{plugin}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values), encoding="utf-8")

    def notebook_path(self, name: str) -> str:
        """The server's path of a notebook of the series."""
        return f"notebooks/{name}"

    def start(self, timeout: float = 90.0) -> None:
        shutil.copytree(
            NOTEBOOKS, self.root / "notebooks",
            ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
        )
        for entry in ROOT.iterdir():
            if entry.name not in self.NOT_LINKED:
                (self.root / entry.name).symlink_to(entry)
        dirs = {name: self.tmp / name for name in ("settings", "workspaces", "runtime", "config",
                                                    "data", "ipython")}
        for path in dirs.values():
            path.mkdir()
        self._write_settings(dirs["settings"])
        env = dict(os.environ)
        env.update(
            JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
            JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            IPYTHONDIR=str(dirs["ipython"]),
            JUPYTER_PLATFORM_DIRS="1",
        )
        command = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            # window.jupyterapp: the test reads the live notebook model (error outputs, counts)
            "--LabApp.expose_app_in_browser=True",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=self.tmp, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited at start:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def api(self, method: str, path: str, timeout: float = 10.0) -> Any:
        request = urllib.request.Request(
            self.base_url + path, method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (its kernels first) and delete every temporary directory."""
        process = self.process
        if process is not None and process.poll() is None:
            try:
                self.shutdown_kernels()
            except (urllib.error.URLError, OSError):
                pass
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)
