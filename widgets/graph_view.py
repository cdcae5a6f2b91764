"""The interactive clause graph: zoom, pan, search, click a clause to read its text.

Drawn with ipysigma (WebGL, works in JupyterLab 4 with ipywidgets 8). ipysigma reads its
graph and colours when a view is first displayed and ignores later changes made from
Python, so :meth:`ClauseGraphView.show` puts a new Sigma widget in place of the old one.
Clicks travel the other way (browser to kernel) and fill the clause panel below the graph.

Everything shown comes from :mod:`kb.graph`: the nodes, the layout of the static picture,
the edge colours of its legend.
"""
from __future__ import annotations

import html
from typing import Iterable

import ipywidgets as ipw
import networkx as nx

from kb import graph as kg

CLAUSE_COLOUR = "#ffffff"
CONCLUSION_COLOUR = "#fff4e6"
HIGHLIGHT_CLAUSE = "#339af0"
HIGHLIGHT_CONCLUSION = "#ff922b"
DIMMED = "#e9ecef"


def sigma_graph(g: nx.DiGraph, nodes: Iterable[str] | None = None, highlight: Iterable[str] = ()) -> nx.DiGraph:
    """The graph handed to Sigma: the chosen nodes, at the positions of the static picture,
    coloured by kind (highlighted nodes stand out, the others are dimmed when there is a
    highlight), edges of the pictured kinds coloured as in its legend. Plain data only."""
    keep = kg.sort_nodes(g if nodes is None else (n for n in nodes if n in g))
    highlight = set(highlight)
    positions = kg.layout(g, keep)
    out = nx.DiGraph()
    for n in keep:
        d = g.nodes[n]
        conclusion = d.get("kind") == "conclusion"
        if n in highlight:
            colour = HIGHLIGHT_CONCLUSION if conclusion else HIGHLIGHT_CLAUSE
        elif highlight:
            colour = DIMMED
        else:
            colour = "#ffa94d" if conclusion else "#74c0fc"
        x, y = positions.get(n, (0.0, 0.0))
        out.add_node(n, label=d.get("label", n) if conclusion else n, color=colour, x=x, y=y,
                     size=6 if n in highlight else 4, kind=d.get("kind", ""),
                     heading=d.get("heading", ""), text=d.get("text", ""))
    for u, v, d in g.subgraph(keep).edges(data=True):  # g is built in document order
        shown = [k for k in kg.KIND_PRIORITY if k in kg.PICTURE_KINDS and kg.has_kind(d, k)]
        if shown:
            out.add_edge(u, v, kind=shown[0], color=kg.EDGE_STYLE[shown[0]][0])
    return out


class ClauseGraphView(ipw.VBox):
    """The clause graph of a knowledge base, interactive.

    ``ClauseGraphView(g)`` shows the whole graph; ``nodes=`` limits it to a subgraph (a
    neighbourhood, an impact set, an explanation's clauses); ``highlight=`` marks nodes.
    ``view.selected`` is the node last clicked, and ``view.clause_panel`` (an HTML widget)
    shows its heading and text."""

    def __init__(self, g: nx.DiGraph, nodes: Iterable[str] | None = None, highlight: Iterable[str] = (),
                 height: int = 480):
        self.graph = g
        self.height = height
        self.selected: str | None = None
        self.clause_panel = ipw.HTML(value=_hint(), layout=ipw.Layout(max_height="12em", overflow="auto"))
        self.clause_panel.add_class("kb-clause-panel")
        self.nodes: list[str] = []
        self.highlighted: list[str] = []
        super().__init__(children=[ipw.HTML(), self.clause_panel])
        self.add_class("kb-graph-view")
        self.show(nodes, highlight)

    def show(self, nodes: Iterable[str] | None = None, highlight: Iterable[str] = ()) -> None:
        """Draw ``nodes`` (all when None) with ``highlight`` marked, replacing the current drawing."""
        from ipysigma import Sigma

        nodes = list(self.graph) if nodes is None else [n for n in nodes if n in self.graph]
        highlight = [n for n in highlight if n in self.graph]
        self.nodes = kg.sort_nodes(nodes)
        self.highlighted = kg.sort_nodes(set(highlight) & set(self.nodes))
        sigma = Sigma(sigma_graph(self.graph, self.nodes, self.highlighted), height=self.height,
                      raw_node_color="color", raw_edge_color="color", raw_node_size="size",
                      raw_node_label="label", default_edge_type="arrow", start_layout=False,
                      hide_edges_on_move=len(self.nodes) > 150)
        sigma.observe(self._on_select, names="selected_node")
        old, self.sigma = getattr(self, "sigma", None), sigma
        self.children = [sigma, self.clause_panel]
        if old is not None:  # its view is gone; without this every redraw would leak widgets
            old.close()  # (Sigma's "layout" trait holds node positions, not a Layout widget)

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


def clause_html(g: nx.DiGraph, node: str) -> str:
    """A clause's id, heading and text (or a conclusion's name and the clauses concluding it)."""
    d = g.nodes[node]
    if d.get("kind") == "conclusion":
        by = kg.sort_nodes(u for u, v in kg.edges_of_kind(g, "concludes") if v == node)
        return (f"<b>conclusion {html.escape(d.get('label', node))}</b>"
                f"<div>concluded by rules citing {html.escape(', '.join(by) or 'no clause')}</div>")
    head = d.get("heading", "")
    text = d.get("text", "") or "(heading only)"
    title = f"{node} {head}".strip()
    return f"<b>{html.escape(title)}</b><div>{html.escape(text)}</div>"


def _hint() -> str:
    return "<i>Click a clause in the graph to read it here.</i>"
