"""Sweeps and recursion at scale (issue 13, section 3): the figures of ``run.py --only sweep`` and
``run.py --only closure``.

    sweep clingo: 65536 scenarios in X s
    sweep pydatalog: 4096 scenarios in Y s
    closure clingo: 2000-node chain in X s
    closure pydatalog: 2000-node chain in Y s      (or "in > T s" when killed at the time limit)

The clingo sweep (kb/sweep.py) toggles 16 facts of the built-in agreement: one solve enumerates
all 65,536 combinations and reads the invariants each breaks (the figure: compile, ground, solve and
read); the search for a combination breaking an invariant (a witness, or a proof that none exists)
is printed below it. The pyDatalog sweep evaluates the 4,096 combinations of the first 12 facts
(the reference sweep of tests/test_sweep.py: every constraint, the refund check, an explanation
citing a clause for every conclusion), and its full models and broken invariants are compared with
clingo's on the same 4,096 combinations: the disagreements are printed below it (must be 0).

The closure figures evaluate the transitive closure of a chain of links (left-recursive
``reach(X, Z) :- reach(X, Y), link(Y, Z).``, 1,999,000 conclusions for 2,000 nodes) through the
kit, by each back end, in a child process killed by its id at the time limit (pyDatalog's compiled
engine ignores signals): load, evaluate and count, timed in the child.

    python benchmarks/scale.py [--quick] [sweep|closure ...]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kb  # noqa: E402


# --- the sweep ---------------------------------------------------------------------------------

def sweep_figures(agreement: kb.KnowledgeBase | None = None, quick: bool = False, out=print) -> int:
    """Print the two sweep lines (and what the search found, and the disagreements); returns the
    number of disagreements plus the number of combinations breaking an invariant."""
    from kb.sweep import SWEEP_16, ClingoSweep, compare, pydatalog_sweep

    agreement = agreement if agreement is not None else kb.load_agreement()
    t = time.perf_counter()
    sweep = ClingoSweep(agreement, SWEEP_16)
    enumeration = sweep.enumerate()
    clingo_s = time.perf_counter() - t
    out(f"sweep clingo: {enumeration.combinations} scenarios in {clingo_s:.1f} s")
    found = sweep.search()
    if found.proved:
        out(f"  search: no combination of the {len(SWEEP_16.toggles)} facts breaks any of the "
            f"{len(sweep.invariants)} invariants (proved in {found.seconds:.2f} s)")
    else:
        out(f"  search: a witness in {found.seconds:.2f} s: {', '.join(found.toggles_on)} on "
            f"breaks {', '.join(map(str, found.violations))}")
    out(f"  enumeration: {len(enumeration.broken)} combinations break an invariant")

    # the pyDatalog reference: the 4,096 combinations of the first 12 facts (a sample when quick)
    shared = SWEEP_16.combinations(12)
    chosen = shared[::256] if quick else shared
    t = time.perf_counter()
    reference = pydatalog_sweep(agreement, SWEEP_16, chosen)
    pydatalog_s = time.perf_counter() - t
    out(f"sweep pydatalog: {len(chosen)} scenarios in {pydatalog_s:.1f} s")
    disagreements = compare(sweep.models(12), reference)
    for line in disagreements[:5]:
        print(f"disagreement: {line}", file=sys.stderr)
    broken = sum(1 for _, problems in reference.values() if problems)
    out(f"  differential on the shared {len(chosen)}: {len(disagreements)} disagreements "
        f"(full models and invariants broken); {broken} break an invariant in pyDatalog")
    return len(disagreements) + len(enumeration.broken) + broken


# --- the closure -------------------------------------------------------------------------------

CHAIN_TEXT = """**1. Definitions**
1.1. A node is reachable from another when a path of links leads to it.
"""

CHAIN_VOCABULARY = """
areas:
  graph: Graph
inputs:
  link:
    args: {from: id, to: id}
    doc: A link from one node to another.
    area: graph
conclusions:
  reach:
    args: {from: id, to: id}
    doc: The second node is reachable from the first.
    area: graph
"""

CHAIN_RULES = """
@rule reach_link
@cites 1.1
@gloss A link makes a node reachable.
@quote 1.1 "a path of links leads to it"
reach(X, Y) :- link(X, Y).

@rule reach_path
@cites 1.1
@gloss A path of links makes a node reachable.
@quote 1.1 "a path of links leads to it"
reach(X, Z) :- reach(X, Y), link(Y, Z).
"""

_CHILD = """
import json, sys, time
spec = json.loads(sys.argv[1])
sys.path.insert(0, spec["root"])
import kb
t = time.perf_counter()
base = kb.load_knowledge_base(spec["kb"], backend=spec["backend"])
facts = [("link", (f"n{i}", f"n{i + 1}")) for i in range(spec["nodes"] - 1)]
model = base.engine.evaluate(facts)
print(json.dumps({"seconds": time.perf_counter() - t, "reach": len(model["reach"])}))
"""


def write_chain_kb(folder: Path) -> Path:
    """A knowledge base with one recursive relation: reachability over links."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "terms.md").write_text(CHAIN_TEXT, encoding="utf-8")
    (folder / "vocabulary.yaml").write_text(textwrap.dedent(CHAIN_VOCABULARY), encoding="utf-8")
    (folder / "rules").mkdir(exist_ok=True)
    (folder / "rules" / "graph.dl").write_text(textwrap.dedent(CHAIN_RULES), encoding="utf-8")
    (folder / "agreement.yaml").write_text(
        "name: chain\ntitle: Reachability over a chain\ntext: terms.md\nvocabulary: vocabulary.yaml\nrules: rules\n",
        encoding="utf-8")
    return folder


def closure_run(backend: str, nodes: int, timeout: float, folder: Path) -> float | None:
    """Seconds to load and evaluate the closure of a ``nodes``-node chain in a child process, or
    None if it was killed at ``timeout`` seconds. The count of conclusions is checked."""
    spec = json.dumps({"root": str(ROOT), "kb": str(folder), "backend": backend, "nodes": nodes})
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, spec], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED="0"))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, 9)  # the compiled engine ignores SIGINT and SIGTERM
        proc.communicate()
        return None
    if proc.returncode != 0:
        raise RuntimeError(f"the {backend} closure failed: {err.strip().splitlines()[-1] if err.strip() else proc.returncode}")
    result = json.loads(out)
    expected = nodes * (nodes - 1) // 2
    if result["reach"] != expected:
        raise RuntimeError(f"the {backend} closure has {result['reach']} conclusions, expected {expected}")
    return result["seconds"]


def closure_figures(quick: bool = False, out=print, nodes: int = 2000) -> None:
    """Print the two closure lines (pyDatalog bounded at 300 s, 10 s when quick)."""
    limits = {"clingo": 120.0 if quick else 600.0, "pydatalog": 10.0 if quick else 300.0}
    with tempfile.TemporaryDirectory(prefix="kb-closure-") as tmp:
        folder = write_chain_kb(Path(tmp) / "chain")
        for backend in ("clingo", "pydatalog"):
            seconds = closure_run(backend, nodes, limits[backend], folder)
            shown = f"> {limits[backend]:.0f} s" if seconds is None else f"{seconds:.1f} s"
            out(f"closure {backend}: {nodes}-node chain in {shown}")


GROUPS = {"sweep": lambda quick: sweep_figures(quick=quick),
          "closure": lambda quick: closure_figures(quick=quick, nodes=300 if quick else 2000)}


if __name__ == "__main__":
    args = sys.argv[1:]
    quick = "--quick" in args
    for name in [a for a in args if not a.startswith("--")] or list(GROUPS):
        GROUPS[name](quick)
