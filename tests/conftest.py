"""Shared fixtures: the built-in agreement, and small temporary knowledge bases."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import kb

SMALL_TEXT = """**1. Definitions**
1.1. A node is reachable from another when a path of links leads to it.
1.2. A node is isolated when nothing is reachable from it.

**2. Fees**
2.1. The fee is due 7 days before the renewal date.
"""

SMALL_VOCABULARY = """
areas:
  graph: Graph
types:
  colour:
    kind: enum
    doc: A colour.
    values:
      red: red
      blue: blue
inputs:
  node:
    args: {n: id}
    doc: A node.
    area: graph
  link:
    args: {from: id, to: id}
    doc: A link.
    area: graph
  paint:
    args: {n: id, c: colour}
    doc: The node is painted.
    area: graph
  due:
    args: {d: date}
    doc: A due date.
    area: graph
  paid:
    args: {d: date}
    doc: A payment date.
    area: graph
  fee:
    args: {a: amount}
    doc: A fee.
    area: graph
conclusions:
  reach:
    args: {from: id, to: id}
    doc: Reachable.
    area: graph
  isolated:
    args: {n: id}
    doc: Isolated.
    area: graph
  on_time:
    args: {d: date}
    doc: Paid on time.
    area: graph
  flagged:
    args: {n: id}
    doc: Flagged.
    area: graph
"""


# reachability, flags and payment dates over the small vocabulary: graph and what-if tests
REACH_FLAG_PAID_RULES = {"graph": """
    @rule reach_link
    @cites 1.1
    @gloss A link makes a node reachable.
    @quote 1.1 "a path of links leads to it"
    reach(X, Y) :- link(X, Y).
    @rule flag_node
    @cites 1.2
    @gloss A node that reaches another is flagged.
    @quote 1.2 "nothing is reachable from it"
    flagged(X) :- node(X), reach(X, _).
    @rule paid_on_time
    @cites 2.1
    @gloss A payment by the due date is on time.
    @quote 2.1 "The fee is due"
    on_time(D) :- due(D), paid(P), P <= D.
    """}


def write_kb(root: Path, rules: dict[str, str], vocabulary: str = SMALL_VOCABULARY,
             text: str = SMALL_TEXT, coverage: str | None = None, constraints: str | None = None) -> Path:
    """Write a small knowledge base folder (rule files given as {stem: text}; ``coverage`` and
    ``constraints`` the text of those optional files) and return it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "terms.md").write_text(text, encoding="utf-8")
    (root / "vocabulary.yaml").write_text(textwrap.dedent(vocabulary), encoding="utf-8")
    (root / "rules").mkdir(exist_ok=True)
    for stem, body in rules.items():
        (root / "rules" / f"{stem}.dl").write_text(textwrap.dedent(body), encoding="utf-8")
    manifest = "name: small\ntitle: Small test agreement\ntext: terms.md\nvocabulary: vocabulary.yaml\nrules: rules\n"
    if coverage is not None:
        (root / "coverage.yaml").write_text(coverage, encoding="utf-8")
        manifest += "coverage: coverage.yaml\n"
    if constraints is not None:
        (root / "constraints.yaml").write_text(textwrap.dedent(constraints), encoding="utf-8")
        manifest += "constraints: constraints.yaml\n"
    (root / "agreement.yaml").write_text(manifest, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def agreement() -> kb.KnowledgeBase:
    return kb.load_agreement()


@pytest.fixture
def make_kb(tmp_path):
    """make_kb({"graph": RULES}) -> a loaded KnowledgeBase from a temporary folder."""
    counter = iter(range(1000))

    def make(rules: dict[str, str], **kwargs) -> kb.KnowledgeBase:
        return kb.load_knowledge_base(write_kb(tmp_path / f"kb{next(counter)}", rules, **kwargs))

    return make


OPEN_SCENARIO = """scenario: "DDoS outage: liability open on whether the attack could be foreseen, 9.1, 9.2"
facts:
  - event(attack, ddos_attack)
  - suffered(jd_cloud, attack)
  - affects_performance(attack, impossible)
  - breach(jd_cloud, outage)
  - breach_caused_by(outage, attack)
  - criterion_met(attack, insurmountable)
  - criterion_met(attack, unavoidable)
  - criterion_met(attack, significant_impact)
unknown:
  - criterion_met(attack, unforeseeable)
"""


@pytest.fixture
def open_scenario_file(tmp_path) -> Path:
    """A DDoS outage whose foreseeability is in question: JD Cloud's liability is open."""
    path = tmp_path / "open.yaml"
    path.write_text(OPEN_SCENARIO, encoding="utf-8")
    return path
