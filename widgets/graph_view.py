"""The interactive clause graph: a clause in focus, what relies on it and what it relies on.

Drawn with ipysigma (WebGL, works in JupyterLab 4 with ipywidgets 8). ipysigma reads its
graph, colours and camera when a view is first displayed and ignores later changes made from
Python, so every new drawing (another clause in focus, the whole graph) puts a new Sigma
widget in place of the old one, which is closed. Clicks travel the other way (browser to
kernel) and fill the clause panel below the graph.

The view opens on a neighbourhood (:func:`kb.graph.focus`): the clause in the middle, on its
left what relies on it, on its right what it relies on, every edge pointing rightwards from a
node to one it relies on; every node labelled with its id and short title (conclusions with
their title and name); the legend collapsed; the camera fitted to what is drawn. Above the
graph: a search box (a clause id such as 9.2, a predicate name, or words), how far to reach
(direct neighbours, two or three steps, or everything that depends on the clause) and the
*whole graph* toggle. Below: the clause panel and the list of everything that depends on
the clause in focus, labelled.

Everything shown comes from :mod:`kb.graph`: the nodes, their titles, the layouts, the edge
colours of the static pictures' legend.
"""
from __future__ import annotations

import html
from typing import Iterable

import ipywidgets as ipw
import networkx as nx

from kb import graph as kg

CLAUSE_COLOUR = "#74c0fc"
CONCLUSION_COLOUR = "#ffa94d"
HIGHLIGHT_CLAUSE = "#1c7ed6"
HIGHLIGHT_CONCLUSION = "#e8590c"
DIMMED = "#dee2e6"
# how far the neighbourhood reaches: (what the dropdown says, Focus depth)
REACH = (("direct neighbours", 1), ("two steps", 2), ("three steps", 3),
         ("everything that depends on it", kg.EVERYTHING))
ROW_PIXELS = 22  # vertical room per node of the tallest column, so labels do not overlap
LABELS_ALL_UP_TO = 120  # every label drawn up to this many nodes (and 5 columns); beyond, Sigma thins them
# the camera the view opens with: the drawing fitted in two thirds of the width, from the left,
# so that the labels of the rightmost column, drawn right of their nodes, fit too
CAMERA = {"ratio": 1.5, "x": 0.7, "y": 0.5, "angle": 0}


def sigma_graph(g: nx.DiGraph, nodes: Iterable[str] | None = None, highlight: Iterable[str] = (),
                positions: dict[str, tuple[float, float]] | None = None,
                edges: Iterable[tuple[str, str, str]] | None = None) -> nx.DiGraph:
    """The graph handed to Sigma: the chosen nodes, labelled by :func:`kb.graph.node_label`, at
    ``positions`` (by default those of the static picture, laid out left to right), coloured by
    kind (highlighted nodes stand out, the others are dimmed when there is a highlight); the
    edges of the pictured kinds coloured as in the pictures' legend, or exactly ``edges``
    (``(from, to, kind)``, as a :class:`kb.graph.Focus` gives them). Plain data only."""
    keep = kg.sort_nodes(g if nodes is None else (n for n in nodes if n in g))
    highlight = set(highlight)
    dim = positions is None  # a focus colours everything; a picked set dims what is not marked
    if positions is None:
        positions = kg.layout(g, keep)
    out = nx.DiGraph()
    for n in keep:
        d = g.nodes[n]
        conclusion = d.get("kind") == "conclusion"
        if n in highlight:
            colour = HIGHLIGHT_CONCLUSION if conclusion else HIGHLIGHT_CLAUSE
        elif highlight and dim:
            colour = DIMMED
        else:
            colour = CONCLUSION_COLOUR if conclusion else CLAUSE_COLOUR
        x, y = positions.get(n, (0.0, 0.0))
        # a conclusion by its title alone (its name is one click away, in the clause panel)
        label = (d.get("title") or kg.node_label(g, n)) if conclusion else kg.node_label(g, n)
        out.add_node(n, label=label, color=colour, x=x, y=y,
                     size=7 if n in highlight else 4, kind=d.get("kind", ""),
                     heading=d.get("heading", ""), text=d.get("text", ""))
    if edges is None:
        for u, v, d in g.subgraph(keep).edges(data=True):  # g is built in document order
            shown = [k for k in kg.KIND_PRIORITY if k in kg.PICTURE_KINDS and kg.has_kind(d, k)]
            if shown:
                out.add_edge(u, v, kind=shown[0], color=kg.EDGE_STYLE[shown[0]][0])
    else:
        for u, v, kind in edges:
            if u in out and v in out:
                out.add_edge(u, v, kind=kind, color=kg.EDGE_STYLE[kind][0])
    return out


