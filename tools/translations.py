"""The Chinese edition: ``notebooks/zh/`` built from the English notebooks and translation files.

    python -m tools.translations build              # make translations: write notebooks/zh/
    python -m tools.translations check              # make translations-check (run by make test)
    python -m tools.translations template NB.ipynb  # a translation file to start from, to stdout

Only the prose is translated. A Chinese notebook is its English notebook with each markdown cell's
source replaced by the translation of that cell; the code cells, their outputs, all metadata and
the cell ids are the English notebook's, so code, outputs and checks are shared and cannot drift.

A translation file ``translations/zh/<notebook stem>.md`` holds one entry per markdown cell::

    <!-- cell 165075a9 · en-sha256 0f1e2d3c4b5a6978 -->
    # 1 · 信息量与熵
    …

The header names the cell by its id and carries the first 16 hex digits of the SHA-256 of the
English source the translation was made from; the entry's text runs to the next header (blank
lines around it are not part of it). Text before the first header is a comment for translators.

``check`` fails, naming notebook and cell, when an English markdown cell changed since its
translation was made (stale: the hash differs), when a markdown cell has no translation
(missing), when a translation names a cell the notebook no longer has or a code cell (orphan),
when a notebook has no translation file or a file no notebook, and when ``notebooks/zh/``
differs from what ``build`` writes. To update a stale entry, ``git log -p`` on the notebook shows
what changed in English; ``template`` prints the current hashes.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LANGUAGE = "zh"
TRANSLATIONS = ROOT / "translations" / LANGUAGE
EDITION = NOTEBOOKS / LANGUAGE
#: Files the Chinese notebooks need beside them, as the English ones have them.
SHARED_FILES = ("matplotlibrc",)

HEADER = re.compile(r"^<!-- cell (\S+) · en-sha256 ([0-9a-f]{16}) -->$", re.MULTILINE)
PREAMBLE = (
    "<!-- Chinese translation of notebooks/{name}: one entry per markdown cell, keyed by the "
    "cell id, with the hash of the English source it was made from. python -m tools.translations "
    "build writes notebooks/zh/{name}; tools/translations.py says more. -->\n"
)


@dataclass(frozen=True)
class Entry:
    """The translation of one markdown cell and the hash of the English it was made from."""

    cell_id: str
    english_hash: str
    text: str


def english_hash(source: str) -> str:
    """The first 16 hex digits of the SHA-256 of a cell's English source (UTF-8)."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def parse(text: str) -> list[Entry]:
    """The entries of a translation file, in order (a repeated cell id raises ``ValueError``)."""
    headers = list(HEADER.finditer(text))
    entries = []
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        end = following.start() if following else len(text)
        body = text[header.end():end].strip("\n")
        entries.append(Entry(header.group(1), header.group(2), body))
    ids = [entry.cell_id for entry in entries]
    repeated = sorted({cell_id for cell_id in ids if ids.count(cell_id) > 1})
    if repeated:
        raise ValueError(f"cell {', '.join(repeated)} translated more than once")
    return entries


def render(name: str, entries: list[Entry]) -> str:
    """A translation file's text: the preamble, then each entry under its header."""
    parts = [PREAMBLE.format(name=name)]
    for entry in entries:
        parts.append(f"\n<!-- cell {entry.cell_id} · en-sha256 {entry.english_hash} -->\n")
        parts.append(entry.text + "\n")
    return "".join(parts)


def template(path: Path) -> str:
    """A translation file for the notebook at ``path`` with the English text in every entry."""
    notebook = nbformat.read(path, as_version=4)
    entries = [Entry(cell.id, english_hash(cell.source), cell.source)
               for cell in notebook.cells if cell.cell_type == "markdown"]
    return render(path.name, entries)


def english_paths(folder: Path = NOTEBOOKS) -> list[Path]:
    """The English notebooks: every ``.ipynb`` directly in ``notebooks/``."""
    return sorted(folder.glob("*.ipynb"))


def translation_path(notebook: Path, translations: Path = TRANSLATIONS) -> Path:
    return translations / f"{notebook.stem}.md"


def problems(notebook: nbformat.NotebookNode, entries: list[Entry], name: str) -> list[str]:
    """What is stale, missing or orphaned in the translation of ``notebook`` (named ``name``)."""
    found = []
    cells = {cell.id: cell for cell in notebook.cells}
    by_id = {entry.cell_id: entry for entry in entries}
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        entry = by_id.get(cell.id)
        if entry is None:
            found.append(f"{name}: cell {cell.id} has no translation (missing)")
        elif entry.english_hash != english_hash(cell.source):
            found.append(f"{name}: cell {cell.id} changed in English since it was translated "
                         f"(stale): {cell.source[:60]!r}")
        elif not entry.text.strip():
            found.append(f"{name}: cell {cell.id} has an empty translation")
    for entry in entries:
        cell = cells.get(entry.cell_id)
        if cell is None:
            found.append(f"{name}: the translation of cell {entry.cell_id} names a cell the "
                         "notebook does not have (orphan)")
        elif cell.cell_type != "markdown":
            found.append(f"{name}: the translation of cell {entry.cell_id} names a "
                         f"{cell.cell_type} cell (orphan)")
    return found


