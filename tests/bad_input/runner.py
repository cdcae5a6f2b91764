"""Running the bad-input corpus (``cases.yaml``) through the command line.

Each case names an input file (in ``files/``, or made by a function of ``MAKERS`` for inputs too
large to keep in the repository), the role it plays, the CLI arguments, the exit code and the start
of the message the user must see (stderr for a failure, stdout for an accepted input). Roles:

* ``scenario``: the file is copied into an empty working folder; ``{file}`` in the arguments is its name.
* ``rules``, ``vocabulary``, ``manifest``, ``terms``: a copy of the small knowledge base ``base_kb/``
  is made in the working folder as ``case_kb``, the file goes in as ``rules/zz_bad.dl``,
  ``vocabulary/zz_bad.yaml``, ``agreement.yaml`` or ``terms.md``; the arguments default to
  ``--kb case_kb check``.
* ``kb_scenario``: as ``scenario``, with ``case_kb`` (a copy of ``base_kb/``) next to it.
* ``cli``: arguments only (``{ok}`` is a valid scenario of the built-in agreement).

``{file}`` in a message is the path the kit displays. A case runs in-process through
:func:`kb.cli.main` (``run_case``); ``python runner.py ID ...`` runs cases in a worker process and
prints one JSON line per case as soon as it is done, so the caller that kills a hung worker knows
which case hung.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
BASE_KB = HERE / "base_kb"
OK_SCENARIO = HERE / "ok_scenario.yaml"
RULE_HEADER = '@rule big\n@cites 1.1\n@gloss A long rule.\n@quote 1.1 "A node is reachable"\n'
TARGETS = {"rules": "rules/zz_bad.dl", "vocabulary": "vocabulary/zz_bad.yaml", "manifest": "agreement.yaml",
           "terms": "terms.md"}


# --- inputs too large to keep in the repository ----------------------------------------------------

def _rules_5mb() -> str:
    """A 5.5 MB rule file: one statement over 190,000 lines."""
    return RULE_HEADER + "reach(X, Y) :- link(X, Y)" + ",\n node(X)                   " * 190_000 + ".\n"


def _statement_200k_lines() -> str:
    """One statement spread over 200,000 lines (a comment on each), never terminated: 800 kB."""
    return RULE_HEADER + "reach(X, Y) :- link(X, Y)\n" + "%\n" * 200_000


def _body_16000_atoms() -> str:
    return RULE_HEADER + "reach(X, Y) :- link(X, Y)" + ",\n  node(X)" * 16_000 + ".\n"


def _body_600_atoms() -> str:
    return RULE_HEADER + "reach(X, Y) :- link(X, Y)" + ",\n  node(X)" * 600 + ".\n"


def _sum_20000_terms() -> str:
    return RULE_HEADER + "reach(X, Y) :- link(X, Y), " + " + ".join(["1"] * 20_000) + " > 0.\n"


def _sum_300_terms() -> str:
    return RULE_HEADER + "reach(X, Y) :- link(X, Y), " + " + ".join(["1"] * 300) + " > 0.\n"


def _parens_3000() -> str:
    return RULE_HEADER + "reach(X, Y) :- link(X, Y), " + "(" * 3000 + "1" + ")" * 3000 + " > 0.\n"


def _minus_3000() -> str:
    return RULE_HEADER + "reach(X, Y) :- link(X, Y), " + "- " * 3000 + "1 < 0.\n"


def _calls_100() -> str:
    return RULE_HEADER + "reach(X, Y) :- link(X, Y), " + "least(1, " * 100 + "1" + ")" * 100 + " > 0.\n"


def _integer_5000_digits_rule() -> str:
    return RULE_HEADER + "reach(X, Y) :- link(X, Y), " + "9" * 5000 + " > 0.\n"


def _integer_4299_digits_rule() -> str:
    return RULE_HEADER + "reach(X, Y) :- link(X, Y), 1" + "0" * 4298 + " > 0.\n"


def _amount_5000_digits() -> str:
    return ("scenario: a claim of a 5,000-digit amount\nfacts:\n"
            f"  - user_claims_damages(outage, direct_damages, {'9' * 5000})\n")


def _amount_4299_digits() -> str:
    return ("scenario: a claim of a 4,299-digit amount, which overflows once in cents\nfacts:\n"
            f"  - user_claims_damages(outage, direct_damages, {'9' * 4297}.99)\n")


def _yaml_nested_5000_flow() -> str:
    return "scenario: deep\nfacts: " + "[" * 5000 + "]" * 5000 + "\n"


def _yaml_nested_100_block() -> str:
    return "scenario: deep\nfacts:\n" + "".join("  " * i + "-\n" for i in range(1, 101))


def _yaml_101_aliases() -> str:
    return "scenario: &t aliases\nfacts: []\ndescription: [" + ", ".join(["*t"] * 101) + "]\n"


def _scenario_2mb() -> str:
    return "scenario: big\nfacts:\n" + "  - event(quake, earthquake)  # padding padding padding\n" * 40_000


def _vocabulary_billion_laughs() -> str:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _query_5000_digits() -> str:
    return f"refund_due(t1, c1, {'9' * 5000})"


def _query_parens_3000() -> str:
    return "liable(" + "(" * 3000 + "jd_cloud" + ")" * 3000 + ", outage)"


# the functions above, by name without the leading underscore (``make: rules_5mb``)
MAKERS = {name[1:]: fn for name, fn in list(globals().items())
          if name.startswith("_") and not name.startswith("__") and callable(fn) and fn.__module__ == __name__}


# --- running ---------------------------------------------------------------------------------------

def load_cases() -> list[dict]:
    """The cases of ``cases.yaml``, in file order."""
    return yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))


def content(case: dict) -> bytes | None:
    """The bytes of a case's input file (from ``files/`` or made), or None for a CLI-only case."""
    if "make" in case:
        return MAKERS[case["make"]]().encode("utf-8")
    if "file" in case:
        return (FILES / case["file"]).read_bytes()
    return None