def legend_html(kinds: Iterable[str] = kg.KINDS) -> str:
    """What the colours mean: nodes, then one line per edge kind (how the focus reads it)."""
    reads = {"contains": "the section contains the clause", "refers": "the text refers to",
             "points": "the text draws attention to", "uses": "a rule uses a conclusion of rules citing",
             "overrides": "an exception defeats a rule citing", "survives": "keeps in force after termination",
             "concludes": "the conclusion rests on rules citing the clause",
             "reads": "a rule reads the conclusion"}
    rows = [f"<span style='color:{CLAUSE_COLOUR}'>&#9679;</span> clause &nbsp; "
            f"<span style='color:{CONCLUSION_COLOUR}'>&#9679;</span> conclusion &nbsp; "
            f"<span style='color:{HIGHLIGHT_CLAUSE}'>&#9679;</span> the clause in focus",
            "An arrow goes from a node to one it relies on: what relies on the clause stands on its "
            "left, what it relies on on its right."]
    for kind in kinds:
        colour = kg.EDGE_STYLE[kind][0]
        rows.append(f"<span style='color:{colour}'>&#9473;&#9473;</span> <b>{kind}</b>: {html.escape(reads[kind])}")
    return "<div class='kb-graph-legend'>" + "<br>".join(rows) + "</div>"


