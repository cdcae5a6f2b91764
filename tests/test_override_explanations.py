"""Explanations show the exceptions that were considered: not applicable, or defeated by
an exception to the exception."""
from __future__ import annotations

RULES = {"graph": """
    @rule flag_red
    @cites 1.1
    @gloss Red nodes are flagged.
    @quote 1.1 "A node is reachable"
    flagged(N) :- paint(N, red).

    @rule isolated_red_not_flagged
    @cites 1.2
    @gloss An isolated red node is not flagged.
    @quote 1.2 "A node is isolated when nothing is reachable from it"
    @overrides flag_red
    not flagged(N) :- paint(N, red), isolated(N).

    @rule linked_back_flagged
    @cites 1.1
    @gloss An isolated red node that something links to is flagged after all.
    @quote 1.1 "a path of links leads to it"
    @overrides isolated_red_not_flagged
    flagged(N) :- paint(N, red), isolated(N), link(_, N).

    @rule isolated_node
    @cites 1.2
    @gloss A node with no outgoing link is isolated.
    @quote 1.2 "nothing is reachable from it"
    isolated(N) :- node(N), not reach(N, N), not has_link(N).

    @rule has_outgoing
    @cites 1.1
    @gloss A node with an outgoing link.
    @quote 1.1 "a path of links"
    reach(N, M) :- link(N, M).
"""}

VOCAB_EXTRA = """
  has_link:
    args: {n: id}
    doc: The node has an outgoing link.
    area: graph
"""


def small(make_kb):
    from conftest import SMALL_VOCABULARY

    rules = dict(RULES)
    rules["graph"] += """
    @rule has_link_rule
    @cites 1.1
    @gloss Outgoing link.
    @quote 1.1 "links"
    has_link(N) :- link(N, _).
    """
    return make_kb(rules, vocabulary=SMALL_VOCABULARY + VOCAB_EXTRA)


def test_rule_applies_when_its_exception_does_not(make_kb):
    base = small(make_kb)
    result = base.evaluate(["node(a)", "paint(a, red)", "link(a, b)"])
    explanation = result.explain("flagged(a)")
    assert explanation.to_text().splitlines() == [
        "flagged(a).",  # the small vocabulary has no sentence templates: its atoms are shown as written
        "  because red nodes are flagged [1.1; rule flag_red]",
        '    1.1: "A node is reachable"',
        "  - the exception does not apply: 1.2 red not flagged",
        "  - paint(a, red)  (stated in the scenario)",
        "Clauses relied on:",
        "  1.1: A node is reachable from another when a path of links leads to it."]
    assert ("    - 1.2 red not flagged: isolated(a): does not hold [1.2; rule isolated_red_not_flagged]"
            in explanation.to_text(verbose=True).splitlines())
    assert ("    - 1.2 red not flagged: isolated(a) does not hold [1.2; rule isolated_red_not_flagged]"
            in explanation.to_text(atoms=True, verbose=True).splitlines())


def test_exception_defeats_the_rule(make_kb):
    base = small(make_kb)
    result = base.evaluate(["node(a)", "paint(a, red)"])
    assert result.ask("flagged(N)") == []
    why = result.why_not("flagged(a)")
    by_rule = {r.rule.id: r for r in why.reasons}
    assert by_rule["flag_red"].failed == "defeated by exception 'isolated_red_not_flagged'"
    assert by_rule["linked_back_flagged"].detail == "link(_, a) is not a fact of the scenario"


def test_exception_to_the_exception_restores_the_conclusion(make_kb):
    base = small(make_kb)
    result = base.evaluate(["node(a)", "node(b)", "paint(a, red)", "link(b, a)"])
    assert result.ask("flagged(N)") == [{"N": "a"}]
    text = result.explain("flagged(a)").to_text()
    lines = text.splitlines()
    # the first rule found that concludes flagged(a) is the base rule, whose exception was defeated
    assert lines[1] == "  because red nodes are flagged [1.1; rule flag_red]"
    assert ("  - the exception 1.2 red not flagged applies, but is itself defeated "
            "[1.2; rule isolated_red_not_flagged]") in lines
    assert ("      because an isolated red node that something links to is flagged after all "
            "[1.1; rule linked_back_flagged]") in lines
