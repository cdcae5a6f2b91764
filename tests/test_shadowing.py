"""A user's folder named ``kb`` never shadows the kit (issue 15, shadowing): ``python -m kb --kb kb
check`` run beside a knowledge-base folder named ``kb`` works (kb/__main__.py runs itself again
with ``python -P``); where the folder still comes first (PYTHONPATH) the error is one line saying
what to do; a console script (``kb = kb.cli:main``) is not shadowed by the current folder."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECK_LINE = ("Sample Data Processing Addendum: 28 numbered clauses, 80 rules, 6 parameters, 40 inputs, "
              "38 conclusions: all checks passed")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A folder holding a knowledge base named kb (a copy of the sample DPA)."""
    here = tmp_path_factory.mktemp("shadow")
    shutil.copytree(ROOT / "kb" / "agreements" / "sample_dpa", here / "kb")
    return here


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, env={**environment, **env})


def test_python_m_kb_check_beside_a_kb_folder(folder):
    proc = run([sys.executable, "-m", "kb", "--kb", "kb", "check"], folder)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines()[0] == CHECK_LINE


def test_python_m_kb_test_beside_a_kb_folder(folder):
    proc = run([sys.executable, "-m", "kb", "--kb", "kb", "test"], folder)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines()[-1].endswith(" passed, 0 failed")
    assert not any(line.startswith("FAIL") for line in proc.stdout.splitlines())


def test_the_built_in_agreement_beside_a_kb_folder(folder):
    proc = run([sys.executable, "-m", "kb", "clause", "9.2"], folder)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "9.2" in proc.stdout.splitlines()[0]


def test_still_shadowed_through_pythonpath_is_one_clear_line(folder):
    proc = run([sys.executable, "-m", "kb", "--kb", "kb", "check"], folder, PYTHONPATH=str(folder))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (f"error: the folder {folder / 'kb'} shadows the kit's package 'kb' (it comes first on "
                           f"sys.path, through PYTHONPATH or '.pth' files): rename the folder or take it off "
                           f"PYTHONPATH\n")


def test_a_console_script_outside_the_folder_is_not_shadowed(folder, tmp_path):
    # what pip writes for [project.scripts] kb = "kb.cli:main": sys.path[0] is the script's folder
    script = tmp_path / "bin" / "kb"
    script.parent.mkdir()
    script.write_text("import sys\nfrom kb.cli import main\nsys.exit(main())\n", encoding="utf-8")
    proc = run([sys.executable, str(script), "--kb", "kb", "check"], folder)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines()[0] == CHECK_LINE


def test_the_installed_console_script(folder):
    script = Path(sys.executable).parent / "kb"
    if not script.exists():
        pytest.skip("no console script: pyproject.toml needs [project.scripts] kb = \"kb.cli:main\" (then make .venv)")
    proc = run([str(script), "--kb", "kb", "check"], folder)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines()[0] == CHECK_LINE
