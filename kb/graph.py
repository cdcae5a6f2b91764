"""The clause dependency graph of a knowledge base (networkx), its queries and pictures.

``clause_graph(kb)`` builds a :class:`networkx.DiGraph` from the knowledge base itself, so
it stays true when the rules change:

* nodes: every clause of the clause tree (``kind="clause"``, ``heading``, ``text``,
  ``section``) and one node ``"pred:<name>"`` per predicate the rules conclude
  (``kind="conclusion"``);
* edges ``X -> Y`` read "X depends on Y" (except ``contains`` and ``concludes``). Kinds:

  - ``contains``: parent -> child in the clause tree;
  - ``refers``: curated references written in the text (``references.yaml`` in the
    agreement folder: ``{from, to, phrase}``; the phrase is the evidence);
  - ``uses``: a rule citing A uses in its body a predicate concluded by rules citing B;
  - ``overrides``: an exception citing A defeats a rule citing B;
  - ``survives``: 11.3 / 6.4 keep B in force after termination (the references marked
    ``survives: true`` and the other clauses cited by the ``surv_`` rules);
  - ``concludes``: a clause cited by a rule -> ``pred:<head>`` of the rule.

A DiGraph holds one edge per ordered pair, so when several kinds link the same pair
(3.1.3 contains 3.1.3.1 and also uses it) the edge keeps them all: ``kinds`` is the
comma-separated list of kinds, ``kind`` the first of them in :data:`KIND_PRIORITY`, and
``evidence`` the evidences joined by " | " (``evidence_<kind>`` holds each kind's own).
Use :func:`edges_of_kind` / :func:`has_kind` rather than comparing ``kind``.

Every attribute is a string, so GraphML and node-link JSON exports keep them all.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Iterable, Union

import networkx as nx

from .errors import KbError, UnknownClauseError, VocabularyError, closest
from .program import BLOCKED, FIRES, VALUE
from .yamlio import read_yaml

PRED = "pred:"
KINDS = ("contains", "refers", "uses", "overrides", "survives", "concludes")
# the kind an edge is shown as when several kinds link the same pair
KIND_PRIORITY = ("overrides", "survives", "refers", "uses", "contains", "concludes")
DEPENDENCY_KINDS = ("refers", "uses", "overrides", "survives")
SURVIVAL_CLAUSES = ("11.3", "6.4")
_INTERNAL = (FIRES, BLOCKED, VALUE)

EDGE_STYLE = {  # kind -> (colour, style, pen width)
    "contains": ("#9e9e9e", "dotted", "1"),
    "refers": ("#1f77b4", "dashed", "1.4"),
    "uses": ("#2ca02c", "solid", "1.4"),
    "overrides": ("#d62728", "bold", "2"),
    "survives": ("#9467bd", "solid", "2.4"),
    "concludes": ("#ff7f0e", "solid", "1"),
}


# --- building ---------------------------------------------------------------------------

def _id_key(node: str) -> tuple:
    """Natural order: clauses by their number components ("2" < "10"), then conclusions."""
    if node.startswith(PRED):
        return (1, (), node)
    if "." not in node and not node.isdigit():  # the preamble comes first
        return (0, (), node)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in node.split("."))
    return (0, parts, node)


def load_references(kb) -> list[dict]:
    """The curated references of ``references.yaml`` in the knowledge base folder ([] if none),
    each ``{"from", "to", "phrase", "survives"}`` with clause ids normalised and checked."""
    path = Path(kb.root) / "references.yaml"
    if not path.exists():
        return []
    root = read_yaml(path, file=str(path), error=VocabularyError)
    if root.value is None:
        return []
    out = []
    for node in root.sequence("references.yaml", VocabularyError):
        items = node.check_keys(("from", "to", "phrase", "survives"), "a reference",
                                required=("from", "to", "phrase"), error=VocabularyError)
        ref = {}
        for key in ("from", "to"):
            raw = items[key].text(key, VocabularyError)
            if raw not in kb.clauses:
                raise UnknownClauseError(f"reference names clause '{raw}', which does not exist",
                                         file=node.file, line=node.line, clause=raw,
                                         suggestion=closest(raw, kb.clauses.ids()))
            ref[key] = kb.clauses.normalise_id(raw)
        ref["phrase"] = items["phrase"].text("phrase", VocabularyError)
        survives = items["survives"].text("survives", VocabularyError) if "survives" in items else "false"
        if survives not in ("true", "false"):
            raise items["survives"].fail("survives must be true or false", VocabularyError)
        ref["survives"] = survives == "true"
        ref["line"] = node.line
        out.append(ref)
    return out


def _is_internal(pred: str) -> bool:
    return pred.startswith(_INTERNAL)


def clause_graph(kb, references: list[dict] | None = None) -> nx.DiGraph:
    """The clause dependency graph of ``kb`` (see the module doc)."""
    if references is None:
        references = load_references(kb)
    rules = sorted(kb.program.all_rules(), key=lambda r: (r.id, str(r.file), r.line or 0))
    edges: dict[tuple[str, str], dict[str, set[str]]] = {}

    def add(u: str, v: str, kind: str, evidence: str) -> None:
        edges.setdefault((u, v), {}).setdefault(kind, set()).add(evidence)

    nodes: dict[str, dict] = {}
    for clause in kb.clauses:
        nodes[clause.id] = {"kind": "clause", "heading": clause.heading or "", "text": clause.text or "",
                            "section": clause.section, "clause_kind": clause.kind,
                            "label": clause.id}
        if clause.parent is not None:
            add(clause.parent, clause.id, "contains", "clause tree")

    concluded_by: dict[str, set[str]] = {}  # predicate -> clauses cited by rules concluding it
    for rule in rules:
        pred = rule.head.pred
        if _is_internal(pred):
            continue
        key = PRED + pred
        nodes.setdefault(key, {"kind": "conclusion", "heading": "", "text": "", "section": "conclusions",
                               "clause_kind": "", "label": pred})
        for cid in rule.cites:
            concluded_by.setdefault(pred, set()).add(cid)
            add(cid, key, "concludes", f"rule {rule.id}")

    for rule in rules:
        for item in rule.body:
            atom = getattr(item, "atom", None)
            if atom is None or _is_internal(atom.pred):
                continue
            for a in rule.cites:
                for b in concluded_by.get(atom.pred, ()):
                    if a != b:
                        add(a, b, "uses", f"rule {rule.id} uses {atom.pred}")
        for target_id in rule.overrides:
            for target in kb.program.rules.get(target_id, ()):
                for a in rule.cites:
                    for b in target.cites:
                        if a != b:
                            add(a, b, "overrides", f"exception {rule.id} overrides {target_id}")
        if rule.id.startswith("surv_"):
            for a in rule.cites:
                if a not in SURVIVAL_CLAUSES:
                    continue
                for b in rule.cites:
                    if b not in SURVIVAL_CLAUSES:
                        add(a, b, "survives", f"survival rule {rule.id}")

    for ref in references:
        add(ref["from"], ref["to"], "refers", ref["phrase"])
        if ref["survives"]:
            add(ref["from"], ref["to"], "survives", ref["phrase"])

    g = nx.DiGraph(name=kb.name)
    for n in sorted(nodes, key=_id_key):
        g.add_node(n, **nodes[n])
    for (u, v) in sorted(edges, key=lambda e: (_id_key(e[0]), _id_key(e[1]))):
        by_kind = edges[(u, v)]
        kinds = [k for k in KIND_PRIORITY if k in by_kind]
        attrs = {"kind": kinds[0], "kinds": ",".join(kinds),
                 "evidence": " | ".join("; ".join(sorted(by_kind[k])) for k in kinds)}
        for k in kinds:
            attrs[f"evidence_{k}"] = "; ".join(sorted(by_kind[k]))
        g.add_edge(u, v, **attrs)
    return g


# --- queries ----------------------------------------------------------------------------

def has_kind(data: dict, kind: str) -> bool:
    return kind in data.get("kinds", data.get("kind", "")).split(",")


def edges_of_kind(g: nx.DiGraph, kind: str, source: str | None = None) -> set[tuple[str, str]]:
    """The edges (u, v) carrying ``kind`` (from ``source`` only, when given)."""
    items = g.out_edges(source, data=True) if source is not None else g.edges(data=True)
    return {(u, v) for u, v, d in items if has_kind(d, kind)}


def _check(g: nx.DiGraph, clause_id: str) -> str:
    if clause_id in g:
        return clause_id
    key = clause_id.strip().rstrip(".").strip().lower()
    if key in g:
        return key
    raise UnknownClauseError(f"no clause '{clause_id}' in the graph", clause=clause_id,
                             suggestion=closest(clause_id, [n for n in g if not n.startswith(PRED)]))


def dependencies(g: nx.DiGraph, clause_id: str) -> dict[str, list[str]]:
    """The direct successors of a clause, by edge kind: ``{kind: [node, ...]}`` (sorted)."""
    clause_id = _check(g, clause_id)
    out: dict[str, list[str]] = {}
    for _, v, d in g.out_edges(clause_id, data=True):
        for kind in d["kinds"].split(","):
            out.setdefault(kind, []).append(v)
    return {k: sorted(out[k], key=_id_key) for k in KINDS if k in out}


def _dependency_view(g: nx.DiGraph) -> nx.DiGraph:
    return nx.subgraph_view(g, filter_edge=lambda u, v: any(has_kind(g.edges[u, v], k) for k in DEPENDENCY_KINDS))


def impact_set(g: nx.DiGraph, clause_id: str) -> set[str]:
    """Everything that transitively depends on the clause: every clause X with a path of
    refers/uses/overrides/survives edges X -> ... -> clause, and every conclusion that a rule
    citing the clause or one of those clauses concludes. The clause itself is not included
    (its own conclusions are)."""
    clause_id = _check(g, clause_id)
    clauses = set(nx.ancestors(_dependency_view(g), clause_id)) - {clause_id}
    out = set(clauses)
    for c in clauses | {clause_id}:
        out |= {v for v in edges_of_kind(g, "concludes", c) for v in [v[1]]}
    return out


def explanation_subgraph(g: nx.DiGraph, explanation) -> nx.DiGraph:
    """The subgraph of the clauses an explanation cites and the conclusions of its steps."""
    nodes = {c for c in explanation.clause_ids() if c in g}
    stack = [explanation.root] if getattr(explanation, "root", None) is not None else []
    while stack:
        step = stack.pop()
        if step.kind == "rule":
            pred = PRED + step.atom.split("(", 1)[0].strip().removeprefix("not ").strip()
            if pred in g:
                nodes.add(pred)
        stack.extend(step.premises)
        for e in getattr(step, "exceptions", ()):
            if getattr(e, "defeated_by", None) is not None:
                stack.append(e.defeated_by)
    return g.subgraph(sorted(nodes, key=_id_key)).copy()


def cycles(g: nx.DiGraph, kinds: Iterable[str] = DEPENDENCY_KINDS, length_bound: int | None = 3) -> list[list[str]]:
    """The simple cycles over dependency edges of at most ``length_bound`` nodes (None: all of
    them, which on the built-in agreement are far too many to list), each rotated to start at
    its smallest node, sorted by length then nodes. :func:`cyclic_groups` reports every cycle
    at once as the groups of mutually dependent clauses."""
    found = set()
    for cycle in nx.simple_cycles(_kind_view(g, kinds), length_bound=length_bound):
        i = min(range(len(cycle)), key=lambda j: _id_key(cycle[j]))
        found.add(tuple(cycle[i:] + cycle[:i]))
    return [list(c) for c in sorted(found, key=lambda c: (len(c), [_id_key(n) for n in c]))]


def cyclic_groups(g: nx.DiGraph, kinds: Iterable[str] = DEPENDENCY_KINDS) -> list[list[str]]:
    """The strongly connected components with more than one node (every cycle lies in one),
    each sorted, the list sorted."""
    groups = [sorted(c, key=_id_key) for c in nx.strongly_connected_components(_kind_view(g, kinds)) if len(c) > 1]
    return sorted(groups, key=lambda c: [_id_key(n) for n in c])


def _kind_view(g: nx.DiGraph, kinds: Iterable[str]) -> nx.DiGraph:
    kinds = tuple(kinds)
    view = nx.DiGraph()
    view.add_nodes_from(sorted(g, key=_id_key))
    view.add_edges_from(sorted(((u, v) for u, v, d in g.edges(data=True) if any(has_kind(d, k) for k in kinds)),
                               key=lambda e: (_id_key(e[0]), _id_key(e[1]))))
    return view


def untouched_clauses(kb, include_headings: bool = False) -> list[str]:
    """Numbered clauses that no rule (or parameter) cites, in document order. Sections and
    heading-only clauses (no text of their own, such as "3.1 Your Rights and Obligations")
    are left out unless ``include_headings``."""
    cited = {c for r in kb.program.all_rules() for c in r.cites}
    params = getattr(kb.program, "params", {})
    for p in (params.values() if isinstance(params, dict) else params):
        cited |= set(getattr(p, "cites", ()))
    return [cid for cid in kb.clauses.numbered_ids()
            if cid not in cited and (include_headings or kb.clauses[cid].text)]


def neighbourhood(g: nx.DiGraph, clause_id: str, radius: int = 1) -> nx.DiGraph:
    """The subgraph of the nodes within ``radius`` edges of the clause (either direction)."""
    clause_id = _check(g, clause_id)
    near = nx.single_source_shortest_path_length(g.to_undirected(as_view=True), clause_id, cutoff=radius)
    return g.subgraph(sorted(near, key=_id_key)).copy()


# --- export -----------------------------------------------------------------------------

def to_graphml(g: nx.DiGraph, path: Union[str, Path]) -> None:
    nx.write_graphml(g, str(path))


def to_node_link_json(g: nx.DiGraph) -> str:
    return json.dumps(nx.node_link_data(g, edges="links"), indent=2, sort_keys=True, ensure_ascii=False)


def from_node_link_json(text: str) -> nx.DiGraph:
    return nx.node_link_graph(json.loads(text), directed=True, edges="links")


# --- pictures ---------------------------------------------------------------------------

def _q(text: str) -> str:
    """A DOT double-quoted string."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r", " ").replace("\n", "\\n")
    return f'"{text}"'


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def to_dot(g: nx.DiGraph, nodes: Iterable[str] | None = None, highlight: Iterable[str] = (),
           title: str | None = None) -> str:
    """Deterministic DOT text: clauses grouped by section, conclusions apart, edges styled by kind,
    and a legend. ``nodes`` limits the picture to those nodes; ``highlight`` fills some."""
    keep = sorted(g if nodes is None else (n for n in nodes if n in g), key=_id_key)
    keep_set = set(keep)
    highlight = set(highlight)
    lines = ["digraph clauses {",
             "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=10, newrank=true, nodesep=0.15, ranksep=0.5"
             + (f", label={_q(title)}, labelloc=t" if title else "") + "];",
             "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=9];",
             "  edge [fontname=\"Helvetica\", fontsize=8, arrowsize=0.6];"]
    sections: dict[str, list[str]] = {}
    for n in keep:
        sections.setdefault(g.nodes[n].get("section", ""), []).append(n)

    def section_key(s: str) -> tuple:
        return (2, ()) if s == "conclusions" else ((0, ()) if s == "preamble" else (1, _id_key(s)[1]))

    for i, section in enumerate(sorted(sections, key=section_key)):
        if section == "conclusions":
            label = "conclusions"
        elif section in g:
            head = g.nodes[section].get("heading", "")
            label = f"{section} {head}".strip() if section != "preamble" else "preamble"
        else:
            label = section
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f"    label={_q(label)}; style=\"rounded\"; color=\"#bbbbbb\"; fontsize=10;")
        for n in sections[section]:
            d = g.nodes[n]
            if d.get("kind") == "conclusion":
                label = d.get("label", n)
                attrs = [f"label={_q(label)}", "shape=ellipse", f"tooltip={_q('conclusion ' + label)}",
                         f"fillcolor={_q('#ffd8a8' if n in highlight else '#fff4e6')}"]
            else:
                head = d.get("heading", "")
                label = n + ("\n" + _short(head, 28) if head else "")
                tip = f"{n} {head}".strip() + (": " + d.get("text", "") if d.get("text") else "")
                attrs = [f"label={_q(label)}", f"tooltip={_q(_short(tip, 600))}",
                         f"fillcolor={_q('#a5d8ff' if n in highlight else '#ffffff')}"]
            lines.append(f"    {_q(n)} [{', '.join(attrs)}];")
        lines.append("  }")
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (_id_key(e[0]), _id_key(e[1]))):
        if u not in keep_set or v not in keep_set:
            continue
        colour, style, width = EDGE_STYLE[d["kind"]]
        tip = f"{u} -> {v}: {d['kinds']}: {_short(d['evidence'], 300)}"
        lines.append(f"  {_q(u)} -> {_q(v)} [color={_q(colour)}, style={_q(style)}, penwidth={width}, "
                     f"tooltip={_q(tip)}];")
    lines.append("  subgraph cluster_legend {")
    lines.append("    label=\"edge kinds\"; style=\"rounded\"; color=\"#bbbbbb\"; fontsize=10;")
    for kind in KINDS:
        colour, style, width = EDGE_STYLE[kind]
        lines.append(f"    \"legend_{kind}_a\" [label={_q(kind)}, shape=plaintext, style=\"\"];")
        lines.append(f"    \"legend_{kind}_b\" [label=\"\", shape=point, width=0.05, style=\"\"];")
        lines.append(f"    \"legend_{kind}_a\" -> \"legend_{kind}_b\" [color={_q(colour)}, style={_q(style)}, "
                     f"penwidth={width}];")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


_GENERATED = re.compile(r"<!-- Generated by graphviz.*?-->\n", re.DOTALL)


def render_svg(g: nx.DiGraph, nodes: Iterable[str] | None = None, highlight: Iterable[str] = (),
               title: str | None = None, dot: str = "dot") -> str:
    """The SVG of the graph (or of ``nodes``), drawn by graphviz ``dot`` from :func:`to_dot`;
    the same graph gives the same bytes (the comment naming the dot version is removed)."""
    source = to_dot(g, nodes, highlight, title)
    try:
        proc = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                              timeout=120, check=False)
    except FileNotFoundError:
        raise KbError("graphviz 'dot' is not installed (apt-get install graphviz)") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise KbError(f"dot failed: {msg[0] if msg else proc.returncode}")
    return _GENERATED.sub("", proc.stdout.decode("utf-8"))
