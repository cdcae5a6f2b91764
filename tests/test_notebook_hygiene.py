"""The committed notebooks are tidy: no run-to-run noise (timestamps, saved widget state, memory
addresses, machine paths), and nbval's NBVAL_IGNORE_OUTPUT marker excuses only pictures, never
a printed answer. ``python notebooks/execute.py`` re-executes and tidies them."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
ABSOLUTE_PATHS = ("/tmp/", "/work/", "/root/", "/home/")
MEMORY_ADDRESS = " at 0x"
SVG_REPR = "<IPython.core.display.SVG object>"
# nbval's markers that stop it comparing a cell's outputs: comment lines, or cell tags
IGNORE_MARKERS = {"NBVAL_IGNORE_OUTPUT", "PYTEST_VALIDATE_IGNORE_OUTPUT"}
IGNORE_TAGS = {"nbval-ignore-output", "pytest-validate-ignore-output"}


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 11, [p.name for p in NOTEBOOKS]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def _where(path: Path, index: int, cell) -> str:
    return f"{path.name}, cell {index} (id {cell.get('id', '?')}, {cell.cell_type})"


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output_strings(output) -> list[tuple[str, str]]:
    """(what, text) for every string an output holds: stream text, each mime type's data,
    an error's name, value and traceback."""
    out = []
    if output.output_type == "stream":
        out.append((f"stream {output.name}", _text(output.text)))
    elif output.output_type == "error":
        out.append(("error", "\n".join([output.ename, output.evalue, *output.traceback])))
    else:
        for mime, data in output.get("data", {}).items():
            out.append((mime, data if isinstance(data, str) else _text(data) if isinstance(data, list) else repr(data)))
    return out


def _text_outputs(cell) -> list[str]:
    """The outputs of a cell that are text a reader (and nbval) reads: streams, errors, and any
    text/* data except the repr of an SVG picture."""
    found = []
    for output in cell.get("outputs", []):
        if output.output_type in ("stream", "error"):
            found.extend(text for _, text in _output_strings(output))
            continue
        for mime, data in output.get("data", {}).items():
            if mime.startswith("text/") and not (mime == "text/plain" and _text(data).strip() == SVG_REPR):
                found.append(f"{mime}: {_text(data)}")
    return found


def _ignores_output(cell) -> bool:
    comments = {line.strip().lstrip("#").strip() for line in cell.source.splitlines() if line.strip().startswith("#")}
    tags = set(cell.metadata.get("tags", []))
    return bool(comments & IGNORE_MARKERS or tags & IGNORE_TAGS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_cell_is_markdown(path):
    nb = _read(path)
    assert nb.cells, f"{path.name} has no cells"
    assert nb.cells[0].cell_type == "markdown", (
        f"{_where(path, 0, nb.cells[0])}: a notebook opens with a markdown cell saying what it is about")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_execution_timestamps_and_no_saved_widget_state(path):
    nb = _read(path)
    assert "widgets" not in nb.metadata, (
        f"{path.name}: notebook metadata 'widgets' (saved widget state) is committed; "
        f"run python notebooks/execute.py {path.name}")
    stamped = [_where(path, i, c) for i, c in enumerate(nb.cells) if "execution" in c.metadata]
    assert not stamped, f"cell metadata 'execution' (timestamps) in: {'; '.join(stamped)}"
    # without the saved state a widget view only names a missing model (a random id per run)
    views = [_where(path, i, c) for i, c in enumerate(nb.cells)
             for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert not views, f"widget views without saved widget state in: {'; '.join(views)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_machine_paths_or_memory_addresses(path):
    nb = _read(path)
    problems = []
    for i, cell in enumerate(nb.cells):
        texts = [("source", cell.source)]
        for output in cell.get("outputs", []):
            texts.extend(_output_strings(output))
        for what, text in texts:
            for needle in (*ABSOLUTE_PATHS, MEMORY_ADDRESS):
                at = text.find(needle)
                if at >= 0:
                    problems.append(f"{_where(path, i, cell)}: {what} contains {needle!r}: "
                                    f"...{text[max(0, at - 60):at + 60]!r}...")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_ignore_output_marker_excuses_only_pictures(path):
    nb = _read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not _ignores_output(cell):
            continue
        texts = _text_outputs(cell)
        assert not texts, (
            f"{_where(path, i, cell)} is marked NBVAL_IGNORE_OUTPUT but prints text, which nbval would then "
            f"not check: print it in a cell of its own without the marker. First text: {texts[0][:200]!r}")
        pictures = [mime for o in cell.get("outputs", []) for mime in o.get("data", {}) if mime.startswith("image/")]
        assert pictures, f"{_where(path, i, cell)} is marked NBVAL_IGNORE_OUTPUT but shows no picture"
        first = next(line for line in cell.source.splitlines() if line.strip())
        assert re.fullmatch(r"#\s*NBVAL_IGNORE_OUTPUT\s*", first), (
            f"{_where(path, i, cell)}: the marker belongs on the cell's first line, got {first!r}")
