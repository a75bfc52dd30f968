"""A static HTML site of the executed notebooks, readable without Jupyter and without a network.

    python -m tools.build_site --out build/site             # make html
    python -m tools.build_site --out build/site --execute   # run each notebook first (in memory)

Each notebook becomes ``NN_name.html`` (nbconvert's ``lab`` template) next to an ``index.html``
that lists the series in order. The notebooks are committed with their outputs (CI checks them
with strict nbval), so by default the stored outputs are converted; ``--execute`` converts the
outputs of a fresh run instead, leaving the ``.ipynb`` untouched.

The explorers work on the page, without a kernel (:mod:`tools.static_explorers`): each notebook
with an explorer runs once in a kernel, where every explorer renders its figure and readout for
each value of each control (or every combination, when few); the frames go to
``frames/<notebook>/<cell id>/`` beside the pages, and native sliders and menus swap them. The
page says that the notebook computes every value and the page only these. The runs are cached in
``build/frames`` (keyed by the notebook and ``helpers/``), so ``make slides`` after ``make html``
runs nothing again; the first build takes about a minute, a cached one seconds. Other saved
widgets (progress bars) are rendered from their saved state by
``@jupyter-widgets/html-manager``.

nbconvert's pages load require.js, MathJax, jQuery, reveal.js and the widget renderer from CDNs.
Here they come from ``_static/`` beside the pages instead, copied from the npm packages pinned in
``tools/web/package.json`` (+ ``package-lock.json``), which ``make web-assets`` installs into
``build/web/node_modules``. ``tools/web/templates/`` holds the two templates (``lab_offline``,
``reveal_offline``) that extend nbconvert's and drop the CDN loader of mermaid, which the series
does not use. :func:`remote_urls` finds any script or stylesheet that would still need the
network; the build fails if one is left.

Slides (``make slides``) are built by :mod:`tools.slides` with the same assets.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from tools import static_explorers
from tools.execute_notebooks import run
from tools.student import is_exercise

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = ROOT / "tools" / "web" / "templates"
NODE_MODULES = ROOT / "build" / "web" / "node_modules"
STATIC = "_static"
#: What an exercise cell shows on a page or slide in place of its verdict.
RUN_TO_CHECK = "Run this cell in the notebook to check your answer."

#: What is copied from each npm package into ``_static/`` (package → paths inside it), and the
#: ``_static/`` name it gets. Only what the pages load: MathJax 2 with the TeX input, the
#: CommonHTML output and its TeX web fonts; reveal.js's dist and plugins.
ASSETS: dict[str, tuple[str, list[str]]] = {
    "requirejs": ("requirejs", ["require.js"]),
    "jquery": ("jquery", ["dist/jquery.min.js"]),
    "reveal.js": ("reveal.js", ["dist", "plugin"]),
    "mathjax": (
        "mathjax",
        [
            "MathJax.js",
            "config/TeX-AMS_CHTML-full.js",
            "config/Safe.js",
            "extensions",
            "jax/element",
            "jax/input/TeX",
            "jax/output/CommonHTML",
            "fonts/HTML-CSS/TeX/woff",
            "fonts/HTML-CSS/TeX/otf",
        ],
    ),
    "@jupyter-widgets/html-manager": ("html-manager", ["dist"]),
}

#: The exporters' URLs of the vendored copies, relative to the pages.
URLS = {
    "require_js_url": f"{STATIC}/requirejs/require.js",
    "jquery_url": f"{STATIC}/jquery/dist/jquery.min.js",
    "mathjax_url": f"{STATIC}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "widget_renderer_url": f"{STATIC}/html-manager/dist/embed-amd.js",
    "reveal_url_prefix": f"{STATIC}/reveal.js",
}

#: The <script src> and <link href> of a page (and imports inside inline module scripts).
_SCRIPT_OR_STYLE = re.compile(
    r"""<script[^>]*\ssrc=["']([^"']+)["']"""
    r"""|<link[^>]*\shref=["']([^"']+)["']"""
    r"""|\bimport\s*\(?\s*["']([^"']+)["']""",
    re.IGNORECASE,
)


class MissingAssets(RuntimeError):
    """The npm packages are not installed in build/web/node_modules."""


def remote_urls(page: str) -> list[str]:
    """Script, stylesheet and import URLs of an HTML page that would need the network."""
    urls = ("".join(groups) for groups in _SCRIPT_OR_STYLE.findall(page))
    return sorted({url for url in urls if re.match(r"(?i)(https?:)?//", url)})


def copy_assets(out: Path, node_modules: Path = NODE_MODULES) -> None:
    """Copy the vendored JavaScript, CSS and fonts into ``out/_static``."""
    missing = [name for name in ASSETS if not (node_modules / name / "package.json").exists()]
    if missing:
        raise MissingAssets(
            f"{', '.join(missing)} not installed in {node_modules}: run `make web-assets` "
            "(npm ci of tools/web/package-lock.json into build/web)"
        )
    for package, (name, paths) in ASSETS.items():
        for relative in paths:
            source = node_modules / package / relative
            target = out / STATIC / name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(
                    source, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.map", "*.LICENSE.txt", "embed.js",
                                                  "libembed-amd.js", "*.esm.js"),
                )
            else:
                shutil.copy2(source, target)
    static_explorers.copy_assets(out / STATIC)


def notebook_paths(folder: Path = NOTEBOOKS) -> list[Path]:
    """The series in order: the lessons ``NN_name.ipynb``, then the appendices ``X_name.ipynb``."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb")) + sorted(
        folder.glob("[A-Z]_*.ipynb")
    )


