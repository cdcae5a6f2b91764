"""The clause dependency graph (kb.graph): edges, queries, exports, pictures and the CLI."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from conftest import REACH_FLAG_PAID_RULES
from kb import KbError
from kb import graph as G
from kb.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def g(agreement):
    return G.clause_graph(agreement)


def test_nodes_are_clauses_and_conclusions(agreement, g):
    clauses = [n for n, d in g.nodes(data=True) if d["kind"] == "clause"]
    assert clauses == agreement.clauses.ids()  # every clause, in document order
    assert g.nodes["9.2"]["section"] == "9" and g.nodes["9.2"]["text"].startswith("Force majeure")
    assert g.nodes["pred:force_majeure"]["kind"] == "conclusion"
    assert not any(n.startswith(("pred:fires__", "pred:blocked__", "pred:value__")) for n in g)


def test_refers_edges_of_3_1_3_12(g):
    assert G.edges_of_kind(g, "refers", "3.1.3.12") == {("3.1.3.12", f"3.1.3.{i}") for i in range(1, 12)}
    assert g.edges["3.1.3.12", "3.1.3.5"]["evidence_refers"] == "the above provisions"


def test_refers_and_survives_edges_of_11_3(g):
    assert G.edges_of_kind(g, "refers", "11.3") == {("11.3", "5"), ("11.3", "6"), ("11.3", "10"), ("11.3", "5.1")}
    survives = G.edges_of_kind(g, "survives", "11.3")
    assert {("11.3", "5"), ("11.3", "6"), ("11.3", "10")} <= survives
    # from the survival rules: 3.2.5 (surv_jd_cloud_confidentiality), 4.3, 7.3.3-7.3.5 ...
    assert {("11.3", "3.2.5"), ("11.3", "4.3"), ("11.3", "7.3.4")} <= survives
    assert g.edges["11.3", "10"]["evidence_refers"] == "governing law and dispute resolution terms"
    assert G.edges_of_kind(g, "survives", "6.4") == {("6.4", "6")}


def test_other_curated_references(g):
    for u, v, phrase in [("3.2.4", "9", "force majeure"), ("11.1", "2.1", "order page"), ("6.4", "6", "this term")]:
        assert g.edges[u, v]["evidence_refers"] == phrase


def test_every_reference_phrase_occurs_in_its_source_clause(agreement):
    refs = G.load_references(agreement)
    assert len(refs) >= 20
    for ref in refs:
        assert ref["phrase"].lower() in agreement.clauses[ref["from"]].text.lower(), ref


def test_overrides_edge_from_force_majeure_exception(g):
    assert ("9.1", "8.1") in G.edges_of_kind(g, "overrides")
    assert "exception fm_no_liability overrides liable_for_breach" in g.edges["9.1", "8.1"]["evidence_overrides"]
    assert g.edges["9.1", "8.1"]["kind"] == "overrides"


def test_uses_and_concludes_edges(g):
    # fm_excuses_party cites 9.1 and uses force_majeure, concluded by rules citing 9.2
    assert "rule fm_excuses_party uses force_majeure" in g.edges["9.1", "9.2"]["evidence_uses"]
    deps = G.dependencies(g, "9.2")
    # 8.1: the rules of 9.2 read the operative cause of a failure (chains of causes, rules citing 8.1);
    # 3.1.5: one way to an operative cause is a third party's act the user's improper safekeeping made possible
    assert deps["uses"] == ["3.1.5", "8.1", "9.1"]
    assert "pred:force_majeure" in deps["concludes"]


def test_impact_set_of_9_2(g):
    impact = G.impact_set(g, "9.2")
    # what force majeure decides: the event, its excuse, and the liability it defeats
    assert {"pred:force_majeure", "pred:force_majeure_excuses", "pred:meets_all_fm_criteria",
            "pred:listed_event_kind", "pred:exempt_from_liability", "pred:partly_exempt_from_liability",
            "pred:liable", "9.1", "3.2.4", "8.1", "7.3.4"} <= impact
    # nothing unrelated: jurisdiction, disclosure, data retention, fees, change of terms
    unrelated = {"pred:governing_law", "pred:disclosure_permitted", "pred:confidentiality_duty",
                 "pred:data_retention_last_day", "pred:must_store_data_on", "pred:deemed_accepted_change",
                 "pred:complaint_measure", "10.1", "10.2", "6.1", "6.2", "4.3", "2.1", "11.1",
                 # reached only through a generic predicate with a clashing constant
                 # (violated(user, ...) vs violated(jd_cloud, ...)), or through a join that
                 # cannot hold (violated(jd_cloud, C), confidentiality_duty(C) for a duty that
                 # is no confidentiality duty)
                 "5.1", "5.3", "3.2.5", "3.1.1", "3.1.3.11", "3.1.3.12"}
    assert impact & unrelated == set()
    # a force-majeure excuse of the user's breach changes the governing ground of a termination and so
    # which 7.3.5 refund rule applies, including its pay-as-you-go spending under the published billing;
    # liability for a data loss decides whether the missing backup reduces it (3.1.10); force majeure
    # stops a chain of causes, so it decides which cause is operative: whether a defect (3.1.9), a
    # maintenance interruption or path blocking (8.2) or a measure of JD Cloud (3.2.1) excuses
    assert [n for n in G.sort_nodes(impact) if not n.startswith(G.PRED)] == [
        "2.2.2", "3.1.4", "3.1.5", "3.1.9", "3.1.10", "3.2.1", "3.2.3", "3.2.4", "7.3", "7.3.3", "7.3.4", "7.3.5",
        "8.1", "8.2", "8.2.1", "8.2.2", "8.3", "8.4", "9.1", "11.3"]
    assert "9.2" not in impact


def test_impact_set_follows_references_to_a_containing_section(g):
    # 3.2.4 names "force majeure", a reference to section 9 and so to 9.2 inside it
    assert ("3.2.4", "9") in G.edges_of_kind(g, "refers")
    assert "3.2.4" in G.impact_set(g, "9.2")
    assert "3.2.4" in G.impact_set(g, "9")


def test_reads_edges(g):
    # fm_excuses_party cites 9.1 and concludes force_majeure_excuses from force_majeure
    assert ("9.1", "pred:force_majeure") in G.edges_of_kind(g, "reads")
    assert ("pred:force_majeure_excuses", "pred:force_majeure") in G.edges_of_kind(g, "reads")
    assert "rule fm_excuses_party uses force_majeure" in \
        g.edges["pred:force_majeure_excuses", "pred:force_majeure"]["evidence_reads"]


def test_explanation_subgraph(agreement, g):
    result = agreement.evaluate("force_majeure_earthquake_outage_provider_not_liable.yaml")
    exempt = result.matching("exempt_from_liability(P, B)")
    assert exempt
    expl = result.explain(exempt[0])
    sub = G.explanation_subgraph(g, expl)
    assert set(expl.clause_ids()) <= set(sub)
    assert "pred:exempt_from_liability" in sub


def test_cycles_are_reported_deterministically(g):
    short = G.cycles(g, length_bound=2)
    assert short == G.cycles(g, length_bound=2)
    assert all(len(c) == 2 and (c[1], c[0]) in g.edges and (c[0], c[1]) in g.edges for c in short)
    assert ["9.1", "9.2"] in short
    groups = G.cyclic_groups(g)
    assert any({"9.1", "9.2"} <= set(grp) for grp in groups)


def test_untouched_clauses(agreement):
    params = agreement.program.params
    cited = {c for r in agreement.program.all_rules() for c in r.cites}
    cited |= {c for p in (params.values() if isinstance(params, dict) else params) for c in p.cites}
    untouched = G.untouched_clauses(agreement, include_headings=True)
    assert untouched == [c for c in agreement.clauses.numbered_ids() if c not in cited]
    assert "9" in untouched and "9.2" not in untouched
    # every clause with text of its own is cited by some rule or parameter
    assert G.untouched_clauses(agreement) == []


def test_uses_edges_follow_the_rules(make_kb):
    v1 = make_kb({"graph": """
        @rule reach_link
        @cites 1.1
        @gloss A link makes a node reachable.
        @quote 1.1 "a path of links leads to it"
        reach(X, Y) :- link(X, Y).
        @rule flag_reach
        @cites 1.2
        @gloss A node that reaches another is flagged.
        @quote 1.2 "nothing is reachable from it"
        flagged(X) :- reach(X, _).
        """})
    v2 = make_kb({"graph": """
        @rule reach_link
        @cites 1.1
        @gloss A link makes a node reachable.
        @quote 1.1 "a path of links leads to it"
        reach(X, Y) :- link(X, Y).
        @rule flag_node
        @cites 2.1
        @gloss A node that reaches another is flagged (variant citing 2.1).
        @quote 2.1 "The fee is due"
        flagged(X) :- node(X), reach(X, _).
        """})
    g1, g2 = G.clause_graph(v1), G.clause_graph(v2)
    assert G.edges_of_kind(g1, "uses") == {("1.2", "1.1")}
    assert G.edges_of_kind(g2, "uses") == {("2.1", "1.1")}
    assert g1.edges["1.2", "1.1"]["evidence"] == "rule flag_reach uses reach"
    assert G.impact_set(g1, "1.1") == {"1.2", "pred:reach", "pred:flagged"}
    assert G.edges_of_kind(g1, "reads") == {("1.2", "pred:reach"), ("pred:flagged", "pred:reach")}
    assert G.edges_of_kind(g1, "refers") == set()  # no references.yaml in that folder


def test_impact_set_does_not_sweep_in_a_clauses_unrelated_rules(make_kb):
    # the flag rule cites 2.1 here, beside 2.1's unrelated payment rule
    rules = REACH_FLAG_PAID_RULES["graph"].replace("@cites 1.2", "@cites 2.1").replace(
        '@quote 1.2 "nothing is reachable from it"', '@quote 2.1 "The fee is due"')
    kb2 = make_kb({"graph": rules})
    g2 = G.clause_graph(kb2)
    assert G.impact_set(g2, "1.1") == {"2.1", "pred:reach", "pred:flagged"}
    assert G.impact_set(g2, "2.1") == {"pred:flagged", "pred:on_time"}


def test_exports_round_trip(agreement, g, tmp_path):
    path = tmp_path / "g.graphml"
    G.to_graphml(g, path)
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == g.number_of_nodes() and back.number_of_edges() == g.number_of_edges()
    text = G.to_node_link_json(g)
    assert text == G.to_node_link_json(G.clause_graph(agreement))
    again = G.from_node_link_json(text)
    assert again.number_of_nodes() == g.number_of_nodes() and again.number_of_edges() == g.number_of_edges()
    assert again.edges["9.1", "8.1"]["kind"] == "overrides"


def test_neighbourhood(g):
    nb = G.neighbourhood(g, "9.2")
    assert {"9", "9.1", "9.2", "3.2.4", "pred:force_majeure"} <= set(nb)
    assert "10.1" not in nb
    with pytest.raises(KbError):
        G.neighbourhood(g, "9.9")


def test_svg_is_byte_identical(agreement, g):
    nb = G.neighbourhood(g, "9.2")
    a, b = G.render_svg(nb), G.render_svg(G.neighbourhood(G.clause_graph(agreement), "9.2"))
    assert a == b
    assert a.startswith("<?xml") and "Generated by graphviz" not in a
    assert "edge kinds" in a and "Force Majeure" in a


SNIPPET = ("import hashlib, kb; from kb import graph as G; "
           "g = G.clause_graph(kb.load_agreement()); "
           "print(hashlib.sha256(G.render_svg(G.neighbourhood(g, '9.2')).encode()).hexdigest())")


def test_svg_is_identical_across_hash_seeds(g):
    expected = hashlib.sha256(G.render_svg(G.neighbourhood(g, "9.2")).encode()).hexdigest()
    for seed in ("0", "1"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", SNIPPET], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True)
        assert out.stdout.strip() == expected


def test_cli_graph_writes_svg(tmp_path, capsys):
    out = tmp_path / "n.svg"
    assert main(["graph", "--clause", "9.2", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<?xml")
    assert "9.2" in out.read_text(encoding="utf-8")


def test_cli_graph_unknown_clause(tmp_path, capsys):
    assert main(["graph", "--clause", "9.9", "--out", str(tmp_path / "x.svg")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "9.9" in err
    assert not (tmp_path / "x.svg").exists()


def test_cli_graph_impact_and_overview(tmp_path, capsys):
    out = tmp_path / "impact.svg"
    assert main(["graph", "--clause", "9.2", "--impact", "--out", str(out)]) == 0
    svg = out.read_text(encoding="utf-8")
    assert "what an amendment of 9.2 could change" in svg and "<title>3.2.4</title>" in svg
    assert "<title>10.1</title>" not in svg
    assert main(["graph", "--out", str(tmp_path / "sections.svg")]) == 0
    svg = (tmp_path / "sections.svg").read_text(encoding="utf-8")
    assert "<title>9</title>" in svg and "<title>9.2</title>" not in svg
    assert main(["graph", "--impact", "--out", str(tmp_path / "x.svg")]) == 2
    assert "--impact needs --clause" in capsys.readouterr().err


def test_the_package_gives_the_built_in_agreements_graph():
    import kb

    g = kb.clause_graph()
    assert g.is_directed() and "9.2" in g and "preamble" in g
    assert {g.edges[e]["kind"] for e in g.edges} >= {"contains", "refers", "uses", "overrides", "survives"}


def test_impact_paths_say_why(g):
    paths = G.impact_paths(g, "9.2")
    assert set(paths) == G.impact_set(g, "9.2")
    # 3.2.4 names force majeure, i.e. section 9, which contains 9.2
    assert paths["3.2.4"] == [("9.2", "9", "contains: 9 contains 9.2"), ("9", "3.2.4", "refers: force majeure")]
    # liability falls with the 9.1 exception, which 9.2 feeds
    assert [step[:2] for step in paths["pred:liable"]] == [("9.2", "9.1"), ("9.1", "pred:liable")]
    assert paths["pred:liable"][1][2] == "concludes: rule fm_no_liability"
    edges = G.impact_edges(g, "9.2")
    assert all(g.has_edge(u, v) for u, v in edges)
    assert ("3.2.4", "9") in edges and ("9", "9.2") in edges


def test_impact_of_an_unknown_clause_is_an_error(g):
    with pytest.raises(KbError, match="no clause '9.99' in the graph"):
        G.impact_set(g, "9.99")


def test_section_graph(g):
    sg = G.section_graph(g)
    assert list(sg) == ["preamble", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]
    # 9.1's exception defeats 8.1's liability rule; 11.3 keeps section 6 in force
    assert G.has_kind(sg.edges["9", "8"], "overrides")
    assert G.has_kind(sg.edges["11", "6"], "survives")
    assert not sg.has_edge("9", "9")


def test_layout_is_deterministic_and_complete(g):
    nodes = sorted(G.neighbourhood(g, "9.2"))
    first = G.layout(g, nodes)
    assert sorted(first) == nodes
    assert first == G.layout(g, nodes)
    assert all(isinstance(x, float) and isinstance(y, float) for x, y in first.values())


def test_pictures_draw_only_the_edges_asked_for(g):
    edges = G.impact_edges(g, "9.2")
    nodes = {n for e in edges for n in e}
    dot = G.to_dot(g, nodes, edges=edges, kinds=G.KINDS)
    drawn = {tuple(part.strip('"') for part in line.split(" [", 1)[0].strip().split(" -> "))
             for line in dot.splitlines() if " -> " in line and "legend_" not in line}
    assert drawn == edges


@pytest.mark.parametrize("argv, message", [
    (["--out", "x.png"], "error: x.png: the graph command draws SVG; give a file name ending in .svg"),
    (["--clause", "9.2", "--out", "{tmp}/nofolder/x.svg"], "error: {tmp}/nofolder/x.svg: No such file or directory"),
])
def test_cli_graph_bad_output_is_one_clear_line(tmp_path, capsys, argv, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["graph", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err == message.replace("{tmp}", str(tmp_path))


def test_pointers_are_drawn_but_not_followed_by_impact(g):
    # the preamble only draws attention to the court selection of 10.2
    assert ("preamble", "10.2") in G.edges_of_kind(g, "points")
    assert ("preamble", "10.2") not in G.edges_of_kind(g, "refers")
    assert g.edges["preamble", "10.2"]["evidence_points"] == "the selection terms of jurisdictional courts"
    assert "preamble" not in G.impact_set(g, "9.2")
    # 10.2's court reaches the preamble's rules of precedence through the rules (what the
    # click-accepted terms provide on the court), never through the pointer
    assert G.impact_paths(g, "10.2")["preamble"] == [
        ("10.2", "pred:click_terms_provide", "concludes: rule jur_10_2_daxing_court"),
        ("pred:click_terms_provide", "preamble", "reads: rule prec_click_text_says_what_it_says uses click_terms_provide")]


# --- titles, the focus, search, pictures that fit -----------------------------------------

def test_short_titles_cut_at_a_word_boundary():
    assert G.short_title("Force majeure or accidental events refer to unforeseeable, insurmountable events") == \
        "Force majeure or accidental events refer…"
    # an acknowledgment's lead-in and asides in brackets say nothing about the clause
    assert G.short_title("You understand and agree that JD Cloud may suspend the service (for maintenance) "
                         "at any time without notice.") == "JD Cloud may suspend the service…"
    assert G.short_title("Data backup is your obligation and responsibility.") == \
        "Data backup is your obligation and responsibility"
    assert G.short_title("") == ""
    # a sentence template read as a pattern: a placeholder after its own noun is left out
    assert G.pattern_sentence("{party} is exempt from liability for the failure {breach}") == \
        "The party is exempt from liability for the failure"
    assert G.pattern_sentence("{kind} is among the {category} that 9.2 lists") == \
        "The kind is among the category that 9.2 lists"


def test_every_node_has_a_title_and_a_label(agreement, g):
    assert all(d["title"] for _, d in g.nodes(data=True))
    assert G.node_label(g, "9") == "9 Force Majeure"  # the heading
    assert G.node_label(g, "9.2") == "9.2 Force majeure or accidental events refer…"  # the first words
    assert G.node_label(g, "3.1.10") == "3.1.10 Data backup is your obligation and responsibility"
    # a conclusion by its sentence template, and its name
    assert G.node_label(g, "pred:force_majeure") == "The event is force majeure (force_majeure)"
    # when the pattern names two arguments alike ("the event ... the event"), the doc says which is which
    assert g.nodes["pred:event_behind"]["title"] == "The second event caused the first, directly or…"
    assert G.section_graph(g).nodes["9"]["title"] == "Force Majeure"


FOCUS_9_2 = (
    ("3.2.4", "pred:force_majeure", "pred:force_majeure_excuses", "pred:hacker_attack_kind",
     "pred:listed_event_kind", "pred:meets_all_fm_criteria"),
    ("8.1", "9.2", "9.1"),
    ("3.1.5", "pred:event_behind", "pred:failure_traced_to", "pred:operative_cause", "pred:party_cause_between",
     "pred:suffers_event"),
)


def test_focus_on_9_2_left_to_right(g):
    f = G.focus(g, "9.2 ")
    # left: what relies on 9.2 (3.2.4 names force majeure; the conclusions its rules draw);
    # centre: 9.2 between the clauses in a cycle with it; right: what 9.2 relies on
    assert f.columns == FOCUS_9_2
    assert f.dependents == G.sort_nodes(FOCUS_9_2[0]) and f.mutual == ["8.1", "9.1"]
    assert f.dependencies == G.sort_nodes(FOCUS_9_2[2])
    assert f.summary() == ("left: 1 clause and 5 conclusions relying on 9.2; beside it: 2 clauses in a cycle "
                           "with it; right: 1 clause and 5 conclusions 9.2 relies on")
    pos = f.positions()
    assert [pos[col[0]][0] for col in f.columns] == [-G.FOCUS_COLUMN_WIDTH, 0.0, G.FOCUS_COLUMN_WIDTH]
    assert pos["9.2"] == (0.0, 0.0)  # in the middle of its column
    assert [pos[n][1] for n in FOCUS_9_2[0]] == sorted((pos[n][1] for n in FOCUS_9_2[0]), reverse=True)  # top down
    # every edge goes from a node to one it relies on, rightwards (or within the centre, to or from 9.2)
    assert f.edges and all(pos[a][0] < pos[b][0] or (pos[a][0] == pos[b][0] == 0 and "9.2" in (a, b))
                           for a, b, _ in f.edges)
    assert ("3.2.4", "9.2", "uses") in f.edges and ("pred:force_majeure", "9.2", "concludes") in f.edges
    assert ("9.2", "3.1.5", "uses") in f.edges and ("9.1", "9.2", "refers") in f.edges
    with pytest.raises(KbError):
        G.focus(g, "9.9")


def test_focus_on_everything_that_depends_on_9_2(g):
    f = G.focus(g, "9.2", G.EVERYTHING)
    assert set(G.depending_on(g, "9.2")) == G.impact_set(g, "9.2") <= set(f.nodes)
    tree = G.dependents_tree(g, "9.2")
    assert tree["3.2.4"] == ("9", "refers", 2) and tree["9"] == ("9.2", "contains", 1)
    assert f.column_of["3.2.4"] == -2 and f.column_of["9"] == -1
    pos = f.positions()
    assert all(pos[a][0] < pos[b][0] or (pos[a][0] == pos[b][0] == 0 and "9.2" in (a, b)) for a, b, _ in f.edges)
    # a conclusion: the conclusions read from it, transitively, and the clauses whose rules read them
    assert "pred:force_majeure_excuses" in G.depending_on(g, "pred:force_majeure")
    liable = G.depending_on(g, "pred:liable")
    assert [n for n in liable if not n.startswith(G.PRED)] == ["3.1.10", "8.1", "8.3", "8.4"]
    assert {"pred:liability_capped", "pred:recoverable_damages"} <= set(liable)
    assert G.dependents_tree(g, "pred:liable")["8.3"] == ("pred:liable", "reads", 1)


def test_find_what_a_search_box_is_given(g):
    assert G.find(g, "9.2") == ["9.2"] and G.find(g, " 9.2. ") == ["9.2"]
    assert G.find(g, "force_majeure") == ["pred:force_majeure"]
    assert G.find(g, "force majeure")[:4] == ["9", "9.2", "3.2.4", "9.1"]  # ids and titles first, then texts
    assert G.find(g, "no such words anywhere") == [] and G.find(g, "  ") == []


def _svg_root(svg: str) -> str:
    import re
    return re.search(r"<svg[^>]*>", svg).group(0)


def test_pictures_fit_the_notebook_width(g):
    import re
    svg = G.render_svg(G.neighbourhood(g, "9.2"))
    root = _svg_root(svg)
    assert 'width="100%"' in root and 'height="' not in root and "pt\"" not in root
    view_w, view_h = (float(x) for x in re.search(r'viewBox="0\.00 0\.00 ([0-9.]+) ([0-9.]+)"', root).groups())
    # scaled down to the width, never up: at most its natural size (graphviz rounds it to a point)
    max_width = float(re.search(r"max-width:([0-9.]+)pt", root).group(1))
    assert abs(max_width - view_w) <= 1 and view_h > 0
    assert view_w > 800  # wider than a notebook cell at its natural size: it has to scale
    # fitting is done once: a fitted picture is left as it is
    assert G.fit_width(G.fit_width(svg)) == svg


def _legend_box(svg: str) -> tuple[float, float]:
    """Width and height of the legend's frame."""
    import re
    m = re.search(r"<title>cluster_legend</title>\s*<path[^>]*d=\"([^\"]*)\"", svg)
    nums = [float(x) for x in re.findall(r"-?[0-9.]+", m.group(1))]
    xs, ys = nums[0::2], nums[1::2]
    return max(xs) - min(xs), max(ys) - min(ys)