class ClauseGraphView(ipw.VBox):
    """The clause graph of a knowledge base, interactive.

    ``ClauseGraphView(g)`` opens on a neighbourhood (``focus=``, by default the clause with the
    most direct relations), with the search box, the reach and the *whole graph* toggle above
    it; ``view.search("9.2")`` does what typing 9.2 in the box does. ``nodes=`` instead shows
    exactly those nodes (a neighbourhood, an impact set, an explanation's clauses) without the
    controls (``controls=True`` adds them); ``highlight=`` marks nodes. ``view.selected`` is the
    node last clicked, and ``view.clause_panel`` (an HTML widget) shows its heading and text.
    ``view.focus`` is the :class:`kb.graph.Focus` drawn (None for an explicit node set or the
    whole graph), ``view.dependents`` everything that depends on the clause in focus."""

    def __init__(self, g: nx.DiGraph, nodes: Iterable[str] | None = None, highlight: Iterable[str] = (),
                 height: int = 480, focus: str | None = None, depth: int = 1, controls: bool | None = None):
        self.graph = g
        self.height = height
        self.selected: str | None = None
        self.focus: kg.Focus | None = None
        self.focus_node: str | None = None
        self.dependents: list[str] = []
        self.whole = False
        self.nodes: list[str] = []
        self.highlighted: list[str] = []
        self.clause_panel = ipw.HTML(value=_hint(), layout=ipw.Layout(max_height="12em", overflow="auto"))
        self.clause_panel.add_class("kb-clause-panel")
        self.search_box = ipw.Text(placeholder="9.2, force_majeure or words", description="Find",
                                   continuous_update=False, layout=ipw.Layout(width="22em"))
        self.search_box.add_class("kb-graph-search")
        reaches = [d for _, d in REACH]
        self.reach = ipw.Dropdown(options=REACH, value=depth if depth in reaches else 1, description="Reach",
                                  layout=ipw.Layout(width="22em"))
        self.whole_button = ipw.ToggleButton(value=False, description="whole graph", icon="expand",
                                             tooltip="Show every clause and conclusion; click again to "
                                                     "return to the clause in focus")
        self.whole_button.add_class("kb-graph-whole")
        self.summary = ipw.HTML()
        self.summary.add_class("kb-graph-summary")
        self.dependents_panel = ipw.HTML(layout=ipw.Layout(max_height="16em", overflow="auto"))
        self.dependents_panel.add_class("kb-graph-dependents")
        self.legend = ipw.Accordion(children=[ipw.HTML(legend_html())], selected_index=None)
        self.legend.set_title(0, "Legend")
        self.legend.add_class("kb-graph-legend")
        self.controls = ipw.HBox([self.search_box, self.reach, self.whole_button])
        self.show_controls = nodes is None if controls is None else controls
        super().__init__(children=[])
        self.add_class("kb-graph-view")
        self.search_box.observe(self._on_search, names="value")
        self.reach.observe(self._on_reach, names="value")
        self.whole_button.observe(self._on_whole, names="value")
        if nodes is None:
            self.show_focus(focus if focus is not None else default_focus(g), depth)
        else:
            self.show(nodes, highlight)

    # --- what is drawn --------------------------------------------------------------------

    def show(self, nodes: Iterable[str] | None = None, highlight: Iterable[str] = ()) -> None:
        """Draw ``nodes`` (all when None) with ``highlight`` marked, laid out as the static
        picture (left to right), replacing the current drawing."""
        nodes = list(self.graph) if nodes is None else [n for n in nodes if n in self.graph]
        self.focus = None
        self.nodes = kg.sort_nodes(nodes)
        self.highlighted = kg.sort_nodes(set(highlight) & set(self.nodes))
        self._draw(sigma_graph(self.graph, self.nodes, self.highlighted), self.height)

    def show_focus(self, node: str, depth: int | None = None) -> kg.Focus:
        """Draw ``node`` (a clause id as typed, or ``pred:<name>``) in focus: what relies on it on
        the left, what it relies on on the right, ``depth`` steps (by default the reach chosen
        above the graph; :data:`kb.graph.EVERYTHING` for everything that depends on it); the
        dependents panel lists, labelled, everything that depends on it."""
        depth = self.reach.value if depth is None else depth
        f = kg.focus(self.graph, node, depth)
        self.focus, self.focus_node = f, f.node
        self.nodes, self.highlighted = f.nodes, [f.node]
        if self.reach.value != f.depth and f.depth in [d for _, d in REACH]:
            self.reach.unobserve(self._on_reach, names="value")
            self.reach.value = f.depth
            self.reach.observe(self._on_reach, names="value")
        if self.whole_button.value:
            self.whole_button.unobserve(self._on_whole, names="value")
            self.whole_button.value = False
            self.whole_button.observe(self._on_whole, names="value")
        self.whole = False
        self.dependents = kg.depending_on(self.graph, f.node)
        self.summary.value = f"<b>{html.escape(kg.node_label(self.graph, f.node))}</b> &middot; {html.escape(f.summary())}"
        if len(f.columns) > 5:
            self.summary.value += " &middot; <i>zoom in to read the labels; every dependent is listed below</i>"
        self.dependents_panel.value = dependents_html(self.graph, f.node, self.dependents)
        # the columns' room: wide enough apart for their labels, rows tall enough for one line
        # of text at the scale the view opens (the camera fits the drawing to the widget)
        columns = len(f.columns)
        row_height = max(kg.FOCUS_ROW_HEIGHT, 9.0 * columns)
        height = max(self.height, min(1400, int(ROW_PIXELS * f.rows * CAMERA["ratio"]) + 80))
        sg = sigma_graph(self.graph, f.nodes, [f.node], f.positions(kg.FOCUS_COLUMN_WIDTH, row_height), f.edges)
        self._draw(sg, height)
        return f

    def show_whole(self) -> None:
        """The whole graph, the clause in focus highlighted; its own toggle returns to the focus."""
        self.focus = None
        self.whole = True
        self.nodes = kg.sort_nodes(self.graph)
        self.highlighted = [self.focus_node] if self.focus_node else []
        if not self.whole_button.value:
            self.whole_button.unobserve(self._on_whole, names="value")
            self.whole_button.value = True
            self.whole_button.observe(self._on_whole, names="value")
        self.summary.value = (f"the whole graph: {len(self.nodes)} nodes"
                              + (f", {html.escape(self.focus_node)} highlighted" if self.focus_node else ""))
        self._draw(sigma_graph(self.graph, self.nodes, self.highlighted), max(self.height, 640))

    def search(self, text: str) -> list[str]:
        """What typing ``text`` in the search box does: the first node :func:`kb.graph.find`
        finds is put in focus, and everything that depends on it is listed, labelled. Returns
        that list (node ids in document order); [] with a message when nothing matches."""
        found = kg.find(self.graph, text)
        if not found:
            self.summary.value = f"<span class='kb-error'>nothing matches {html.escape(text)!s}</span>"
            return []
        self.show_focus(found[0])
        if len(found) > 1:
            others = ", ".join(html.escape(kg.node_label(self.graph, n)) for n in found[1:8])
            more = f" and {len(found) - 8} more" if len(found) > 8 else ""
            self.summary.value += f"<br><i>also found: {others}{more}</i>"
        return list(self.dependents)

    def _draw(self, sg: nx.DiGraph, height: int) -> None:
        from ipysigma import Sigma

        self.sigma_graph = sg  # what is drawn: nodes with label, colour, x, y; coloured edges
        few = sg.number_of_nodes() <= LABELS_ALL_UP_TO and (self.focus is None or len(self.focus.columns) <= 5)
        sigma = Sigma(sg, height=height, raw_node_color="color", raw_edge_color="color", raw_node_size="size",
                      raw_node_label="label", default_edge_type="arrow", start_layout=False,
                      hide_info_panel=True, show_all_labels=few, label_density=1 if few else 0.5,
                      hide_edges_on_move=sg.number_of_nodes() > 150,
                      # fitted to the drawing, zoomed out and shifted so that the labels of
                      # the rightmost column (drawn right of their nodes) fit too
                      camera_state=CAMERA)
        sigma.observe(self._on_select, names="selected_node")
        old, self.sigma = getattr(self, "sigma", None), sigma
        if self.show_controls:
            self.children = [self.controls, self.summary, sigma, self.legend, self.clause_panel,
                             self.dependents_panel]
        else:
            self.children = [sigma, self.legend, self.clause_panel]
        if old is not None:  # its view is gone; without this every redraw would leak widgets
            old.close()  # (Sigma's "layout" trait holds node positions, not a Layout widget)

    # --- events ---------------------------------------------------------------------------

    def select(self, node: str | None) -> None:
        """Show ``node``'s text in the clause panel (what a click in the browser does)."""
        if node is not None and node not in self.graph:
            node = kg.resolve(self.graph, node)
        self.selected = node
        self.clause_panel.value = _hint() if node is None else clause_html(self.graph, node)

    def _on_select(self, change) -> None:
        try:
            self.select(change["new"])
        except Exception as exc:  # shown, never swallowed: a callback has no caller to raise to
            self.clause_panel.value = f"<div class='kb-error'>{html.escape(str(exc))}</div>"

    def _on_search(self, change) -> None:
        if change["new"].strip():
            self.search(change["new"])

    def _on_reach(self, change) -> None:
        if self.focus_node is not None and not self.whole:
            self.show_focus(self.focus_node, change["new"])

    def _on_whole(self, change) -> None:
        if change["new"]:
            self.show_whole()
        elif self.focus_node is not None:
            self.show_focus(self.focus_node)