def read(path: Path, *, execute: bool = False) -> nbformat.NotebookNode:
    """The notebook as stored, or executed in memory in a fresh kernel (never written back)."""
    if execute:
        return run(path)[0]
    return nbformat.read(path, as_version=4)


def question_only(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` with the outputs of each exercise cell replaced by :data:`RUN_TO_CHECK`.

    Changes ``notebook`` in place (the in-memory copy about to be converted) and returns it.
    """
    for cell in notebook.cells:
        if is_exercise(cell):
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=RUN_TO_CHECK + "\n")
            ]
    return notebook


def plain(markdown: str) -> str:
    """Markdown as plain text (links, emphasis and code ticks removed); ``$…$`` math is kept
    for MathJax."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\*\*|__|`", "", text)
    text = re.sub(r"(?<![\w*])[*_]([^*_\s][^*_]*?)[*_](?![\w*])", r"\1", text)  # *emphasis*
    return " ".join(text.split())


def bullets(paragraph: str) -> list[str]:
    """The items of a markdown list, continuation lines joined."""
    items: list[str] = []
    for line in paragraph.splitlines():
        if line.startswith(("- ", "* ")):
            items.append(line[2:])
        elif items:
            items[-1] += " " + line.strip()
    return items


def title_and_summary(notebook: nbformat.NotebookNode, limit: int = 320) -> tuple[str, str]:
    """The first heading of the first cell, and what the cell says the notebook is about: its
    first paragraph, and when that paragraph introduces a list (the learning goals), the list."""
    first = notebook.cells[0].source if notebook.cells else ""
    lines = first.splitlines()
    title = next((plain(line.lstrip("#")) for line in lines if line.startswith("#")), "")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", first) if p.strip()]
    body = [p for p in paragraphs if not p.startswith("#")]
    summary = plain(body[0]) if body else ""
    items = bullets(body[1]) if len(body) > 1 else []
    if summary.endswith(("can", ":", "：")) and items:
        summary += " " + "; ".join(plain(item).rstrip(";.") for item in items) + "."
    if len(summary) > limit:
        cut = summary[:limit].rsplit(" ", 1)[0]
        if cut.count("$") % 2:  # do not cut inside a formula
            cut = cut[: cut.rindex("$")].rstrip()
        summary = cut.rstrip(";,.") + " …"
    return title, summary


def link_pages(page: str, suffix: str) -> str:
    """Links between notebooks of the series point to the converted pages."""
    return re.sub(
        r'href="((?:\d\d|[A-Z])_[A-Za-z0-9_]+)\.ipynb(#[^"]*)?"',
        lambda m: f'href="{m.group(1)}{suffix}{m.group(2) or ""}"',
        page,
    )


def html_exporter() -> HTMLExporter:
    exporter = HTMLExporter(
        template_name="lab_offline",
        extra_template_basedirs=[str(TEMPLATES)],
        require_js_url=URLS["require_js_url"],
        mathjax_url=URLS["mathjax_url"],
        jquery_url=URLS["jquery_url"],
        widget_renderer_url=URLS["widget_renderer_url"],
    )
    return exporter


def write_pages(
    out: Path,
    paths: Iterable[Path],
    convert: Callable[[nbformat.NotebookNode], str],
    suffix: str,
    *,
    execute: bool = False,
    cache: Path = static_explorers.CACHE,
    frames_of: Callable[[Path], Path] = lambda path: path,
    language: str = "en",
    finish: Callable[[str, Path], str] = lambda page, path: page,
) -> list[tuple[str, str, str]]:
    """Convert each notebook (exercise verdicts replaced, :func:`question_only`; explorers
    replaced by their precomputed frames, :mod:`tools.static_explorers`) to
    ``out/<stem><suffix>``; returns (file, title, summary) rows.

    The frames of ``path`` are those of the notebook ``frames_of(path)`` (itself by default; the
    original, for an edition with the same code cells), computed or taken from ``cache``, and
    copied to ``out/frames/<its stem>/``. ``language`` is the pages' language (the explorers'
    note is in it); ``finish(page, path)`` is the page as written (an edition's language switch).
    """
    rows = []
    paths = list(paths)
    computed = static_explorers.compute_all(
        dict.fromkeys(map(frames_of, paths)), execute=execute, cache=cache
    )
    for path in paths:
        source = frames_of(path)
        frames = computed.get(source, static_explorers.Frames(out, {}))
        if execute and source == path:
            notebook = frames.executed()  # the run that computed the frames: none other
        else:
            notebook = read(path, execute=execute)
        notebook = question_only(notebook)
        if any("```mermaid" in cell.source for cell in notebook.cells):
            raise ValueError(f"{path.name} has a mermaid diagram, which is not vendored")
        try:
            explorers = static_explorers.show_frames(
                notebook, frames, f"{static_explorers.FRAMES}/{source.stem}", language
            )
        except ValueError as error:
            raise ValueError(f"{path.name}: {error}") from None
        page = finish(link_pages(convert(notebook), suffix), path)
        if explorers:
            frames.copy_to(out / static_explorers.FRAMES / source.stem)
            page = static_explorers.link_assets(page, STATIC)
        remote = remote_urls(page)
        if remote:
            raise ValueError(f"{path.name}: scripts or stylesheets from the network: {remote}")
        target = out / f"{path.stem}{suffix}"
        target.write_text(page, encoding="utf-8")
        rows.append((target.name, *title_and_summary(notebook)))
        print(f"wrote {target}", flush=True)
    return rows


def write_index(out: Path, rows: list[tuple[str, str, str]], heading: str, note: str,
                name: str = "index.html",
                finish: Callable[[str], str] = lambda page: page) -> Path:
    """``out/<name>``: the series in order, one link per notebook (MathJax for the formulas);
    ``finish(page)`` is the page as written."""
    items = "\n".join(
        f'  <li><a href="{html.escape(file)}">{html.escape(title)}</a>'
        f"<p>{html.escape(summary)}</p></li>"
        for file, title, summary in rows
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(heading)}</title>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [["$", "$"]], processEscapes: true}},
                    messageStyle: "none"}});
