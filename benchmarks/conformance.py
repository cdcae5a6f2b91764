"""The whole public Datalog conformance suite (PyPI ``datalog-conformance``) through the kit, on
both back ends, the two largest programs (lubm, hmmer) included: the tests run the quick cases
(tests/test_conformance.py), this runs them all.

    python benchmarks/conformance.py          (or: python benchmarks/run.py --only conformance)

Prints one line per back end: ``conformance clingo: P pass, ... of N cases in X s``, with the
outcomes of tests/conformance_adapter.py (pass, rejected = an invalid program refused with file
and line, budget = pyDatalog stopped a recursive component at its time budget, not applicable,
fail = a wrong answer: must be 0).
"""
from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

BUDGET = 20.0  # seconds for one recursive component on pyDatalog (as in the tests)


def run(backend: str, suites=None, limit: int | None = None) -> tuple[Counter, float, list[str]]:
    from conformance_adapter import CORE_SUITES, lift_input_limits, load_cases, run_case

    lift_input_limits()  # lubm and hmmer are 3 to 12 MB of synthetic facts

    counts: Counter = Counter()
    failures: list[str] = []
    cache: dict = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, (suite, case) in enumerate(load_cases(suites or CORE_SUITES)[:limit]):
            outcome = run_case(case, Path(tmp) / f"case{i}", backend, budget=BUDGET, cache=cache)
            counts[outcome.status] += 1
            if outcome.status == "fail":
                failures.append(f"{suite}/{case.name}: {outcome.detail}")
    return counts, time.perf_counter() - start, failures


def main(quick: bool = False) -> None:
    """Every case (``quick``: the first 6 cases of the basic suite, a smoke run of the same code)."""
    order = ("pass", "rejected", "budget", "not applicable", "fail")
    for backend in ("clingo", "pydatalog"):
        counts, seconds, failures = run(backend, ("basic",) if quick else None, 6 if quick else None)
        parts = ", ".join(f"{counts[k]} {k}" for k in order if counts[k] or k == "fail")
        print(f"conformance {backend}: {parts} of {sum(counts.values())} cases in {seconds:.1f} s", flush=True)
        for line in failures:
            print(f"  FAIL {line}")


if __name__ == "__main__":
    main()
