"""The Chinese edition: ``notebooks/zh/`` is the English series with its prose translated.

- The tool (:mod:`tools.translations`) finds stale, missing and orphaned translations and a
  ``notebooks/zh/`` that differs from what it builds; editing one English sentence makes
  ``python -m tools.translations check`` fail, naming the notebook and the cell.
- Each Chinese notebook equals its English notebook in everything but the markdown sources: code
  cells, outputs, cell ids and metadata (so nbval need not run them again: pyproject.toml skips
  ``notebooks/zh``).
- Each translated cell keeps the English cell's structure (headings, math, inline code, anchors,
  folded solutions), has no English sentence left, and its links reach the Chinese notebooks.
- Terminology: where an English cell uses a glossary term of notebook 00, its translation uses the
  glossary's Chinese term; the Chinese 00 lists the same terms as the English 00.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.notebook_outputs import NOTEBOOKS, load, seed_documents, source
from tools import translations

EDITION = NOTEBOOKS / translations.LANGUAGE
NAMES = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))


# --- the tool, on a small made-up notebook ------------------------------------------------------


TITLE_CELL = "# Entropy\n\nThe entropy of $p$."


def small_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Entropy\n\nThe entropy of $p$.", id="aaaa0001"),
        nbformat.v4.new_code_cell("print(1)", id="cccc0001"),
        nbformat.v4.new_markdown_cell("The end.", id="aaaa0002"),
    ]
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    return notebook


def small_repository(tmp_path: Path) -> Path:
    """A repository with one notebook, its full translation and its built Chinese edition."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "matplotlibrc").write_text("figure.dpi: 100\n", encoding="utf-8")
    nbformat.write(small_notebook(), tmp_path / "notebooks" / "01_entropy.ipynb")
    entries = [
        translations.Entry("aaaa0001", translations.english_hash(TITLE_CELL), "# 熵\n\n$p$ 的熵。"),
        translations.Entry("aaaa0002", translations.english_hash("The end."), "完。"),
    ]
    folder = tmp_path / "translations" / translations.LANGUAGE
    folder.mkdir(parents=True)
    (folder / "01_entropy.md").write_text(translations.render("01_entropy.ipynb", entries),
                                          encoding="utf-8")
    report = translations.build(tmp_path / "notebooks", folder, tmp_path / "notebooks" / "zh")
    assert report.problems == []
    return tmp_path


def test_a_translation_file_reads_back_as_written() -> None:
    entries = [translations.Entry("aaaa0001", "0123456789abcdef", "# 熵\n\n第一段。\n\n第二段。"),
               translations.Entry("aaaa0002", "fedcba9876543210", "完。")]
    assert translations.parse(translations.render("x.ipynb", entries)) == entries
    with pytest.raises(ValueError, match="aaaa0001 translated more than once"):
        translations.parse(translations.render("x.ipynb", entries + entries[:1]))


def test_the_template_holds_every_markdown_cell_in_english(tmp_path: Path) -> None:
    path = tmp_path / "01_entropy.ipynb"
    nbformat.write(small_notebook(), path)
    entries = translations.parse(translations.template(path))
    assert [(e.cell_id, e.text) for e in entries] == [
        ("aaaa0001", "# Entropy\n\nThe entropy of $p$."), ("aaaa0002", "The end.")]


def test_the_edition_replaces_prose_and_keeps_everything_else(tmp_path: Path) -> None:
    root = small_repository(tmp_path)
    built = nbformat.read(root / "notebooks" / "zh" / "01_entropy.ipynb", as_version=4)
    english = small_notebook()
    assert [cell.source for cell in built.cells] == ["# 熵\n\n$p$ 的熵。", "print(1)", "完。"]
    assert built.cells[1] == nbformat.read(root / "notebooks" / "01_entropy.ipynb", 4).cells[1]
    assert [cell.id for cell in built.cells] == [cell.id for cell in english.cells]
    assert (root / "notebooks" / "zh" / "matplotlibrc").read_text() == "figure.dpi: 100\n"
    assert translations.check(root)[0] == []


