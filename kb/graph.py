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
  - ``points``: a reference marked ``pointer: true``, where the text only draws attention to
    another clause (the preamble's "pay special attention to ... the selection terms of
    jurisdictional courts") without its own meaning depending on it: drawn, and listed by
    :func:`dependencies`, but not followed by :func:`impact_set`;
  - ``uses``: a rule citing A uses in its body a predicate concluded by rules citing B;
  - ``overrides``: an exception citing A defeats a rule citing B;
  - ``survives``: 11.3 / 6.4 keep B in force after termination (the references marked
    ``survives: true``, whose source clauses are the survival clauses, and the other clauses
    cited by the rules whose id starts with ``surv_`` that cite a survival clause);
  - ``concludes``: a clause cited by a rule -> ``pred:<head>`` of the rule;
  - ``reads``: a clause, or a conclusion, -> ``pred:<name>`` when a rule citing the clause
    (or concluding the conclusion) uses ``<name>`` in its body: the predicate-level
    dependencies that :func:`impact_set` follows.

A DiGraph holds one edge per ordered pair, so when several kinds link the same pair
(3.1.3 contains 3.1.3.1 and also uses it) the edge keeps them all: ``kinds`` is the
comma-separated list of kinds, ``kind`` the first of them in :data:`KIND_PRIORITY`, and
``evidence`` the evidences joined by " | " (``evidence_<kind>`` holds each kind's own).
Use :func:`edges_of_kind` / :func:`has_kind` rather than comparing ``kind``.

Every node has a ``title``, the few words a picture labels it with (:func:`short_title`): a
clause's heading, or else the first words of its text; a conclusion's sentence template with
its arguments as capitalised names (``Event is force majeure``), or else its doc.

A clause in focus (:func:`focus`) is its neighbourhood read left to right: what relies on it,
the clause with the clauses in a cycle with it, what it relies on, every edge pointing from a
node to one it relies on; :func:`depending_on` / :func:`dependents_tree` give everything that
depends on a node (and why), :func:`find` what a search box finds. Pictures (:func:`render_svg`)
fit the width of what holds them (:func:`fit_width`) and their legend names only the kinds drawn.

Every attribute is a string, so GraphML and node-link JSON exports keep them all.
"""
from __future__ import annotations

import functools
import json
import re
import subprocess
from pathlib import Path
from typing import Iterable, Union

import networkx as nx

from .errors import KbError, UnknownClauseError, VocabularyError, closest
from .program import BLOCKED, COMPUTED, FIRES, VALUE
from .terms import body_literals
from .yamlio import read_yaml

PRED = "pred:"
KINDS = ("contains", "refers", "points", "uses", "overrides", "survives", "concludes", "reads")
# the kind an edge is shown as when several kinds link the same pair
KIND_PRIORITY = ("overrides", "survives", "refers", "uses", "points", "contains", "concludes", "reads")
# the kinds drawn in pictures: "reads" edges repeat "uses" at the level of predicates
PICTURE_KINDS = ("contains", "refers", "points", "uses", "overrides", "survives", "concludes")
DEPENDENCY_KINDS = ("refers", "uses", "overrides", "survives")
_INTERNAL = (FIRES, BLOCKED, VALUE, COMPUTED)

EDGE_STYLE = {  # kind -> (colour, style, pen width)
    "contains": ("#9e9e9e", "dotted", "1"),
    "refers": ("#1f77b4", "dashed", "1.4"),
    "points": ("#74c0fc", "dotted", "1.2"),
    "uses": ("#2ca02c", "solid", "1.4"),
    "overrides": ("#d62728", "bold", "2"),
    "survives": ("#9467bd", "solid", "2.4"),
    "concludes": ("#ff7f0e", "solid", "1"),
    "reads": ("#868e96", "solid", "0.8"),
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


TITLE_WORDS = 6  # a clause's short title: about this many words of its text
CONCLUSION_TITLE_WORDS = 8  # a conclusion's: of its sentence
# the lead-in of an acknowledgment ("You understand and agree that JD Cloud may ..."): it says
# nothing about what the clause is about, so a title starts after it
_LEAD_IN = re.compile(r"(?:you\s+(?:fully\s+)?(?:understand|acknowledge|agree|recognize|accept)"
                      r"(?:\s*,?\s*(?:and\s+)?(?:fully\s+)?(?:understand|acknowledge|agree|recognize|accept))*"
                      r"\s+that\s+)", re.IGNORECASE)
_ASIDE = re.compile(r"\s*\([^()]*\)")
_STOP = ".;:!?"


def short_title(text: str, words: int = TITLE_WORDS) -> str:
    """The first words of ``text`` as a title: whitespace collapsed, asides in brackets and an
    acknowledgment's lead-in ("You understand and agree that") left out, cut at a word boundary
    after ``words`` words with "…" (or at the end of the first sentence, or at a colon with "…",
    when that comes within two more words). "" for an empty text."""
    text = _ASIDE.sub("", " ".join(text.split())).strip()
    lead = _LEAD_IN.match(text)
    if lead and lead.end() < len(text):
        text = text[lead.end():]
        text = text[:1].upper() + text[1:]
    parts = text.split(" ") if text else []
    for i, part in enumerate(parts[: words + 2]):
        if part and part[-1] in _STOP:
            cut = " ".join(parts[: i + 1]).rstrip(_STOP + ",")
            # a colon announces what follows: the title says that something does
            return cut + "…" if part[-1] == ":" and i < len(parts) - 1 else cut
    if len(parts) <= words:
        return " ".join(parts).rstrip(_STOP + ",")
    return " ".join(parts[:words]).rstrip(_STOP + ",;-–—") + "…"


_DETERMINERS = {"the", "a", "an", "its", "their", "this", "that", "each", "every", "any"}
# words that never name what follows them: "the facts about {thing}", "the terms permit {x}"
_NOT_NOUNS = {"about", "after", "against", "and", "are", "as", "at", "be", "been", "before", "between", "but",
              "by", "during", "for", "from", "in", "into", "is", "of", "on", "or", "over", "per", "than",
              "to", "towards", "under", "until", "via", "was", "were", "with", "within", "without",
              "because", "if", "when", "since", "unless", "whether", "which", "while", "where",
              "may", "must", "shall", "can", "will", "should", "need", "has", "have", "had", "not"}


def _named_before(before: str) -> bool:
    """Whether the words before a placeholder already name it: a determiner (or a possessive,
    "JD Cloud's") and one noun ("the act {act}"), or two words the second of which is no
    preposition or verb in -s ("the information item {item}", "the force majeure {event}")."""
    words = before.split()
    if not words or words[-1].lower() in _NOT_NOUNS or not re.fullmatch(r"[\w'-]+", words[-1]):
        return False

    def determiner(word: str) -> bool:
        return word.lower() in _DETERMINERS or word.endswith("'s")

    if len(words) >= 2 and determiner(words[-2]):
        return True
    return (len(words) >= 3 and determiner(words[-3]) and words[-2].lower() not in _NOT_NOUNS
            and not words[-1].endswith("s"))


def pattern_sentence(template: str) -> str:
    """A sentence template read as a pattern, in words: a placeholder that follows its own noun
    ("the act {act}", "the failure {breach}") is left out, any other becomes "the" and its
    argument's name ("{party} is liable" -> "The party is liable")."""
    out, last = [], 0
    for m in re.finditer(r"\{([^{}]*)\}", template):
        before = template[last:m.start()]
        if _named_before("".join(out) + before):
            out.append(before.rstrip())
        elif before.split() and before.split()[-1].lower() in _DETERMINERS:  # "among the {category}"
            out.append(before + m.group(1).replace("_", " "))
        else:
            out.append(before + "the " + m.group(1).replace("_", " "))
        last = m.end()
    out.append(template[last:])
    text = " ".join("".join(out).split())
    return text[:1].upper() + text[1:]


def conclusion_title(vocabulary, pred: str) -> str:
    """A conclusion's title: its sentence template read as a pattern (:func:`pattern_sentence`:
    ``{party} is exempt from liability for the failure {breach}`` -> ``The party is exempt from
    liability for the failure``), or else (when the pattern names two arguments alike, "The
    event caused the event") its doc, cut by :func:`short_title`; the predicate's name when it
    has neither."""
    decl = vocabulary.predicate(pred) if vocabulary is not None else None
    if decl is None:
        return pred
    if decl.says:
        sentence = pattern_sentence(decl.says)
        named = re.findall(r"\b(?:the|The) (\w+)", sentence)
        # "the event {cause} caused the event {event}" reads "The event caused the event": the
        # doc says which is which ("The second event caused the first"); so does it where a
        # placeholder stood for a verb ("{holder} may {remedy}" reads "may the remedy")
        verb_slot = re.search(r"\b(?:may|must|shall|can|cannot|will) the\b", sentence)
        if (len(named) == len(set(named)) and not verb_slot) or not decl.doc:
            return short_title(sentence, CONCLUSION_TITLE_WORDS)
    if decl.doc:
        return short_title(decl.doc, CONCLUSION_TITLE_WORDS)
    return pred


def clause_title(heading: str, text: str) -> str:
    """A clause's title: its heading, or else the first words of its text (:func:`short_title`)."""
    return " ".join(heading.split()) if heading and heading.strip() else short_title(text or "")


def node_label(g: nx.DiGraph, node: str) -> str:
    """How pictures label a node: a clause by its id and title (``9.2 Force majeure or accidental
    events refer…``), a conclusion by its title and name (``Event is force majeure
    (force_majeure)``)."""
    d = g.nodes[node]
    title = d.get("title", "")
    if d.get("kind") == "conclusion":
        name = d.get("label", node.removeprefix(PRED))
        return f"{title} ({name})" if title and title != name else name
    return f"{node} {title}".strip()


def load_references(kb) -> list[dict]:
    """The curated references of ``references.yaml`` in the knowledge base folder ([] if none),
    each ``{"from", "to", "phrase", "survives"}`` with clause ids normalised and checked."""
    path = Path(kb.root) / "references.yaml"
    if not path.exists():
        return []
    from .knowledge import _display_path

    root = read_yaml(path, file=_display_path(path), error=VocabularyError)
    if root.value is None:
        return []
    out = []
    for node in root.sequence("references.yaml", VocabularyError):
        items = node.check_keys(("from", "to", "phrase", "survives", "pointer"), "a reference",
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
        pointer = items["pointer"].text("pointer", VocabularyError) if "pointer" in items else "false"
        if pointer not in ("true", "false"):
            raise items["pointer"].fail("pointer must be true or false", VocabularyError)
        ref["pointer"] = pointer == "true"
        ref["line"] = node.line
        out.append(ref)
    return out


def _pattern(atom) -> list:
    """An atom as [predicate, [argument, ...]]: a constant tagged by its kind ("symbol:user"), a
    named variable as "?X", an anonymous one as None."""
    def arg(a):
        if hasattr(a, "kind"):
            return f"{a.kind}:{a.value}"
        return None if a.name.startswith("_") else "?" + a.name
    return [atom.pred, [arg(a) for a in atom.args]]


def _is_var(a) -> bool:
    return a is None or a.startswith("?")


def _rule_summaries(rules) -> str:
    """The rules as plain JSON (id, cited clauses, head and body patterns), stored on the graph
    (graph attribute ``rules``) so that impact analysis can follow the rules atom by atom and the
    exports keep it."""
    out = []
    for rule in rules:
        if _is_internal(rule.head.pred):
            continue
        body = [_pattern(item.atom) + [item.negated] for item, _ in body_literals(rule.body)
                if not _is_internal(item.atom.pred)]
        out.append({"id": rule.id, "cites": sorted(rule.cites, key=_id_key), "head": _pattern(rule.head),
                    "body": body})
    return json.dumps(out, sort_keys=True, separators=(",", ":"))


def _unifiable(head: list, atom: list) -> bool:
    """Whether a rule head can conclude an atom a body reads: same predicate and no position
    where both hold different constants (``violated(user, ...)`` never feeds a rule that reads
    ``violated(jd_cloud, ...)``)."""
    if head[0] != atom[0] or len(head[1]) != len(atom[1]):
        return False
    return all(_is_var(a) or _is_var(b) or a == b for a, b in zip(head[1], atom[1]))


def _can_read(rule: dict, head: list, heads_by_pred: dict[str, list[list]]) -> list | None:
    """The atom of ``rule``'s body that ``head`` can feed, when the rest of the body can hold for
    it: the constants the head puts in the atom's variables must fit the other positive atoms
    of the body that use them and are concluded by rules (a ``violated(jd_cloud, C)`` read
    together with ``confidentiality_duty(C)`` is not fed by a violation that is no
    confidentiality duty). Inputs, which any scenario may assert, always fit."""
    for atom in rule["body"]:
        if not _unifiable(head, atom):
            continue
        binding = {a: b for a, b in zip(atom[1], head[1]) if a is not None and a.startswith("?") and not _is_var(b)}
        fits = True
        for other in rule["body"]:
            if other is atom or other[2] or other[0] not in heads_by_pred:
                continue
            bound = [binding.get(a, a) for a in other[1]]
            if bound == other[1]:
                continue
            if not any(_unifiable(h, [other[0], bound]) for h in heads_by_pred[other[0]]):
                fits = False
                break
        if fits:
            return atom
    return None


def _under(rule) -> str:
    """" (under interpretation X)" when the rule holds only under a named interpretation."""
    names = [str(item.atom.args[0]) for item in rule.body if getattr(item, "atom", None) is not None
             and item.atom.pred == "interpretation" and not getattr(item, "negated", False)]
    return f" (under interpretation {', '.join(sorted(names))})" if names else ""


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
                            "label": clause.id, "title": clause_title(clause.heading or "", clause.text or "")}
        if clause.parent is not None:
            add(clause.parent, clause.id, "contains", "clause tree")

    survival_clauses = {ref["from"] for ref in references if ref["survives"]}  # 11.3, 6.4 in JCS
    concluded_by: dict[str, set[str]] = {}  # predicate -> clauses cited by rules concluding it
    for rule in rules:
        pred = rule.head.pred
        if _is_internal(pred):
            continue
        key = PRED + pred
        if key not in nodes:
            nodes[key] = {"kind": "conclusion", "heading": "", "text": "", "section": "conclusions",
                          "clause_kind": "", "label": pred,
                          "title": conclusion_title(getattr(kb, "vocabulary", None), pred)}
        for cid in rule.cites:
            concluded_by.setdefault(pred, set()).add(cid)
            add(cid, key, "concludes", f"rule {rule.id}")

    for rule in rules:
        for item, _ in body_literals(rule.body):
            atom = item.atom
            if _is_internal(atom.pred):
                continue
            if atom.pred in concluded_by:
                for a in rule.cites:
                    add(a, PRED + atom.pred, "reads", f"rule {rule.id} uses {atom.pred}")
                if not _is_internal(rule.head.pred) and rule.head.pred != atom.pred:
                    add(PRED + rule.head.pred, PRED + atom.pred, "reads", f"rule {rule.id} uses {atom.pred}")
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
                if a not in survival_clauses:
                    continue
                for b in rule.cites:
                    if b not in survival_clauses:
                        add(a, b, "survives", f"survival rule {rule.id}{_under(rule)}")

    for ref in references:
        add(ref["from"], ref["to"], "points" if ref["pointer"] else "refers", ref["phrase"])
        if ref["survives"]:
            add(ref["from"], ref["to"], "survives", ref["phrase"])

    g = nx.DiGraph(name=kb.name, rules=_rule_summaries(rules))
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


def section_graph(g: nx.DiGraph) -> nx.DiGraph:
    """The whole agreement at a glance: one node per section (and the preamble), an edge
    S -> T when a clause of S depends on a clause of T (refers/uses/overrides/survives), with
    the kinds and, as evidence, how many clause-level edges of each kind it stands for."""
    out = nx.DiGraph(name=g.graph.get("name", ""))
    sections = sort_nodes({d["section"] for _, d in g.nodes(data=True) if d.get("kind") == "clause"})
    for s in sections:
        d = g.nodes[s] if s in g else {}
        out.add_node(s, kind="clause", heading=d.get("heading", ""), text="", section="sections",
                     clause_kind="section", label=s, title=d.get("title", ""))
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for u, v, d in g.edges(data=True):
        su, sv = g.nodes[u].get("section"), g.nodes[v].get("section")
        if su == sv or su not in out or sv not in out:
            continue
        for kind in DEPENDENCY_KINDS:
            if has_kind(d, kind):
                counts.setdefault((su, sv), {}).setdefault(kind, 0)
                counts[(su, sv)][kind] += 1
    for (u, v) in sorted(counts, key=lambda e: (_id_key(e[0]), _id_key(e[1]))):
        kinds = [k for k in KIND_PRIORITY if k in counts[(u, v)]]
        attrs = {"kind": kinds[0], "kinds": ",".join(kinds),
                 "evidence": "; ".join(f"{counts[(u, v)][k]} {k} edges" for k in kinds)}
        for k in kinds:
            attrs[f"evidence_{k}"] = f"{counts[(u, v)][k]} {k} edges between their clauses"
        out.add_edge(u, v, **attrs)
    return out


def clause_nodes(g: nx.DiGraph) -> list[str]:
    """The clause nodes (no conclusions), in document order: the overview picture's nodes."""
    return sort_nodes(n for n, d in g.nodes(data=True) if d.get("kind") == "clause")


def sort_nodes(nodes: Iterable[str]) -> list[str]:
    """Nodes in document order: the preamble, clauses by number, then conclusions by name."""
    return sorted(nodes, key=_id_key)


def resolve(g: nx.DiGraph, clause_id: str) -> str:
    """The node for a clause id as an analyst types it ("9.2.", " 9.2"), or UnknownClauseError
    with the closest id."""
    return _check(g, clause_id)


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
    """What an amendment of the clause (and of the clauses it contains) could change, the
    amended clauses themselves excluded:

    * the clauses whose text refers to it, or to a clause containing it (a reference to
      section 9 is one to 9.2), directly or through other references (refers/survives edges);
    * the conclusions of rules citing it, a clause it contains, or one of those referring
      clauses, and every conclusion derived from them (``reads`` edges, transitively);
    * the clauses with a rule that reads one of those conclusions.

    It follows the rules predicate by predicate: a clause whose rules conclude something
    unrelated is not swept in because another of its rules is. :func:`impact_paths` says
    why each node is in the set."""
    return set(impact_paths(g, clause_id))


def impact_paths(g: nx.DiGraph, clause_id: str) -> dict[str, list[tuple[str, str, str]]]:
    """For each node of :func:`impact_set`, one shortest chain of steps from the amended clause
    to it, each step ``(from, to, why)``: ``why`` is the edge kind with its evidence. Keys and
    chains are deterministic (breadth first, in document and rule-id order).

    Text first: the clauses referring to the amended clause or to a section containing it
    (refers/survives edges, transitively). Then the rules, atom by atom: a rule citing one of
    those clauses is affected, and so is every rule whose body reads an atom that an affected
    rule's head can conclude (same predicate, no clashing constant). The impact set holds the
    conclusions of the affected rules and the clauses the reading rules cite."""
    start = _check(g, clause_id)
    contains = _kind_view(g, ("contains",))
    amended = {start} | nx.descendants(contains, start)
    wholes = nx.ancestors(contains, start)
    referrers: dict[str, list[tuple[str, str]]] = {}  # clause -> [(referring clause, phrase)]
    for u, v, d in g.edges(data=True):
        for kind in ("refers", "survives"):
            if has_kind(d, kind):
                referrers.setdefault(v, []).append((u, f"{kind}: {d['evidence_' + kind]}"))

    chain: dict[str, list[tuple[str, str, str]]] = {start: []}
    for part in sort_nodes(amended - {start}):
        chain[part] = [(start, part, "contains")]
    for whole in sort_nodes(wholes):  # a reference to a section is one to its parts
        chain[whole] = [(start, whole, f"contains: {whole} contains {start}")]
    # the text: clauses referring to what is amended, breadth first
    textual, queue = set(amended), sort_nodes(amended) + sort_nodes(wholes)
    while queue:
        target = queue.pop(0)
        for referrer, why in sorted(referrers.get(target, ()), key=lambda r: _id_key(r[0])):
            if referrer not in chain:
                chain[referrer] = chain[target] + [(target, referrer, why)]
            if referrer not in textual:
                textual.add(referrer)
                queue.append(referrer)

    # the rules: those citing a clause of the text, then those reading what they conclude
    rules = json.loads(g.graph.get("rules", "[]"))
    heads_by_pred: dict[str, list[list]] = {}
    for rule in rules:
        heads_by_pred.setdefault(rule["head"][0], []).append(rule["head"])
    affected: list[dict] = []
    seen_rules: set[str] = set()
    for rule in rules:
        cited = [c for c in rule["cites"] if c in textual]
        if cited and rule["id"] not in seen_rules:
            seen_rules.add(rule["id"])
            affected.append(rule)
            source, head = sort_nodes(cited)[0], PRED + rule["head"][0]
            if head not in chain:
                chain[head] = chain[source] + [(source, head, f"concludes: rule {rule['id']}")]
    k = 0
    while k < len(affected):
        changed = affected[k]
        k += 1
        src = PRED + changed["head"][0]
        for rule in rules:
            if rule["id"] in seen_rules:
                continue
            read = _can_read(rule, changed["head"], heads_by_pred)
            if read is None:
                continue
            seen_rules.add(rule["id"])
            affected.append(rule)
            why = f"reads: rule {rule['id']} uses {read[0]}"
            head = PRED + rule["head"][0]
            if head not in chain and head != src:
                chain[head] = chain[src] + [(src, head, why)]
            for clause in rule["cites"]:
                if clause not in chain:
                    chain[clause] = chain[src] + [(src, clause, why)]
    return {n: chain[n] for n in sort_nodes(chain) if n not in amended and n not in wholes}


def impact_edges(g: nx.DiGraph, clause_id: str) -> set[tuple[str, str]]:
    """The graph's edges along the chains of :func:`impact_paths`: drawn alone (with
    ``kinds=KINDS``, since the chains follow ``reads`` edges), they show why each node of the
    impact set is in it, as a tree instead of a tangle."""
    out = set()
    for chain in impact_paths(g, clause_id).values():
        for a, b, _ in chain:
            out.add((a, b) if g.has_edge(a, b) else (b, a))
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


# --- a clause in focus: what it relies on, what relies on it -----------------------------

# the kinds by which one node relies on another: X -> Y of these kinds reads "X relies on Y";
# a "concludes" edge C -> p the other way round (the conclusion p rests on the clause C whose
# rules conclude it). "contains" is no reliance: a section is made of its clauses.
RELIANCE_KINDS = ("refers", "points", "uses", "overrides", "survives", "reads")
FOCUS_COLUMN_WIDTH = 380.0  # layout units (about pixels at the scale the interactive view opens)
FOCUS_ROW_HEIGHT = 26.0


def _reliance(g: nx.DiGraph, node: str, dependents: bool) -> dict[str, list[str]]:
    """What ``node`` relies on (``dependents`` false) or what relies on it (true): ``{other:
    [kinds]}``. A reliance edge points from the relying node; a "concludes" edge the other way."""
    relying = g.in_edges(node, data=True) if dependents else g.out_edges(node, data=True)
    concluding = g.out_edges(node, data=True) if dependents else g.in_edges(node, data=True)
    out: dict[str, list[str]] = {}
    for u, v, d in relying:
        other = u if dependents else v
        if other != node and not has_kind(d, "concludes"):
            kinds = [k for k in KIND_PRIORITY if k in RELIANCE_KINDS and has_kind(d, k)]
            if kinds:
                out[other] = kinds
    for u, v, d in concluding:
        other = v if dependents else u
        if other != node and has_kind(d, "concludes"):
            out.setdefault(other, []).append("concludes")
    return out


def _relies_on(g: nx.DiGraph, node: str) -> dict[str, list[str]]:
    """What ``node`` relies on: ``{other: [kinds]}``."""
    return _reliance(g, node, dependents=False)


def _relied_on_by(g: nx.DiGraph, node: str) -> dict[str, list[str]]:
    """What relies on ``node``: ``{other: [kinds]}``."""
    return _reliance(g, node, dependents=True)


class Focus:
    """A node of the graph with what relies on it and what it relies on, in columns read left to
    right: the dependents (the clauses whose text or rules rely on it, the conclusions its rules
    conclude), then the node itself with the nodes in a cycle with it (they rely on it and it on
    them: 9.1 and 9.2), then what it relies on (the clauses its rules use, the conclusions they
    read). With ``depth`` > 1 the columns go on outwards: what relies on the dependents, what the
    dependencies rely on. Every edge kept points rightwards, from a node to one it relies on
    (``edges``: ``(relying, relied on, kind)``); edges between nodes of one column, or pointing
    back leftwards, are left out. Built by :func:`focus`."""

    def __init__(self, g: nx.DiGraph, node: str, depth: int = 1):
        self.node = _check(g, node)
        self.depth = max(0, int(depth))
        if self.depth == EVERYTHING:
            self._everything(g)
            return
        column: dict[str, int] = {self.node: 0}
        before, after = _relied_on_by(g, self.node), _relies_on(g, self.node)
        for n in before:
            column[n] = 0 if n in after else -1
        for n in after:
            column.setdefault(n, 1)
        left = set(before)
        right = set(after)
        for level in range(2, self.depth + 1):
            new_left = {a for b in left for a in _relied_on_by(g, b)} - set(column)
            new_right = {b for a in right for b in _relies_on(g, a)} - set(column)
            for n in new_left:
                column[n] = -level
            for n in new_right - new_left:  # a node on both sides further out stands on the left
                column[n] = level
            left, right = new_left, new_right - new_left
        self.column_of = column
        offsets = sorted(set(column.values()))
        self.centre = offsets.index(0)
        self.columns: tuple[tuple[str, ...], ...] = tuple(self._order(g, offsets))
        edges = []
        for a in sort_nodes(column):
            for b, kinds in _relies_on(g, a).items():
                if b not in column:
                    continue
                ca, cb = column[a], column[b]
                if ca < cb or (ca == cb == 0 and self.node in (a, b)):
                    edges.append((a, b, kinds[0]))
        self.edges: tuple[tuple[str, str, str], ...] = tuple(
            sorted(edges, key=lambda e: (_id_key(e[0]), _id_key(e[1]))))

    def _everything(self, g: nx.DiGraph) -> None:
        """``depth=EVERYTHING``: on the left everything that depends on the node
        (:func:`depending_on`, with the nodes its reasons pass through, such as the section 9
        whose mention in 3.2.4 is a reference to 9.2), one column per step away from the node,
        each joined to the node it depends on by the step of its reason (:func:`dependents_tree`);
        on the right what the node itself relies on, as at depth 1."""
        tree = dependents_tree(g, self.node)
        after = _relies_on(g, self.node)
        column: dict[str, int] = {self.node: 0}
        for n, (_, _, distance) in tree.items():
            column[n] = 0 if distance == 1 and n in after else -distance
        for n in after:
            column.setdefault(n, 1)
        self.column_of = column
        offsets = sorted(set(column.values()))
        self.centre = offsets.index(0)
        self.columns = tuple(self._order(g, offsets))
        edges = [(n, parent, kind) for n, (parent, kind, _) in tree.items()]
        # what the node relies on and also depends on it, further out on the left, is drawn
        # there, joined by its reason; the arrow back to it would point leftwards
        edges += [(self.node, b, kinds[0]) for b, kinds in after.items() if column[b] >= 0]
        self.edges = tuple(sorted(set(edges), key=lambda e: (_id_key(e[0]), _id_key(e[1]))))

    def _order(self, g: nx.DiGraph, offsets: list[int]) -> list[tuple[str, ...]]:
        """Each column top to bottom: clauses in document order, then conclusions by name; the
        node in focus in the middle of its column; an outer column ordered by where its nodes'
        neighbours stand in the column next to it inwards (fewer crossings)."""
        by_offset = {o: sort_nodes(n for n, c in self.column_of.items() if c == o) for o in offsets}
        centre = [n for n in by_offset[0] if n != self.node]
        half = len(centre) // 2
        by_offset[0] = centre[:half] + [self.node] + centre[half:]
        for o in sorted(offsets, key=abs):
            if abs(o) < 2:
                continue
            inner = {n: i for i, n in enumerate(by_offset[o - 1 if o > 0 else o + 1])}
            g_und = g.to_undirected(as_view=True)

            def rank(n: str) -> float:
                near = [inner[m] for m in g_und.neighbors(n) if m in inner]
                return sum(near) / len(near) if near else float(len(inner))

            by_offset[o] = sorted(by_offset[o], key=lambda n: (rank(n), _id_key(n)))
        return [tuple(by_offset[o]) for o in offsets]

    @property
    def nodes(self) -> list[str]:
        """Every node shown, in document order."""
        return sort_nodes(self.column_of)

    @property
    def dependents(self) -> list[str]:
        """The nodes left of the centre column (what relies on the node), in document order."""
        return sort_nodes(n for n, c in self.column_of.items() if c < 0)

    @property
    def dependencies(self) -> list[str]:
        """The nodes right of the centre column (what the node relies on), in document order."""
        return sort_nodes(n for n, c in self.column_of.items() if c > 0)

    @property
    def mutual(self) -> list[str]:
        """The nodes in a cycle with the node (they rely on it and it relies on them)."""
        return sort_nodes(n for n, c in self.column_of.items() if c == 0 and n != self.node)

    def relying(self) -> list[str]:
        """Everything shown that relies on the node: the dependents and the nodes in a cycle with it."""
        return sort_nodes(self.dependents + self.mutual)

    def positions(self, column_width: float = FOCUS_COLUMN_WIDTH,
                  row_height: float = FOCUS_ROW_HEIGHT) -> dict[str, tuple[float, float]]:
        """``{node: (x, y)}``: the columns left to right (the node at x = 0), each column's nodes
        top to bottom (y grows upwards, as in graphviz and Sigma), centred on y = 0."""
        out = {}
        for i, col in enumerate(self.columns):
            x = (i - self.centre) * column_width
            for j, n in enumerate(col):
                out[n] = (x, ((len(col) - 1) / 2 - j) * row_height)
        return {n: out[n] for n in sort_nodes(out)}

    @property
    def rows(self) -> int:
        """The number of nodes in the tallest column."""
        return max(len(c) for c in self.columns)

    def summary(self) -> str:
        """One line: how many clauses and conclusions stand on each side."""
        def count(nodes: list[str]) -> str:
            clauses = sum(1 for n in nodes if not n.startswith(PRED))
            parts = [f"{clauses} clause{'s' if clauses != 1 else ''}"] if clauses else []
            conclusions = len(nodes) - clauses
            if conclusions:
                parts.append(f"{conclusions} conclusion{'s' if conclusions != 1 else ''}")
            return " and ".join(parts) or "nothing"
        name = self.node.removeprefix(PRED)
        line = f"left: {count(self.dependents)} relying on {name}"
        if self.mutual:
            line += f"; beside it: {count(self.mutual)} in a cycle with it"
        return line + f"; right: {count(self.dependencies)} {name} relies on"

    def __repr__(self) -> str:
        return f"Focus({self.node!r}, depth={self.depth}, columns={[len(c) for c in self.columns]})"


def dependents_tree(g: nx.DiGraph, node: str) -> dict[str, tuple[str, str, int]]:
    """Everything that depends on ``node``, each with the reason it does, as a tree:
    ``{dependent: (what it depends on, edge kind, steps from the node)}`` in document order.
    For a clause the tree of :func:`impact_paths` (each dependent's last step; the nodes the
    steps pass through, such as a section containing the clause, are in it too); for a
    conclusion breadth first over the ``reads`` edges into it: the conclusions derived from it,
    transitively, and the clauses whose rules read one of them."""
    node = _check(g, node)
    tree: dict[str, tuple[str, str, int]] = {}
    if not node.startswith(PRED):
        for chain in impact_paths(g, node).values():
            for i, (a, b, why) in enumerate(chain):
                if b not in tree and b != node:
                    tree[b] = (a, why.split(":", 1)[0], i + 1)
    else:  # predicate by predicate, as the impact set: the conclusions read from it, the clauses
        # whose rules read them (not every conclusion of those clauses' other rules)
        queue = [node]
        while queue:
            at = queue.pop(0)
            for other in sort_nodes(u for u, _, d in g.in_edges(at, data=True) if has_kind(d, "reads")):
                if other not in tree and other != node:
                    tree[other] = (at, "reads", (tree[at][2] if at in tree else 0) + 1)
                    if other.startswith(PRED):
                        queue.append(other)
    return {n: tree[n] for n in sort_nodes(tree)}


EVERYTHING = 0  # Focus depth: everything that depends on the node, however far


def focus(g: nx.DiGraph, node: str, depth: int = 1) -> Focus:
    """The node (a clause id as an analyst types it, or ``pred:<name>``) with what relies on it
    and what it relies on, in columns left to right (see :class:`Focus`); ``depth`` steps on each
    side, or :data:`EVERYTHING` (0): everything that depends on it, however far."""
    return Focus(g, node, depth)


def find(g: nx.DiGraph, text: str) -> list[str]:
    """The nodes a search box finds for ``text``: the clause with that id ("9.2", "9.2."), or the
    conclusion with that name ("force_majeure", "pred:force_majeure"); otherwise the nodes
    whose id, title, heading or text holds every word of ``text`` (case ignored): clauses in
    document order, those matching by id, title or heading first, then conclusions (by their
    name and title). [] when nothing matches."""
    text = " ".join(text.split())
    if not text:
        return []
    try:
        return [_check(g, text)]
    except UnknownClauseError:
        pass
    name = text.removeprefix(PRED)
    if PRED + name in g:
        return [PRED + name]
    words = text.lower().split()
    first, second, conclusions = [], [], []
    for n in sort_nodes(g):
        d = g.nodes[n]
        title = " ".join([n, d.get("title", ""), d.get("heading", "")]).lower()
        if n.startswith(PRED):
            if all(w in title or w in n.replace("_", " ") for w in words):
                conclusions.append(n)
        elif all(w in title for w in words):
            first.append(n)
        elif all(w in title + " " + d.get("text", "").lower() for w in words):
            second.append(n)
    return first + second + conclusions


def depending_on(g: nx.DiGraph, node: str) -> list[str]:
    """Everything that depends on ``node``, in document order (clauses, then conclusions): for a
    clause its :func:`impact_set` (what an amendment of it could change, through the text and
    the rules); for a conclusion (``pred:<name>``) everything that relies on it, directly or
    through other conclusions (the conclusions derived from it, following ``reads`` edges, and
    the clauses whose rules read one of them)."""
    node = _check(g, node)
    if not node.startswith(PRED):
        return sort_nodes(impact_set(g, node))
    return list(dependents_tree(g, node))


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


def _wrap(text: str, width: int = 26, lines: int = 2) -> list[str]:
    """``text`` in lines of at most about ``width`` characters, cut at word boundaries; at most
    ``lines`` lines, the last ending with "…" when words were left out."""
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        elif len(out) == lines:
            out[-1] = out[-1].rstrip("…") + "…"
            break
        else:
            out.append(word)
    return out


# how the legend draws each line style, in text (an HTML-like table, so that it stays as small
# as its words: one line per kind drawn)
_LEGEND_STROKE = {"dotted": "┈┈┈┈", "dashed": "╌╌╌╌", "solid": "────", "bold": "━━━━"}


def _legend_rows(kinds: Iterable[str]) -> str:
    rows = []
    for kind in kinds:
        colour, style, width = EDGE_STYLE[kind]
        stroke = "━━━━" if style == "solid" and float(width) >= 2 else _LEGEND_STROKE[style]
        rows.append(f'<TR><TD><FONT COLOR="{colour}">{stroke}</FONT></TD>'
                    f'<TD ALIGN="LEFT">{kind}</TD></TR>')
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>>")


def to_dot(g: nx.DiGraph, nodes: Iterable[str] | None = None, highlight: Iterable[str] = (),
           title: str | None = None, kinds: Iterable[str] = PICTURE_KINDS,
           edges: Iterable[tuple[str, str]] | None = None) -> str:
    """Deterministic DOT text, laid out left to right: clauses grouped by section, each labelled
    with its id and short title (:func:`clause_title`), conclusions apart, labelled with their
    title (the name in the tooltip), edges styled by kind, and a small legend naming only the
    kinds the picture draws. ``nodes`` limits the picture to those nodes; ``highlight`` fills
    some; ``kinds`` chooses the edge kinds drawn (all those of the legend by default);
    ``edges``, when given, the only edges drawn (such as :func:`impact_edges`)."""
    kinds = tuple(k for k in KINDS if k in set(kinds))
    only = None if edges is None else set(edges)
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
                name = d.get("label", n.removeprefix(PRED))
                title_text = d.get("title", "") or name
                label = "\n".join(_wrap(title_text, 24, 3))
                attrs = [f"label={_q(label)}", "shape=ellipse", f"tooltip={_q(f'conclusion {name}: {title_text}')}",
                         f"fillcolor={_q('#ffd8a8' if n in highlight else '#fff4e6')}"]
            else:
                head = d.get("heading", "")
                short = d.get("title", "") or head
                label = "\n".join([n] + _wrap(short, 26, 2))
                tip = f"{n} {head}".strip() + (": " + d.get("text", "") if d.get("text") else "")
                attrs = [f"label={_q(label)}", f"tooltip={_q(_short(tip, 600))}",
                         f"fillcolor={_q('#a5d8ff' if n in highlight else '#ffffff')}"]
            lines.append(f"    {_q(n)} [{', '.join(attrs)}];")
        lines.append("  }")
    drawn: set[str] = set()
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (_id_key(e[0]), _id_key(e[1]))):
        if u not in keep_set or v not in keep_set or (only is not None and (u, v) not in only):
            continue
        shown = [k for k in KIND_PRIORITY if k in kinds and has_kind(d, k)]
        if not shown:
            continue
        drawn.add(shown[0])
        colour, style, width = EDGE_STYLE[shown[0]]
        tip = f"{u} -> {v}: {d['kinds']}: {_short(d['evidence'], 300)}"
        lines.append(f"  {_q(u)} -> {_q(v)} [color={_q(colour)}, style={_q(style)}, penwidth={width}, "
                     f"tooltip={_q(tip)}];")
    if drawn:  # the legend names the kinds drawn, nothing more: a small graph gets a small legend
        lines.append("  subgraph cluster_legend {")
        lines.append("    label=\"edge kinds\"; style=\"rounded\"; color=\"#bbbbbb\"; fontsize=8;")
        lines.append(f"    \"legend_kinds\" [label={_legend_rows(k for k in KINDS if k in drawn)}, "
                     "shape=plaintext, style=\"\", fontsize=7];")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def layout(g: nx.DiGraph, nodes: Iterable[str] | None = None) -> dict[str, tuple[float, float]]:
    """Positions ``{node: (x, y)}`` for the graph (or ``nodes``) in the arrangement of the static
    picture (clauses grouped by section), computed by graphviz ``dot`` with a short crossing
    minimisation so the whole agreement takes about half a second; deterministic, and cached
    for the same graph and nodes. Interactive views place nodes with it."""
    return dict(_layout(to_dot(g, nodes)))


@functools.lru_cache(maxsize=32)
def _layout(source: str) -> tuple[tuple[str, tuple[float, float]], ...]:
    data = json.loads(_run_dot(source, ["-Tjson0", "-Gsplines=false", "-Gmclimit=0.01", "-Gnslimit=1"]))
    out = []
    for obj in data.get("objects", ()):
        if "pos" in obj and not obj["name"].startswith("legend_"):
            x, y = obj["pos"].split(",")
            out.append((obj["name"], (float(x), float(y))))
    return tuple(sorted(out, key=lambda item: _id_key(item[0])))


def _run_dot(source: str, args: list[str], dot: str = "dot") -> str:
    try:
        proc = subprocess.run([dot, *args], input=source.encode("utf-8"), capture_output=True,
                              timeout=120, check=False)
    except FileNotFoundError:
        raise KbError("graphviz 'dot' is not installed (apt-get install graphviz)") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise KbError(f"dot failed: {msg[0] if msg else proc.returncode}")
    return proc.stdout.decode("utf-8")


_GENERATED = re.compile(r"<!-- Generated by graphviz.*?-->\n", re.DOTALL)


def render_svg(g: nx.DiGraph, nodes: Iterable[str] | None = None, highlight: Iterable[str] = (),
               title: str | None = None, kinds: Iterable[str] = PICTURE_KINDS,
               edges: Iterable[tuple[str, str]] | None = None, dot: str = "dot") -> str:
    """The SVG of the graph (or of ``nodes``), drawn by graphviz ``dot`` from :func:`to_dot`;
    the same graph gives the same bytes (the comment naming the dot version is removed)."""
    svg = _GENERATED.sub("", _run_dot(to_dot(g, nodes, highlight, title, kinds, edges), ["-Tsvg"], dot))
    return fit_width(svg)


_SVG_SIZE = re.compile(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"')


def fit_width(svg: str) -> str:
    """The SVG scaled to the width of what holds it (a notebook cell, a browser window): width
    100% of it, never wider than its natural size (``max-width``), the height following from the
    viewBox (drawn coordinates in points), so a large graph shrinks to fit instead of
    overflowing and a small one is not blown up."""
    m = _SVG_SIZE.search(svg)
    if m is None:
        return svg
    width = m.group(1)
    return svg[:m.start()] + (f'<svg width="100%" style="max-width:{width}pt;height:auto" '
                              f'preserveAspectRatio="xMinYMin meet"') + svg[m.end():]