def translate(notebook: nbformat.NotebookNode, entries: list[Entry]) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with each translated markdown cell's source replaced."""
    by_id = {entry.cell_id: entry.text for entry in entries}
    edition = copy.deepcopy(notebook)
    for cell in edition.cells:
        if cell.cell_type == "markdown" and cell.id in by_id:
            cell.source = by_id[cell.id]
    return edition


def serialise(notebook: nbformat.NotebookNode) -> str:
    """The notebook as nbformat writes it (one form for the edition and the comparison)."""
    return nbformat.writes(notebook) + "\n"


@dataclass
class Report:
    problems: list[str]
    built: dict[str, str]  # file name in notebooks/zh/ → the text it must have


def survey(notebooks: Path = NOTEBOOKS, translations: Path = TRANSLATIONS) -> Report:
    """Every problem of the translations, and the Chinese edition they build."""
    found: list[str] = []
    built: dict[str, str] = {}
    paths = english_paths(notebooks)
    for path in paths:
        source = translation_path(path, translations)
        if not source.exists():
            shown = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
            found.append(f"{path.name}: no translation file {shown}")
            continue
        try:
            entries = parse(source.read_text(encoding="utf-8"))
        except ValueError as error:
            found.append(f"{path.name}: {error}")
            continue
        notebook = nbformat.read(path, as_version=4)
        found += problems(notebook, entries, path.name)
        built[path.name] = serialise(translate(notebook, entries))
    stems = {path.stem for path in paths}
    for orphan in sorted(translations.glob("*.md")):
        if orphan.stem not in stems:
            found.append(f"{orphan.name}: a translation of a notebook that does not exist (orphan)")
    for name in SHARED_FILES:
        built[name] = (notebooks / name).read_text(encoding="utf-8")
    return Report(found, built)


def edition_differences(report: Report, edition: Path = EDITION) -> list[str]:
    """How ``notebooks/zh/`` differs from what the translations build."""
    found = []
    present = {path.name for path in edition.glob("*") if path.is_file()}
    for name, text in report.built.items():
        target = edition / name
        if not target.exists():
            found.append(f"notebooks/{LANGUAGE}/{name} is missing: run make translations")
        elif target.read_text(encoding="utf-8") != text:
            found.append(f"notebooks/{LANGUAGE}/{name} differs from what its translation builds: "
                         "run make translations")
    for name in sorted(present - set(report.built)):
        found.append(f"notebooks/{LANGUAGE}/{name} is built from nothing (no English notebook)")
    return found


def build(notebooks: Path = NOTEBOOKS, translations: Path = TRANSLATIONS,
          edition: Path = EDITION) -> Report:
    """Write ``notebooks/zh/`` (also with stale or missing entries: those cells stay as they
    were translated, or English); returns the report, whose problems ``check`` fails on."""
    report = survey(notebooks, translations)
    edition.mkdir(parents=True, exist_ok=True)
    for name, text in report.built.items():
        target = edition / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    for path in edition.iterdir():
        if path.is_file() and path.name not in report.built:
            path.unlink()
        elif path.is_dir() and path.name == ".ipynb_checkpoints":
            shutil.rmtree(path)
    return report


def check(root: Path = ROOT) -> tuple[list[str], Report]:
    """Every problem of the translations of the repository at ``root``, and what they build."""
    notebooks = root / "notebooks"
    report = survey(notebooks, root / "translations" / LANGUAGE)
    return report.problems + edition_differences(report, notebooks / LANGUAGE), report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "check", "template"])
    parser.add_argument("notebook", nargs="?", type=Path, help="template: the English notebook")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: here)")
    args = parser.parse_args(argv)
    notebooks = args.root / "notebooks"
    translations = args.root / "translations" / LANGUAGE
    if args.command == "template":
        if args.notebook is None:
            parser.error("template needs the English notebook")
        sys.stdout.write(template(args.notebook))
        return 0
    if args.command == "build":
        report = build(notebooks, translations, notebooks / LANGUAGE)
        print(f"wrote notebooks/{LANGUAGE}/ ({len(report.built)} files)")
        for problem in report.problems:
            print(problem, file=sys.stderr)
        return 0
    found, report = check(args.root)
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        print(f"{len(found)} translation problem(s): update translations/{LANGUAGE}/, then "
              "make translations", file=sys.stderr)
        return 1
    cells = sum(text.count('"cell_type": "markdown"') for name, text in report.built.items()
                if name.endswith(".ipynb"))
    print(f"translations: {cells} markdown cells of {len(report.built) - len(SHARED_FILES)} "
          "notebooks translated, all current; notebooks/zh/ is what they build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