def test_stale_missing_and_orphaned_translations_are_named(tmp_path: Path) -> None:
    root = small_repository(tmp_path)
    path = root / "notebooks" / "01_entropy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].source = "# Entropy\n\nThe entropy of the distribution $p$."  # edited
    notebook.cells[2].id = "aaaa0003"  # a new cell where the old one was
    notebook.cells.append(nbformat.v4.new_markdown_cell("", id="aaaa0004"))
    nbformat.write(notebook, path)
    found, _ = translations.check(root)
    assert found[:4] == [
        "01_entropy.ipynb: cell aaaa0001 changed in English since it was translated (stale): "
        "'# Entropy\\n\\nThe entropy of the distribution $p$.'",
        "01_entropy.ipynb: cell aaaa0003 has no translation (missing)",
        "01_entropy.ipynb: cell aaaa0004 has no translation (missing)",
        "01_entropy.ipynb: the translation of cell aaaa0002 names a cell the notebook does not "
        "have (orphan)",
    ]
    assert found[4:] == [
        "notebooks/zh/01_entropy.ipynb differs from what its translation builds: run make "
        "translations"
    ]


def test_a_translated_code_cell_and_a_lost_notebook_are_orphans(tmp_path: Path) -> None:
    root = small_repository(tmp_path)
    folder = root / "translations" / translations.LANGUAGE
    text = (folder / "01_entropy.md").read_text(encoding="utf-8")
    text += f"\n<!-- cell cccc0001 · en-sha256 {translations.english_hash('print(1)')} -->\n打印\n"
    (folder / "01_entropy.md").write_text(text, encoding="utf-8")
    (folder / "02_gone.md").write_text(translations.render("02_gone.ipynb", []), encoding="utf-8")
    found, _ = translations.check(root)
    assert found == [
        "01_entropy.ipynb: the translation of cell cccc0001 names a code cell (orphan)",
        "02_gone.md: a translation of a notebook that does not exist (orphan)",
    ]  # the code cell itself is built as it is, so notebooks/zh/ is still what the tool writes


def test_a_hand_edit_or_a_stray_file_in_the_edition_is_found(tmp_path: Path) -> None:
    root = small_repository(tmp_path)
    built = root / "notebooks" / "zh" / "01_entropy.ipynb"
    built.write_text(built.read_text(encoding="utf-8").replace("完。", "完了。"), encoding="utf-8")
    (root / "notebooks" / "zh" / "notes.txt").write_text("x", encoding="utf-8")
    (root / "notebooks" / "02_new.ipynb").write_text(nbformat.writes(small_notebook()))
    assert translations.check(root)[0] == [
        "02_new.ipynb: no translation file " + str(root / "translations" / "zh" / "02_new.md"),
        "notebooks/zh/01_entropy.ipynb differs from what its translation builds: run make "
        "translations",
        "notebooks/zh/notes.txt is built from nothing (no English notebook)",
    ]


def test_editing_one_english_sentence_fails_make_translations_check(tmp_path: Path) -> None:
    """The real series, copied: the check passes, then one sentence of notebook 01 is edited."""
    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(translations.TRANSLATIONS, tmp_path / "translations" / translations.LANGUAGE)
    command = [sys.executable, "-m", "tools.translations", "check", "--root", str(tmp_path)]
    clean = subprocess.run(command, capture_output=True, text=True, cwd=NOTEBOOKS.parent)
    assert clean.returncode == 0, clean.stderr
    path = tmp_path / "notebooks" / "01_information_and_entropy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    cell = next(cell for cell in notebook.cells if cell.cell_type == "markdown"
                and "a rare one tells you a lot" in cell.source)
    cell.source = cell.source.replace("a rare one tells you a lot", "a rare one tells you more")
    nbformat.write(notebook, path)
    stale = subprocess.run(command, capture_output=True, text=True, cwd=NOTEBOOKS.parent)
    assert stale.returncode == 1
    assert (f"01_information_and_entropy.ipynb: cell {cell.id} changed in English since it was "
            "translated (stale)") in stale.stderr


# --- the Chinese edition of this repository -----------------------------------------------------


