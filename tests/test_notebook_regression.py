"""The notebooks are a regression suite of legal answers: a rule change that alters an answer
must make nbval fail on the notebook and show the difference."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILT_IN = ROOT / "kb" / "agreements" / "jcs_kubernetes"
EXCEPTION = "not liable(P, B) :- exempt_from_liability(P, B)."


def _nbval(notebook: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
                           "-vv", str(notebook)], cwd=notebook.parent, capture_output=True, text=True, timeout=300)


def _quickstart_on(tmp_path: Path, rules_change=None) -> Path:
    folder = tmp_path / "jcs"
    shutil.copytree(BUILT_IN, folder)
    if rules_change is not None:
        rules = folder / "rules" / "force_majeure.dl"
        text = rules.read_text(encoding="utf-8")
        assert EXCEPTION in text
        rules.write_text(rules_change(text), encoding="utf-8")
    nb = nbformat.read(ROOT / "notebooks" / "01_quickstart.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "kb.load_agreement()" in cell.source:
            cell.source = cell.source.replace("kb.load_agreement()", f"kb.load_knowledge_base({str(folder)!r})")
    path = tmp_path / "notebooks" / "quickstart.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    for name in ("force_majeure_earthquake_outage_provider_not_liable.yaml",):
        assert (folder / "scenarios" / name).exists()
    return path


@pytest.mark.slow
def test_the_unchanged_knowledge_base_passes_the_copied_notebook(tmp_path):
    proc = _nbval(_quickstart_on(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:]


@pytest.mark.slow
def test_dropping_the_force_majeure_exception_fails_the_notebook_with_the_changed_answer(tmp_path):
    # 9.1's exception no longer defeats liability: the earthquake answer changes
    notebook = _quickstart_on(tmp_path, lambda text: text.replace(
        EXCEPTION, "not liable(P, B) :- exempt_from_liability(P, B), interpretation(start_day_counts)."))
    proc = _nbval(notebook)
    assert proc.returncode == 1
    out = proc.stdout
    assert "mismatch 'text/html'" in out
    # the committed answer, and the answer the altered rules give (answers show as sentences, in HTML)
    assert "No: it does not follow that JD Cloud is liable for some failure." in out
    assert "Yes: JD Cloud is liable for some failure." in out
    assert ("JD Cloud is liable for the failure outage.</span> <span class='kb-bindings'>(B = outage)</span>"
            in out)
