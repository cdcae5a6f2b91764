"""A rule-based legal reasoning kit: agreements as clause trees, rules with provenance,
scenarios, and explained answers.

The small public API::

    import kb
    agreement = kb.load_agreement()                 # the built-in JCS for Kubernetes terms
    agreement.clause("9.2").text                    # a clause of the text
    result = agreement.evaluate("force_majeure_earthquake_outage_provider_not_liable.yaml")  # or facts
    result.conclusions                              # every conclusion, sorted
    result.answer("exempt_from_liability(P, B)")    # yes, no or open, with the answers
    result.explain("exempt_from_liability(jd_cloud, outage)")   # derivation, clause ids, quotes
    result.why_not("liable(jd_cloud, outage)")      # failing or defeating conditions
    kb.diff(result_a, result_b)                     # conclusions gained and lost
    agreement.scenario(facts, denied=[...], unknown=[...])      # facts denied or in question
    agreement.catalogue(search="refund")            # the vocabulary as a catalogue

Every error on bad input is a :class:`kb.KbError` (file, line, suggestion).
"""
from __future__ import annotations

from .answers import Answer
from .clauses import Clause, ClauseTree, parse_agreement
from .errors import KbError
from .explain import Explanation, WhyNot
from .knowledge import Conclusion, Diff, Evaluation, KnowledgeBase, diff, load_agreement, load_knowledge_base
from .scenario import Scenario



def clause_graph(knowledge_base: KnowledgeBase | None = None):
    """The clause dependency graph (a networkx DiGraph, clause ids as node keys, edge attribute
    ``kind``) of a knowledge base: the built-in agreement by default. See :mod:`kb.graph`."""
    from .graph import clause_graph as build

    return build(knowledge_base if knowledge_base is not None else load_agreement())


def __getattr__(name: str):
    """``kb.batch`` (a portfolio of records evaluated against the terms, :mod:`kb.batch`) is
    imported on first use, so ``import kb`` does not load pandas, pyarrow or Dask."""
    if name == "batch":
        import importlib

        return importlib.import_module(".batch", __name__)
    raise AttributeError(f"module 'kb' has no attribute '{name}'")


def load_ipython_extension(ipython) -> None:
    """``%load_ext kb``: registers the ``%%kb_rules`` cell magic (:mod:`kb.magic`)."""
    from .magic import load_ipython_extension as load

    load(ipython)


__all__ = [
    "Answer", "Clause", "ClauseTree", "Conclusion", "Diff", "Evaluation", "Explanation", "KbError", "KnowledgeBase",
    "Scenario", "WhyNot", "batch", "clause_graph", "diff", "load_agreement", "load_knowledge_base", "parse_agreement",
]
