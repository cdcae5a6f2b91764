"""The vocabulary as a readable catalogue: what a scenario may state and what the rules conclude.

``python -m kb vocabulary [--area AREA] [--search WORD]`` prints it; in a notebook
``agreement.catalogue(area=..., search=...)`` shows it as HTML tables. Each entry gives the
predicate, its arguments with their types, the sentence it reads as (its ``says:`` template), its
documentation and the clauses of the rules that conclude it (a conclusion) or read it (an input);
the enumerations the entries use follow, each value with its description (and, in HTML and JSON,
the label it reads as inside a sentence). ``python -m kb schema`` stays the machine-readable form.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from .errors import KbError, suggest
from .terms import body_literals
from .vocabulary import INTERPRETATION, PredicateDecl, ValueType

ROLES = (("input", "Inputs: facts a scenario states, denies or leaves in question"),
         ("conclusion", "Conclusions: what the rules derive"))


@dataclass
class Entry:
    decl: PredicateDecl
    clauses: list[str]

    @property
    def name(self) -> str:
        return self.decl.name


@dataclass
class AreaSection:
    area: str
    title: str
    entries: dict[str, list[Entry]] = field(default_factory=dict)  # role -> entries, sorted by name
    types: list[tuple[ValueType, list[tuple[str, str]]]] = field(default_factory=list)  # enum, values shown


@dataclass
class Catalogue:
    sections: list[AreaSection]
    search: str | None = None

    def __len__(self) -> int:
        return sum(len(es) for s in self.sections for es in s.entries.values())

    def to_text(self) -> str:
        if not self.sections:
            return f"nothing in the vocabulary matches '{self.search}'" if self.search else "empty vocabulary"
        lines: list[str] = []
        for section in self.sections:
            if lines:
                lines.append("")
            lines.append(f"{section.area}: {section.title}")
            for role, heading in ROLES:
                entries = section.entries.get(role)
                if not entries:
                    continue
                lines.append(f"  {heading}")
                for e in entries:
                    where = f"  [{', '.join(e.clauses)}]" if e.clauses else ""
                    lines.append(f"    {e.decl.signature}{where}")
                    if e.decl.says:
                        lines.append(f"        reads: \u201c{e.decl.says}\u201d")
                    lines.append(f"        {e.decl.doc}")
            if section.types:
                lines.append("  Values")
                for vtype, values in section.types:
                    lines.append(f"    {vtype.name}: {vtype.doc}" if vtype.doc else f"    {vtype.name}")
                    width = max(len(v) for v, _ in values)
                    for value, doc in values:
                        lines.append(f"      {value.ljust(width)}  {doc}".rstrip())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def to_html(self) -> str:
        h = html.escape
        if not self.sections:
            return f"<p><i>{h(self.to_text())}</i></p>"
        parts = ["<div class='kb-catalogue'>"]
        for section in self.sections:
            parts.append(f"<h4>{h(section.area)}: {h(section.title)}</h4>")
            parts.append("<table><thead><tr><th>predicate</th><th>role</th><th>arguments</th>"
                         "<th>what it says</th><th>clauses</th><th>reads as</th></tr></thead><tbody>")
            for role, _ in ROLES:
                for e in section.entries.get(role, []):
                    args = ", ".join(f"{a.name}: {a.type.name}" for a in e.decl.args)
                    parts.append(f"<tr><td><code>{h(e.name)}</code></td><td>{role}</td><td>{h(args)}</td>"
                                 f"<td style='text-align:left'>{h(e.decl.doc)}</td><td>{h(', '.join(e.clauses))}</td>"
                                 f"<td style='text-align:left'>{h(e.decl.says)}</td></tr>")
            parts.append("</tbody></table>")
            for vtype, values in section.types:
                parts.append(f"<p><b>{h(vtype.name)}</b>{': ' + h(vtype.doc) if vtype.doc else ''}</p><table><tbody>")
                parts += [f"<tr><td><code>{h(v)}</code></td><td>{h(vtype.label(v))}</td>"
                          f"<td style='text-align:left'>{h(d)}</td></tr>" for v, d in values]
                parts.append("</tbody></table>")
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_json(self) -> list[dict]:
        return [{"area": s.area, "title": s.title,
                 "predicates": [{"name": e.name, "role": role, "doc": e.decl.doc, "says": e.decl.says,
                                 "clauses": e.clauses,
                                 "args": [{"name": a.name, "type": a.type.name} for a in e.decl.args]}
                                for role, _ in ROLES for e in s.entries.get(role, [])],
                 "values": {t.name: dict(values) for t, values in s.types},
                 "labels": {t.name: {v: t.label(v) for v, _ in values} for t, values in s.types}}
                for s in self.sections]


def _clauses_by_predicate(kb) -> tuple[dict[str, set], dict[str, set]]:
    """Clauses cited by the rules concluding each predicate, and by the rules reading it."""
    concluded, read = {}, {}
    for rule in kb.program.all_rules():
        concluded.setdefault(rule.head.pred, set()).update(rule.cites)
        for lit, _ in body_literals(rule.body):
            read.setdefault(lit.atom.pred, set()).update(rule.cites)
    return concluded, read


def catalogue(kb, area: str | None = None, search: str | None = None) -> Catalogue:
    """The catalogue of ``kb``'s vocabulary, one section per area (sorted), optionally one area
    only and only what mentions ``search`` (in a name, an argument, a documentation or an
    enumeration value; case does not matter). An unknown area is a KbError with a suggestion."""
    vocab = kb.vocabulary
    areas = sorted(set(vocab.areas) | {d.area for d in vocab.all_decls()} - {INTERPRETATION})
    if area is not None and area not in areas:
        raise KbError(f"no area '{area}' (areas: {', '.join(areas)})",
                      suggestion=suggest(area, {a: vocab.areas.get(a, "") for a in areas}))
    order = {cid: i for i, cid in enumerate(kb.clauses.ids())}
    concluded, read = _clauses_by_predicate(kb)
    needle = search.lower().strip() if search else None
    sections = []
    for name in areas if area is None else [area]:
        section = AreaSection(name, vocab.areas.get(name, name))
        used: dict[str, ValueType] = {}
        for role, pool in (("input", vocab.inputs), ("conclusion", vocab.conclusions)):
            for pred in sorted(pool):
                decl = pool[pred]
                if decl.area != name:
                    continue
                enums = [a.type for a in decl.args if a.type.kind == "enum"]
                text = " ".join([decl.name, decl.doc] + [f"{a.name} {a.type.name}" for a in decl.args]).lower()
                value_hit = needle is not None and any(
                    needle in f"{v} {d}".lower() for t in enums for v, d in t.values)
                if needle is not None and needle not in text and not value_hit:
                    continue
                cited = concluded.get(pred, set()) if role == "conclusion" else read.get(pred, set())
                section.entries.setdefault(role, []).append(
                    Entry(decl, sorted(cited, key=lambda c: order.get(c, len(order)))))
                for t in enums:
                    used[t.name] = t
        if not section.entries:
            continue
        for tname in sorted(used):
            vtype = used[tname]
            values = list(vtype.values)
            if needle is not None and needle not in tname.lower():
                matching = [(v, d) for v, d in values if needle in f"{v} {d}".lower()]
                values = matching or values
            section.types.append((vtype, values))
        sections.append(section)
    return Catalogue(sections, search)