def test_the_legend_is_proportionate_to_the_picture(g):
    import re
    small = G.render_svg(g, ["9.1", "9.2"])  # two clauses, two edges: refers (9.1 -> 9.2), uses
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", small)
    assert [t for t in texts if t in G.KINDS] == ["refers", "uses"]  # only the kinds drawn
    _, height = (float(x) for x in re.search(r'viewBox="0\.00 0\.00 ([0-9.]+) ([0-9.]+)"', small).groups())
    legend_w, legend_h = _legend_box(small)
    assert legend_h < height / 2 and legend_w < 120
    big = G.render_svg(G.neighbourhood(g, "9.2"))
    assert [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", big) if t in G.KINDS] == \
        ["contains", "refers", "uses", "overrides", "concludes"]
    assert _legend_box(big)[1] < 100
    # no edge drawn, no legend
    assert "edge kinds" not in G.render_svg(g, ["9.2"])


FOCUS_SNIPPET = ("import json, kb; from kb import graph as G; g = G.clause_graph(kb.load_agreement()); "
                 "f = G.focus(g, '9.2'); e = G.focus(g, '9.2', G.EVERYTHING); "
                 "print(json.dumps([f.columns, f.positions(), f.edges, e.columns, e.edges, "
                 "[G.node_label(g, n) for n in e.nodes], G.find(g, 'force majeure')]))")


def test_focus_is_identical_across_hash_seeds():
    outs = set()
    for seed in ("0", "1"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", FOCUS_SNIPPET], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True)
        outs.add(out.stdout)
    assert len(outs) == 1


def test_cli_graph_never_overwrites_a_file_without_force(tmp_path, capsys):
    out = tmp_path / "mine.svg"
    out.write_text("someone else's drawing", encoding="utf-8")
    assert main(["graph", "--clause", "9.2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {out} exists: it is not overwritten (add --force to replace it)\n"
    assert out.read_text(encoding="utf-8") == "someone else's drawing"
    assert main(["graph", "--clause", "9.2", "--out", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("<?xml")