def prepare(case: dict, work: Path) -> tuple[list[str], str]:
    """Write the case's input into ``work``; its CLI arguments, and the path the kit displays."""
    role = case["role"]
    data = content(case)
    shown = ""
    if role == "kb_scenario":  # a scenario of the small knowledge base
        shutil.copytree(BASE_KB, work / "case_kb")
    if role in TARGETS:
        shutil.copytree(BASE_KB, work / "case_kb")
        if data is not None:
            target = work / "case_kb" / TARGETS[role]
            target.write_bytes(data)
            shown = f"case_kb/{TARGETS[role]}"
        default = ["--kb", "case_kb", "check"]
    else:
        if data is not None:
            name = Path(case.get("file", case.get("make", "input") + ".yaml")).name
            (work / name).write_bytes(data)
            shown = name
        default = []
    text = data.decode("utf-8", "replace") if data is not None and role == "query" else ""
    args = [a.replace("{file}", shown).replace("{ok}", str(OK_SCENARIO)).replace("{text}", text)
            for a in case.get("args", default)]
    return args, shown


def run_case(case: dict) -> dict:
    """Run one case in this process: exit code, stdout, stderr (a traceback counts as exit 99)."""
    import kb.cli

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        args, shown = prepare(case, work)
        out, err = io.StringIO(), io.StringIO()
        old = os.getcwd()
        os.chdir(work)
        start = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = kb.cli.main(args)
                except SystemExit as exc:  # argparse
                    code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - a traceback is what the corpus exists to catch
            code = 99
            err.write("TRACEBACK " + traceback.format_exc())
        finally:
            os.chdir(old)
    return {"id": case["id"], "exit": code, "stdout": out.getvalue(), "stderr": err.getvalue(),
            "shown": shown, "seconds": round(time.perf_counter() - start, 3)}


def main(ids: list[str]) -> None:
    cases = {c["id"]: c for c in load_cases()}
    for case_id in ids:
        print(json.dumps(run_case(cases[case_id])), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))
    main(sys.argv[1:])