def test_every_translation_is_current_and_the_edition_is_built() -> None:
    found, _ = translations.check()
    assert found == [], "\n".join(found)


def test_the_edition_has_every_notebook_and_nothing_else() -> None:
    assert sorted(path.name for path in EDITION.iterdir()) == sorted(
        NAMES + list(translations.SHARED_FILES))


@pytest.mark.parametrize("name", NAMES)
def test_code_outputs_and_metadata_equal_the_english(name: str) -> None:
    english, chinese = load(name), load(f"zh/{name}")
    assert chinese["metadata"] == english["metadata"]
    assert len(chinese["cells"]) == len(english["cells"])
    for ours, theirs in zip(chinese["cells"], english["cells"], strict=True):
        if theirs["cell_type"] == "markdown":
            assert {**ours, "source": ""} == {**theirs, "source": ""}
        else:
            assert ours == theirs, f"{name}: code cell {theirs['id']} differs"


# --- what each translated cell must keep --------------------------------------------------------

MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$]+?\$", re.S)
FENCED = re.compile(r"```.*?```", re.S)
INLINE_CODE = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
ANCHOR = re.compile(r"<a id=\"([^\"]+)\">")


def headings(markdown: str) -> list[int]:
    text = FENCED.sub("", markdown)
    return [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", text, re.M)]


def cell_pairs(name: str) -> list[tuple[str, str, str]]:
    """(cell id, English source, Chinese source) of every markdown cell."""
    english, chinese = load(name), load(f"zh/{name}")
    return [(en["id"], source(en), source(zh))
            for en, zh in zip(english["cells"], chinese["cells"], strict=True)
            if en["cell_type"] == "markdown"]


def math(markdown: str) -> set[str]:
    return set(MATH.findall(INLINE_CODE.sub(" ", FENCED.sub(" ", markdown))))


def structure(markdown: str) -> dict[str, object]:
    return {
        "headings": headings(markdown),
        "fenced code": FENCED.findall(markdown),
        "anchors": ANCHOR.findall(markdown),
        "folded blocks": markdown.count("<details"),
        "images": re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown),
    }


@pytest.mark.parametrize("name", NAMES)
def test_each_translation_keeps_headings_math_code_and_anchors(name: str) -> None:
    problems = []
    for cell_id, english, chinese in cell_pairs(name):
        ours, theirs = structure(chinese), structure(english)
        for key, value in theirs.items():
            if ours[key] != value:
                problems.append(f"cell {cell_id}: {key} {ours[key]!r} != English {value!r}")
        # every formula of our own sentences is kept (those of dropped English renderings of
        # the documents' quotes may go), and no formula is new or changed
        if missing := math(own_sentences(english)) - math(chinese):
            problems.append(f"cell {cell_id}: formulas dropped {sorted(missing)}")
        if new := math(chinese) - math(english):
            problems.append(f"cell {cell_id}: formulas not in the English {sorted(new)}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def own_sentences(markdown: str) -> str:
    """Our own text, math included: without code and without quotes of the documents (``>``
    lines, "…" and “…” spans: the documents' words in whatever language they wrote, with the
    English edition's renderings of them), nor titles of papers (*An English Title*, 《标题》)."""
    text = INLINE_CODE.sub(" ", FENCED.sub(" ", markdown))
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    # a span may run over a line break, not over a blank line
    line = r"(?:[^{stop}\n]|\n(?!\s*\n))"
    text = re.sub("|".join(f"{a}{line.format(stop=b)}*{b}" for a, b in
                           (('"', '"'), ("“", "”"), ("《", "》"))), " ", text)
    title = r"(?<![*\w])\*" + line.format(stop="*$\u4e00-\u9fff") + r"+\*(?![*\w])"
    return re.sub(title, " ", text)  # *An English Title*


def prose(markdown: str) -> str:
    """What a reader reads as our sentences: :func:`own_sentences` without math, links' targets
    and HTML tags."""
    text = MATH.sub(" ", own_sentences(markdown))
    text = LINK.sub(lambda m: m.group(1), text)
    return re.sub(r"<[^>]+>|https?://\S+", " ", text)


#: A run of this many English words in a row is a sentence left untranslated.
ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z][A-Za-z'’-]*[\s,;:]+){7}[A-Za-z][A-Za-z'’-]*")