def default_focus(g: nx.DiGraph) -> str:
    """The clause a view opens on when none is named: the one with the most direct relations
    (what relies on it and what it relies on), the first in document order on a tie."""
    clauses = kg.clause_nodes(g)
    return max(clauses, key=lambda n: (len(kg.focus(g, n).nodes), -clauses.index(n))) if clauses else next(iter(g))


def dependents_html(g: nx.DiGraph, node: str, dependents: list[str]) -> str:
    """Everything that depends on ``node``, labelled: clauses, then conclusions."""
    clauses = [n for n in dependents if not n.startswith(kg.PRED)]
    conclusions = [n for n in dependents if n.startswith(kg.PRED)]
    name = html.escape(node.removeprefix(kg.PRED))
    if not dependents:
        return f"<i>Nothing depends on {name}.</i>"

    def items(nodes: list[str]) -> str:
        return "".join(f"<li>{html.escape(kg.node_label(g, n))}</li>" for n in nodes)

    parts = [f"<b>Everything that depends on {name}</b> ({len(clauses)} clauses, {len(conclusions)} conclusions)"]
    if clauses:
        parts.append(f"<div>Clauses</div><ul style='columns:2'>{items(clauses)}</ul>")
    if conclusions:
        parts.append(f"<div>Conclusions</div><ul style='columns:2'>{items(conclusions)}</ul>")
    return "".join(parts)


def clause_html(g: nx.DiGraph, node: str) -> str:
    """A clause's id, heading and text (or a conclusion's title, name and the clauses concluding it)."""
    d = g.nodes[node]
    if d.get("kind") == "conclusion":
        by = kg.sort_nodes(u for u, v in kg.edges_of_kind(g, "concludes") if v == node)
        title = d.get("title", "")
        return (f"<b>conclusion {html.escape(d.get('label', node))}</b>"
                + (f": {html.escape(title)}" if title else "")
                + f"<div>concluded by rules citing {html.escape(', '.join(by) or 'no clause')}</div>")
    head = d.get("heading", "")
    text = d.get("text", "") or "(heading only)"
    title = f"{node} {head}".strip()
    return f"<b>{html.escape(title)}</b><div>{html.escape(text)}</div>"


def _hint() -> str:
    return "<i>Click a node in the graph to read it here.</i>"
