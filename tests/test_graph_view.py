"""The interactive clause graph (widgets.graph_view), tested through its state in Python: what
it draws (nodes, labels, positions, edges), the camera and legend it opens with, the search box,
the reach and the whole-graph toggle. (The browser test checks that the explorer's view draws.)"""
from __future__ import annotations

import pytest

from kb import graph as G
from widgets.graph_view import CAMERA, ClauseGraphView, default_focus, sigma_graph

CLAUSES_DEPENDING_ON_9_2 = [
    "2.2.2", "3.1.4", "3.1.5", "3.1.9", "3.1.10", "3.2.1", "3.2.3", "3.2.4", "7.3", "7.3.3", "7.3.4", "7.3.5",
    "8.1", "8.2", "8.2.1", "8.2.2", "8.3", "8.4", "9.1", "11.3"]


@pytest.fixture(scope="module")
def g(agreement):
    return G.clause_graph(agreement)


@pytest.fixture
def view(g):
    v = ClauseGraphView(g, focus="9.2")
    yield v
    v.sigma.close()


def _drawn(view) -> dict:
    """The graph the current Sigma widget was given: {node: attributes}."""
    return {n: d for n, d in view.sigma_graph.nodes(data=True)}


def test_opens_on_a_neighbourhood_left_to_right(view, g):
    assert view.focus.node == "9.2" and view.highlighted == ["9.2"] and not view.whole
    assert view.nodes == G.sort_nodes(n for col in view.focus.columns for n in col)
    sg = view.sigma_graph
    # every node labelled: a clause by its id and short title, a conclusion by its sentence
    assert sg.nodes["9.2"]["label"] == "9.2 Force majeure or accidental events refer…"
    assert sg.nodes["3.2.4"]["label"].startswith("3.2.4 ")
    assert sg.nodes["pred:force_majeure"]["label"] == "The event is force majeure"
    assert all(d["label"] for _, d in sg.nodes(data=True))
    # left to right: what relies on 9.2, then 9.2 with its cycle, then what 9.2 relies on
    xs = [sorted({sg.nodes[n]["x"] for n in col}) for col in view.focus.columns]
    assert [len(x) for x in xs] == [1, 1, 1] and xs[0][0] < xs[1][0] < xs[2][0]
    assert all(sg.nodes[u]["x"] <= sg.nodes[v]["x"] for u, v in sg.edges)
    assert set(sg.edges) == {(a, b) for a, b, _ in view.focus.edges}
    assert sg.edges["3.2.4", "9.2"]["color"] == G.EDGE_STYLE["uses"][0]
    # the legend collapsed (ours and Sigma's information panel), the camera fitted to the drawing
    assert view.legend.selected_index is None
    assert view.sigma.ui_settings["hideInfoPanel"] is True
    assert view.sigma.camera_state == CAMERA
    assert view.sigma.renderer_settings["labelDensity"] == 10_000  # every label drawn
    assert view.sigma.renderer_settings["labelRenderedSizeThreshold"] == 0
    assert view.controls in view.children and view.dependents_panel in view.children


def test_searching_9_2_lists_everything_that_depends_on_it(view, g):
    view.search("force majeure")  # somewhere else first: section 9
    assert view.focus.node == "9" and "also found" in view.summary.value
    found = view.search("9.2")
    assert view.focus.node == "9.2"
    assert [n for n in found if not n.startswith(G.PRED)] == CLAUSES_DEPENDING_ON_9_2
    assert set(found) == G.impact_set(g, "9.2") and len(found) == 74
    assert {"pred:liable", "pred:exempt_from_liability", "pred:force_majeure"} <= set(found)
    # labelled, under the graph
    panel = view.dependents_panel.value
    assert "Everything that depends on 9.2</b> (20 clauses, 54 conclusions)" in panel
    assert "<li>3.2.4 JD Cloud will clear the faults…</li>" in panel
    assert "<li>The event is force majeure (force_majeure)</li>" in panel
    # the search box does the same
    view.search_box.value = "11.3"
    assert view.focus.node == "11.3"
    view.search_box.value = "9.2"
    assert view.focus.node == "9.2" and view.dependents == found
    assert view.search("no such words anywhere") == [] and "nothing matches" in view.summary.value


def test_reach_draws_everything_that_depends_on_the_clause(view, g):
    view.reach.value = G.EVERYTHING
    assert view.focus.depth == G.EVERYTHING
    drawn = set(view.sigma_graph)
    assert G.impact_set(g, "9.2") <= drawn and "9" in drawn  # 3.2.4 names section 9, which contains 9.2
    assert view.sigma_graph.nodes["3.2.4"]["x"] < view.sigma_graph.nodes["9"]["x"] < view.sigma_graph.nodes["9.2"]["x"]
    view.reach.value = 1
    assert view.focus.columns == G.focus(g, "9.2").columns


def test_the_whole_graph_is_one_click_away(view, g):
    first = view.sigma
    view.whole_button.value = True
    assert view.whole and view.nodes == G.sort_nodes(g) and view.highlighted == ["9.2"]
    assert view.sigma is not first and first.comm is None  # the old drawing is closed
    view.whole_button.value = False
    assert not view.whole and view.focus.node == "9.2" and len(view.nodes) == 15
    view.whole_button.value = True
    view.search("9.1")  # a search returns to a focus, and the toggle follows
    assert not view.whole and view.whole_button.value is False and view.focus.node == "9.1"


def test_a_click_fills_the_clause_panel(view):
    view.sigma.selected_node = "9.2"
    assert view.selected == "9.2" and view.clause_panel.value.startswith("<b>9.2</b><div>Force majeure")
    view.sigma.selected_node = "pred:force_majeure"
    assert "conclusion force_majeure</b>: The event is force majeure" in view.clause_panel.value


def test_an_explicit_node_set_has_no_controls(g):
    v = ClauseGraphView(g, nodes=["8.1", "9.1", "9.2"], highlight=["9.2"], height=360)
    try:
        assert v.focus is None and v.nodes == ["8.1", "9.1", "9.2"] and v.highlighted == ["9.2"]
        assert v.controls not in v.children and v.legend in v.children
        assert v.sigma_graph.nodes["8.1"]["color"] != v.sigma_graph.nodes["9.2"]["color"]
    finally:
        v.sigma.close()


def test_default_focus_and_sigma_graph_are_deterministic(g):
    assert default_focus(g) == default_focus(g)
    f = G.focus(g, "9.2")
    a = sigma_graph(g, f.nodes, ["9.2"], f.positions(), f.edges)
    b = sigma_graph(g, f.nodes, ["9.2"], f.positions(), f.edges)
    assert list(a.nodes(data=True)) == list(b.nodes(data=True)) and list(a.edges(data=True)) == list(b.edges(data=True))