@pytest.mark.parametrize("name", NAMES)
def test_no_english_sentence_is_left(name: str) -> None:
    left = [f"cell {cell_id}: {run.group(0)!r}"
            for cell_id, _, chinese in cell_pairs(name)
            for line in prose(chinese).splitlines() if not line.lstrip().startswith("|")
            for run in [ENGLISH_RUN.search(line)] if run]
    assert not left, f"{name}:\n" + "\n".join(left)


def anchors_of(path: Path) -> set[str]:
    notebook = nbformat.read(path, as_version=4)
    return {anchor for cell in notebook.cells if cell.cell_type == "markdown"
            for anchor in ANCHOR.findall(cell.source)}


@pytest.mark.parametrize("name", NAMES)
def test_links_reach_the_chinese_notebooks(name: str) -> None:
    problems = []
    for cell_id, _, chinese in cell_pairs(name):
        for _, target in LINK.findall(FENCED.sub("", chinese)):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            resolved = (EDITION / path).resolve() if path else EDITION / name
            if not resolved.exists():
                problems.append(f"cell {cell_id}: {target} does not exist")
            elif resolved.suffix == ".ipynb" and resolved.parent != EDITION and not (
                name == "00_start_here.ipynb" and path == "../00_start_here.ipynb"
            ):
                problems.append(f"cell {cell_id}: {target} leaves the Chinese edition")
            elif anchor and resolved.suffix == ".ipynb" and anchor not in anchors_of(resolved):
                problems.append(f"cell {cell_id}: {target}: no anchor {anchor!r} there")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_each_edition_links_to_the_other_from_its_start() -> None:
    english = "".join(source(cell) for cell in load("00_start_here.ipynb")["cells"][:1])
    chinese = "".join(source(cell) for cell in load("zh/00_start_here.ipynb")["cells"][:1])
    assert "(zh/00_start_here.ipynb)" in english
    assert "(../00_start_here.ipynb)" in chinese


# --- terminology: the glossary of notebook 00 --------------------------------------------------


def glossary(name: str = "00_start_here.ipynb") -> list[tuple[str, str]]:
    """The (English, 中文) columns of the glossary table of notebook 00 (either edition)."""
    cell = next(source(cell) for cell in load(name)["cells"]
                if "术语表" in source(cell).split("\n", 1)[0])
    rows = [line.split("|")[1:3] for line in cell.splitlines() if line.startswith("| ")]
    return [(english.strip(), chinese.strip()) for english, chinese in rows[1:]]


def pieces(column: str, *, english: bool = False) -> list[list[str]]:
    """A glossary column split into its concepts (by ',' or '/' outside parentheses), each with
    its alternative forms (a parenthesis holds one; in English, a parenthesis of several words
    qualifies the term: "normalization (into probabilities)")."""
    parts = re.split(r"\s*[,/]\s*(?![^()]*\))", column)
    found = []
    for part in parts:
        term, *extra = [form.strip() for form in re.split(r"[()]", part) if form.strip()]
        found.append([term] + [form for form in extra if not (english and " " in form)])
    return found


def concepts() -> list[tuple[list[str], list[str]]]:
    """(English forms, Chinese forms) of each concept of the glossary: a row whose columns name
    as many concepts (``bit, nat, ban`` | ``比特, 奈特, 哈特莱``) gives one concept each, any other
    row one concept with every form of its columns."""
    found = []
    for english, chinese in glossary():
        ours, theirs = pieces(chinese), pieces(english, english=True)
        if len(ours) == len(theirs):
            found += list(zip(theirs, ours, strict=True))
        else:
            found.append(([f for p in theirs for f in p], [f for p in ours for f in p]))
    return found