</script>
<script src="{URLS["mathjax_url"]}"></script>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #222; }}
ol {{ padding-left: 1.5em; }}
li {{ margin: 0.8em 0; }}
li a {{ font-size: 1.15em; font-weight: 600; }}
li p {{ margin: 0.2em 0 0; color: #555; }}
</style>
</head>
<body>
<h1>{html.escape(heading)}</h1>
<p>{html.escape(note)}</p>
<ol start="0">
{items}
</ol>
</body>
</html>
"""
    target = out / name
    target.write_text(finish(page), encoding="utf-8")
    return target


def build_html(out: Path, paths: Iterable[Path] | None = None, *, execute: bool = False,
               cache: Path = static_explorers.CACHE) -> Path:
    """The site: ``out/index.html``, one page per notebook, ``out/_static``, ``out/frames``; the
    Chinese edition beside it (``index.zh.html``, ``NN_name.zh.html``: :mod:`tools.editions`)."""
    from tools import editions  # it builds on this module

    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    exporter = html_exporter()
    return editions.write_editions(
        out, lambda notebook: exporter.from_notebook_node(notebook)[0], ".html",
        None if paths is None else list(paths), execute=execute, cache=cache,
        notes=("The explorers' sliders show precomputed values; in JupyterLab (make lab) they "
               "compute every value live.",
               "探索器的滑块显示的是预先算好的值；"
               "在 JupyterLab（make lab）中，每一个值都实时计算。"),
    )


def command_line(build: Callable[..., Path], default_out: Path, argv: list[str] | None) -> int:
    """The command line of ``make html`` and ``make slides``: ``[--out DIR] [--execute] [NB…]``."""
    summary = sys.modules[build.__module__].__doc__.split("\n\n")[0]
    parser = argparse.ArgumentParser(description=summary)
    parser.add_argument("--out", type=Path, default=default_out)
    parser.add_argument("--execute", action="store_true",
                        help="run each notebook in a fresh kernel first (in memory)")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/NN_*.ipynb")
    args = parser.parse_args(argv)
    try:
        index = build(args.out, args.notebooks or None, execute=args.execute)
    except MissingAssets as error:
        print(error, file=sys.stderr)
        return 1
    print(f"open {index}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return command_line(build_html, ROOT / "build" / "site", argv)


if __name__ == "__main__":
    sys.exit(main())
