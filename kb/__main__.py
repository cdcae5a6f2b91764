"""``python -m kb``: the command line (:mod:`kb.cli`).

``python -m`` puts the current folder first on ``sys.path``, so a folder named ``kb`` there (a
knowledge base, say) shadows this package: ``python -m kb --kb kb check`` run beside it would
import the folder's ``kb/vocabulary/`` in place of ``kb.vocabulary`` and fail. When that happens
the command runs again with ``python -P`` (Python 3.11+: the current folder is not put on
``sys.path``), with the same arguments and in the same folder; if the package is still shadowed
(``PYTHONPATH`` naming the folder's parent, say) it stops with one line saying what to do. The
console script ``kb`` (``.venv/bin/kb``) is not shadowed by the current folder either.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_REEXEC = "KB_SHADOW_REEXEC"


def _shadowed() -> bool:
    """Whether ``kb`` as imported is not the folder this file is in (a folder of the user's)."""
    package = sys.modules.get(__package__ or "kb")
    origin = getattr(package, "__file__", None)
    return origin is None or os.path.dirname(os.path.abspath(origin)) != _HERE


if _shadowed():
    if os.environ.get(_REEXEC) or sys.flags.safe_path:
        found = [p for p in getattr(sys.modules.get("kb"), "__path__", [])]
        sys.stderr.write(f"error: the folder {found[0] if found else 'kb'} shadows the kit's package 'kb' (it comes "
                         f"first on sys.path, through PYTHONPATH or '.pth' files): rename the folder or take it off "
                         f"PYTHONPATH\n")
        sys.exit(2)
    command = [sys.executable, "-P", "-m", "kb", *sys.argv[1:]]
    env = {**os.environ, _REEXEC: "1"}
    if os.name == "nt":  # no exec on Windows: run it and pass its exit code on
        import subprocess

        sys.exit(subprocess.call(command, env=env))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, env)

from kb.cli import main  # noqa: E402  (absolute: the package this file belongs to)

sys.exit(main())