#: English words of the glossary that prose also uses in their everyday sense, where the Chinese
#: rightly says something else; the test does not require their term.
EVERYDAY = {
    "target": "also 'the target of a link', 'a target accuracy'",
    "sample": "also the verb (采样, 抽样)",
    "label": "also a label of a plot or a printed line",
    "prediction": "also the act of predicting (预测), not only the distribution q",
    "expectation": "also 'as expected' (预期)",
    "dimension": "also the size of an axis",
    "forward": "also 'the forward pass' (前向传播)",
    "reverse": "also 'in reverse order'",
    "token": "the glossary's 词元 (token) lets either form stand",
    "teacher": "also a person teaching a class (教师), as in 00's 'For teachers'",
    "student": "also a person in a class (学生), as in the student edition",
    "convex": "also 'convex hull'",
}


def english_uses(term: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])", text, re.I) is not None


def test_the_glossary_reads_as_concepts() -> None:
    found = dict((tuple(english), chinese) for english, chinese in concepts())
    assert found[("bit",)] == ["比特"] and found[("ban",)] == ["哈特莱"]
    assert found[("KL divergence", "relative entropy")] == ["KL 散度", "相对熵"]
    assert found[("information content", "self-information")] == ["信息量", "自信息"]
    assert found[("normalization",)] == ["归一化"]


def test_both_editions_list_the_same_terms() -> None:
    assert glossary("zh/00_start_here.ipynb") == glossary()


@pytest.mark.parametrize("name", NAMES)
def test_each_glossary_term_is_translated_as_listed(name: str) -> None:
    problems = []
    for cell_id, english, chinese in cell_pairs(name):
        if "术语表" in english.split("\n", 1)[0]:
            continue
        # a heading naming a document gives its title, which the Chinese gives in its own words
        text = prose(re.sub(r"(?m)^#+ .*\bDocument 00\d\b.*$", " ", english))
        for forms, chinese_forms in concepts():
            used = [form for form in forms
                    if form.lower() not in EVERYDAY and english_uses(form, text)]
            if used and not any(form.lower() in chinese.lower() for form in chinese_forms):
                problems.append(f"cell {cell_id}: '{used[0]}' is {' or '.join(chinese_forms)}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


# --- the documents in their own words -----------------------------------------------------------

#: The titles the documents give themselves (000 and 002 have none: appendix A names them by
#: what they do).
TITLES = {
    "001": "【损失函数】NLLLoss损失、CrossEntropy_Loss交叉熵损失以及Label Smoothing示例与代码",
    "003": "Pytorch crossentropyloss learning",
    "004": "Pytorch常用的交叉熵损失函数CrossEntropyLoss()详解",
}


def seed_texts() -> dict[str, str]:
    return {number: " ".join(text.split()) for number, text in seed_documents().items()}


def test_appendix_a_names_each_document_by_its_own_title() -> None:
    seeds = seed_texts()
    headings = {number: line for cell in load("zh/A_documents.ipynb")["cells"]
                for line in source(cell).splitlines()
                if line.startswith("## ") for number in [re.search(r"文档 (00\d)", line)]
                if number for number in [number.group(1)]}
    assert sorted(headings) == ["000", "001", "002", "003", "004"]
    for number, title in TITLES.items():
        assert title in seeds[number], f"document {number} has no title {title!r}"
        assert title in headings[number], f"appendix A names document {number} {headings[number]}"


@pytest.mark.parametrize("name", NAMES)
def test_quotes_keep_the_documents_words_without_an_english_rendering(name: str) -> None:
    """A quoted line of the Chinese edition in English is a document's own English (003's),
    word for word (an editor's note in [brackets] aside), never the English edition's rendering
    of a Chinese quote."""
    seeds = " ".join(seed_texts().values())
    squash = re.compile(r"[\s*_`]+")
    renderings = [
        f"cell {cell_id}: {line[:70]!r}"
        for cell_id, _, chinese in cell_pairs(name)
        for line in chinese.splitlines() if line.lstrip().startswith(">")
        if ENGLISH_RUN.search(INLINE_CODE.sub(" ", line))
        and squash.sub(" ", re.sub(r"\s*\[[^\]]*\]", "", line.lstrip("> "))).strip()
        not in squash.sub(" ", seeds)
    ]
    assert not renderings, f"{name}:\n" + "\n".join(renderings)
