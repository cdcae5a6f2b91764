"""What an amendment of the agreement changes: redline, rule changes, verdict diff, prediction.

``compare(old, new)`` takes two loaded knowledge bases (usually the agreement and a copy with an
edited clause text, parameter or rule file: :func:`amend` loads two folders with every load-time
check; :func:`amend_rules` builds the second from rule-language statements, as the notebook's
``%%kb_rules`` cell magic does) and reports:

* the **redline** (:class:`ClauseRedline`): every clause whose text changed, as a word-level
  diff (difflib over word, space and punctuation tokens): text ``[-deleted-]{+inserted+}``,
  HTML ``<del>``/``<ins>``, everything escaped;
* the **rule changes** (:class:`RuleChanges`): rules added, removed and changed by ``@rule`` id
  (a rule changed when its statement, citations, quotes, gloss or overrides differ; where it
  sits in which file does not count), parameters with their old and new values (readings
  included, written ``name[reading]``), interpretations added and removed;
* the **verdict diff** (:class:`Verdict`): every scenario file of both folders (union by file
  name; each version evaluates its own folder's copy, or the other's when it has none), plus the
  files of ``witnesses`` folders, evaluated under both versions; for each, the conclusions
  gained and lost (those that hold in every case of the facts in question), each with its
  explanation under the version where it holds; whether its expectations, which held under the
  old version, no longer hold under the new one; a scenario that fails to load under a version
  is reported (:class:`LoadFailure`), never a crash. Grouped by area: a scenario's area is the
  longest area name its file name starts with (``data_retention_...``), ``other`` otherwise;
* **prediction vs outcome** (:class:`Prediction`): the changed clauses are the redline's clauses
  and the clauses cited by added, removed or changed rules and changed parameters; the
  predicted set is those clauses with the clause graph's impact set of each
  (:func:`kb.graph.impact_set`, in the old and the new graph). A changed conclusion is mapped to
  the clause ids its explanation cites (under the version where it holds): it is *predicted*
  when one of them is in the predicted set, *outside* otherwise; a predicted clause that no
  changed conclusion cites *never changed*.

Each version is evaluated in its own :class:`~kb.knowledge.KnowledgeBase` (each owns its engine
and its thread), so comparing A with B leaves A's answers exactly what A alone gives.

:func:`copy_agreement`, :func:`edit_file` and :func:`edit_files` make an amendment copy in a
temporary folder (tests, notebooks): copy the folder, replace an exact text in a file (it must
occur, and as often as said) or in every file of a pattern (the quotes of a reworded clause).
"""
from __future__ import annotations

import difflib
import html
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

from .errors import KbError, VocabularyError
from .knowledge import AGREEMENTS_DIR, DEFAULT_AGREEMENT, KnowledgeBase, _display_path, _interpretation_users, \
    load_knowledge_base
from .program import Program, build_program
from .sentences import standalone
from .syntax import parse_rule_file
from .textsafe import one_line
from .terms import Rule, RuleFile

OTHER_AREA = "other"


class AmendError(KbError):
    """An amendment that cannot be compared or applied (a folder missing, an edit that does not fit)."""


# --- making an amendment copy -------------------------------------------------------------

def copy_agreement(src: Union[str, Path, None], dst: Union[str, Path]) -> Path:
    """Copy the knowledge-base folder ``src`` (None: the built-in agreement) to the new folder
    ``dst`` (which must not exist) and return ``dst``: the starting point of an amendment."""
    src = Path(src) if src is not None else AGREEMENTS_DIR / DEFAULT_AGREEMENT
    dst = Path(dst)
    if not (src / "agreement.yaml").is_file():
        raise AmendError(f"{src}: not a knowledge-base folder (no agreement.yaml)")
    if dst.exists():
        raise AmendError(f"{dst}: already exists; copy into a new folder")
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dst


def edit_file(path: Union[str, Path], old: str, new: str, count: int = 1) -> None:
    """Replace the exact text ``old`` by ``new`` in the file, which must contain ``old`` exactly
    ``count`` times (AmendError otherwise: an edit that does not fit is never silently lost)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    found = text.count(old)
    if found != count:
        raise AmendError(f"{path.name}: expected {count} occurrence{'s' if count != 1 else ''} of {old!r}, "
                         f"found {found}")
    path.write_text(text.replace(old, new), encoding="utf-8")


def edit_files(folder: Union[str, Path], pattern: str, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in every file of ``folder`` matching the glob ``pattern``
    (``rules/*.dl``), and return how many occurrences were replaced: at least one, or
    AmendError (a quote reworded with its clause must be found somewhere)."""
    total = 0
    for path in sorted(Path(folder).glob(pattern)):
        found = path.read_text(encoding="utf-8").count(old)
        if found:
            edit_file(path, old, new, count=found)
            total += found
    if not total:
        raise AmendError(f"{folder}/{pattern}: no file contains {old!r}")
    return total


# --- redline ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")


def tokens(text: str) -> list[str]:
    """The text as word, space and punctuation tokens (joined, they give the text back)."""
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class ClauseRedline:
    """A clause whose text changed: ``segments`` are ``("=", text)`` kept, ``("-", text)``
    deleted, ``("+", text)`` inserted, in reading order (a replacement is its deletion then its
    insertion). ``old``/``new`` is "" for a clause added or removed."""

    clause: str
    old: str
    new: str
    segments: tuple[tuple[str, str], ...]

    def to_text(self) -> str:
        """The clause with ``[-deleted-]`` and ``{+inserted+}`` marked."""
        marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
        return "".join(marks[op].format(text) for op, text in self.segments)

    def excerpt(self, context: int = 60) -> str:
        """The marked text (:meth:`to_text`) of the changes only, each with up to ``context``
        characters of unchanged text around it; a cut is marked "..."."""
        parts = []
        last = len(self.segments) - 1
        for i, (op, text) in enumerate(self.segments):
            if op == "-":
                parts.append(f"[-{text}-]")
            elif op == "+":
                parts.append(f"{{+{text}+}}")
            elif i == 0:
                parts.append(text if len(text) <= context else "..." + text[-context:])
            elif i == last:
                parts.append(text if len(text) <= context else text[:context] + "...")
            else:
                parts.append(text if len(text) <= 2 * context else text[:context] + " ... " + text[-context:])
        return "".join(parts)

    def to_html(self) -> str:
        """The clause with ``<del>`` and ``<ins>``, every text escaped."""
        e = html.escape
        tags = {"=": "{}", "-": "<del>{}</del>", "+": "<ins>{}</ins>"}
        return "".join(tags[op].format(e(text)) for op, text in self.segments)

    def to_json(self) -> dict:
        return {"clause": self.clause, "old": self.old, "new": self.new, "redline": self.to_text(),
                "segments": [list(s) for s in self.segments]}


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """The word-level diff of two texts as segments (see :class:`ClauseRedline`); neighbouring
    segments of one kind are merged."""
    a, b = tokens(old), tokens(new)
    out: list[tuple[str, str]] = []

    def put(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            put("=", "".join(a[i1:i2]))
        else:
            put("-", "".join(a[i1:i2]))
            put("+", "".join(b[j1:j2]))
    return tuple(out)


def _clause_text(clauses, cid: str) -> str:
    c = clauses[cid]
    return " ".join(x for x in (c.heading or "", c.text or "") if x)


def redline(old: KnowledgeBase, new: KnowledgeBase) -> list[ClauseRedline]:
    """Every clause whose own text (heading included) differs between the two versions, in the
    new text's order (clauses removed last, in the old order), with its word-level diff."""
    old_ids, new_ids = old.clauses.ids(), new.clauses.ids()
    out = []
    for cid in new_ids + [c for c in old_ids if c not in set(new_ids)]:
        before = _clause_text(old.clauses, cid) if cid in old.clauses else ""
        after = _clause_text(new.clauses, cid) if cid in new.clauses else ""
        if before != after:
            out.append(ClauseRedline(cid, before, after, word_diff(before, after)))
    return out


# --- rule changes -------------------------------------------------------------------------

def _statement(group: list[Rule]) -> tuple:
    """What a rule says: its statements and the rules it overrides."""
    return tuple((str(r), r.overrides) for r in group)


def _provenance(group: list[Rule]) -> tuple:
    """Where a rule says it comes from: citations, gloss, quotes."""
    return tuple((r.cites, r.gloss, tuple((q.clause, q.text) for q in r.quotes)) for r in group)


def _param_values(program: Program) -> dict[str, object]:
    values: dict[str, object] = {name: p.value for name, p in program.params.items()}
    for name, variants in program.param_variants.items():
        for v in variants:
            values[f"{name}[{v.reading}]"] = v.value
    return values


@dataclass(frozen=True)
class RuleChanges:
    """Rules added, removed and changed (their statement or overrides: ids, sorted), rules whose
    provenance alone changed (``reworded``: citations, gloss or quotes, as when a quoted clause
    was reworded), parameters changed (name -> (old, new); None for a parameter only one version
    has), interpretations added and removed (sorted), and the clauses that the added, removed
    and changed rules, the changed parameters and the interpretations added or removed cite
    (``clauses``, document order). Changes to the vocabulary's documentation and sentence
    templates are not listed (they change no answer)."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    reworded: tuple[str, ...]
    params: dict[str, tuple]
    interpretations_added: tuple[str, ...]
    interpretations_removed: tuple[str, ...]
    clauses: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.reworded or self.params or self.interpretations_added
                    or self.interpretations_removed)

    def to_json(self) -> dict:
        return {"added": list(self.added), "removed": list(self.removed), "changed": list(self.changed),
                "reworded": list(self.reworded),
                "params": {k: {"old": o, "new": n} for k, (o, n) in sorted(self.params.items())},
                "interpretations_added": list(self.interpretations_added),
                "interpretations_removed": list(self.interpretations_removed), "clauses": list(self.clauses)}

    def to_text(self) -> str:
        lines = []
        for label, ids in (("rules added", self.added), ("rules removed", self.removed),
                           ("rules changed", self.changed), ("rules with new citations or quotes only", self.reworded),
                           ("interpretations added", self.interpretations_added),
                           ("interpretations removed", self.interpretations_removed)):
            if ids:
                lines.append(f"  {label}: {', '.join(ids)}")
        for name, (o, n) in sorted(self.params.items()):
            lines.append(f"  parameter {name}: {_shown_value(o)} -> {_shown_value(n)}")
        return "\n".join(lines) if lines else "  (no rule, parameter or interpretation changed)"


def _shown_value(v) -> str:
    return "(none)" if v is None else str(v)


def rule_changes(old: KnowledgeBase, new: KnowledgeBase) -> RuleChanges:
    """Compare the two parsed programs (see :class:`RuleChanges`)."""
    a, b = old.program.rules, new.program.rules
    added = tuple(sorted(set(b) - set(a)))
    removed = tuple(sorted(set(a) - set(b)))
    both = set(a) & set(b)
    changed = tuple(sorted(r for r in both if _statement(a[r]) != _statement(b[r])))
    reworded = tuple(sorted(r for r in both if r not in changed and _provenance(a[r]) != _provenance(b[r])))
    pa, pb = _param_values(old.program), _param_values(new.program)
    params = {k: (pa.get(k), pb.get(k)) for k in sorted(set(pa) | set(pb)) if pa.get(k) != pb.get(k)}
    ia, ib = set(old.vocabulary.interpretations), set(new.vocabulary.interpretations)
    cited: set[str] = set()
    for ids, rules in ((added, b), (removed, a), (changed, a), (changed, b)):
        for rid in ids:
            for r in rules[rid]:
                cited.update(r.cites)
    for key in params:
        name, _, reading = key.partition("[")
        for prog in (old.program, new.program):
            group = [prog.params.get(name)] if not reading else prog.param_variants.get(name, [])
            for p in group:
                if p is not None and (not reading or p.reading == reading[:-1]):
                    cited.update(p.cites)
    for name in ia ^ ib:
        interp = (old.vocabulary.interpretations.get(name) or new.vocabulary.interpretations.get(name))
        cited.update(interp.clauses)
    order = {c: i for i, c in enumerate(new.clauses.ids())}
    return RuleChanges(added, removed, changed, reworded, params, tuple(sorted(ib - ia)), tuple(sorted(ia - ib)),
                       tuple(sorted(cited, key=lambda c: (order.get(c, len(order)), c))))


# --- verdict diff -------------------------------------------------------------------------

@dataclass(frozen=True)
class ConclusionChange:
    """A conclusion gained or lost: its atom, sentence, the area of its predicate, its
    explanation (text) under the version where it holds and the clause ids that explanation
    cites (document order)."""

    atom: str
    sentence: str
    area: str
    explanation: str
    clauses: tuple[str, ...]

    def to_json(self) -> dict:
        return {"atom": self.atom, "sentence": self.sentence, "area": self.area, "explanation": self.explanation,
                "clauses": list(self.clauses)}


@dataclass(frozen=True)
class Verdict:
    """One scenario whose conclusions (or expectations) changed: ``scenario`` is its file name,
    ``gained``/``lost`` sorted by atom, ``expectations_broken`` the failure messages, under the
    new version, of expectations that held under the old one."""

    scenario: str
    area: str
    gained: tuple[ConclusionChange, ...]
    lost: tuple[ConclusionChange, ...]
    expectations_broken: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"scenario": self.scenario, "area": self.area, "gained": [c.atom for c in self.gained],
                "lost": [c.atom for c in self.lost], "gained_details": [c.to_json() for c in self.gained],
                "lost_details": [c.to_json() for c in self.lost],
                "expectations_broken": list(self.expectations_broken)}


@dataclass(frozen=True)
class LoadFailure:
    """A scenario file that does not load under one version (``old`` or ``new``): the error's line."""

    scenario: str
    version: str
    error: str

    def to_json(self) -> dict:
        return {"scenario": self.scenario, "version": self.version, "error": self.error}


@dataclass(frozen=True)
class Prediction:
    """Prediction vs outcome (see the module doc): the changed clauses, the predicted clauses
    (changed ones and their impact set) and conclusion predicates (the impact set's), the
    changed conclusions (scenario, atom) outside the predicted clauses, the predicted clauses no
    changed conclusion cites, and the changed conclusions' predicates outside the predicted
    predicates."""

    changed_clauses: tuple[str, ...]
    predicted_clauses: tuple[str, ...]
    predicted_predicates: tuple[str, ...]
    changed_conclusions: int
    outside: tuple[tuple[str, str], ...]
    never_changed: tuple[str, ...]
    predicates_outside: tuple[str, ...]

    def to_json(self) -> dict:
        return {"changed_clauses": list(self.changed_clauses), "predicted_clauses": list(self.predicted_clauses),
                "predicted_predicates": list(self.predicted_predicates),
                "changed_conclusions": self.changed_conclusions,
                "outside": [{"scenario": s, "atom": a} for s, a in self.outside],
                "never_changed": list(self.never_changed), "predicates_outside": list(self.predicates_outside)}

    def to_text(self) -> str:
        lines = [f"  changed clauses: {', '.join(self.changed_clauses) or '(none)'}",
                 f"  predicted: {len(self.predicted_clauses)} clauses, {len(self.predicted_predicates)} "
                 f"conclusion predicates",
                 f"  changed conclusions: {self.changed_conclusions}, outside the predicted clauses: "
                 f"{len(self.outside)}"]
        for s, a in self.outside:
            lines.append(f"    outside: {one_line(s)}: {one_line(a)}")
        if self.predicates_outside:
            lines.append(f"  changed predicates the impact set did not predict: {', '.join(self.predicates_outside)}")
        lines.append(f"  predicted clauses no changed conclusion cites: {len(self.never_changed)}"
                     + (f" ({', '.join(self.never_changed)})" if self.never_changed else ""))
        return "\n".join(lines)


@dataclass
class Amendment:
    """The report of :func:`compare` (text, JSON, HTML; shows as HTML in a notebook)."""

    old_name: str
    new_name: str
    redline: list[ClauseRedline]
    rule_changes: RuleChanges
    verdicts: list[Verdict]
    failures: list[LoadFailure]
    prediction: Prediction
    compared: int  # scenario files compared
    seconds: float = field(default=0.0, compare=False)
    explain_html: bool = field(default=True, compare=False)  # whether the notebook display explains

    def verdict(self, scenario: str) -> Verdict | None:
        """The verdict of the scenario file ``scenario`` (file name), None when nothing changed."""
        return next((v for v in self.verdicts if v.scenario == scenario), None)

    def changes(self) -> set[tuple[str, tuple[str, ...], tuple[str, ...]]]:
        """Every changed scenario as (file name, gained atoms, lost atoms): the verdict diff in
        one comparable value."""
        return {(v.scenario, tuple(c.atom for c in v.gained), tuple(c.atom for c in v.lost)) for v in self.verdicts}

    def by_area(self) -> dict[str, list[Verdict]]:
        """The verdicts grouped by scenario area (areas sorted, verdicts by file name)."""
        out: dict[str, list[Verdict]] = {}
        for v in self.verdicts:
            out.setdefault(v.area, []).append(v)
        return dict(sorted(out.items()))

    def to_json(self) -> dict:
        return {"old": self.old_name, "new": self.new_name, "redline": [r.to_json() for r in self.redline],
                "rule_changes": self.rule_changes.to_json(), "verdicts": [v.to_json() for v in self.verdicts],
                "failures": [f.to_json() for f in self.failures], "prediction": self.prediction.to_json(),
                "compared": self.compared}

    def to_text(self, explain: bool = False) -> str:
        """The report as text: redline, rule changes, verdicts by area (each conclusion with its
        explanation if ``explain``), load failures, prediction vs outcome."""
        out = [f"Amendment: {self.old_name} -> {self.new_name}", "",
               f"Redline ({len(self.redline)} clause{'s' if len(self.redline) != 1 else ''} changed)"]
        out += [f"  {r.clause}: {one_line(r.to_text())}" for r in self.redline] or ["  (no clause text changed)"]
        out += ["", "Rule changes", self.rule_changes.to_text(), ""]
        changed = len(self.verdicts)
        out.append(f"Verdicts: {changed} of {self.compared} scenario{'s' if self.compared != 1 else ''} changed")
        for area, verdicts in self.by_area().items():
            out.append(f"  [{area}]")
            for v in verdicts:
                mark = "  (expectations no longer hold)" if v.expectations_broken else ""
                out.append(f"  {one_line(v.scenario)}{mark}")
                for sign, items in (("+", v.gained), ("-", v.lost)):
                    for c in items:
                        out.append(f"    {sign} {one_line(standalone(c.sentence, c.atom))}  [{one_line(c.atom)}]")
                        if explain:
                            out += ["        " + one_line(line) for line in c.explanation.splitlines()]
                for message in v.expectations_broken:
                    out.append(f"    ! {one_line(message)}")
        if self.failures:
            out += ["", f"Scenarios that do not load ({len(self.failures)})"]
            out += [f"  {one_line(f.scenario)} ({f.version}): {one_line(f.error)}" for f in self.failures]
        out += ["", "Prediction vs outcome", self.prediction.to_text()]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    __repr__ = __str__

    def to_html(self, explain: bool | None = None) -> str:
        """The report as an HTML fragment (every text escaped; each conclusion's explanation in a
        <details>, unless ``explain`` is False; default: ``explain_html``)."""
        explain = self.explain_html if explain is None else explain
        e = html.escape
        parts = [f"<div class='kb-amendment'><p><b>Amendment</b>: {e(self.old_name)} &rarr; {e(self.new_name)}</p>",
                 f"<p><b>Redline</b> ({len(self.redline)})</p>"]
        if self.redline:
            parts.append("<ul>" + "".join(f"<li><b>{e(r.clause)}</b>: {r.to_html()}</li>" for r in self.redline)
                         + "</ul>")
        else:
            parts.append("<p><i>no clause text changed</i></p>")
        parts.append(f"<p><b>Rule changes</b></p><pre>{e(self.rule_changes.to_text())}</pre>")
        parts.append(f"<p><b>Verdicts</b>: {len(self.verdicts)} of {self.compared} scenarios changed</p>")
        for area, verdicts in self.by_area().items():
            parts.append(f"<p><i>{e(area)}</i></p><ul>")
            for v in verdicts:
                mark = " <b>(expectations no longer hold)</b>" if v.expectations_broken else ""
                items = []
                for sign, changes in (("+", v.gained), ("-", v.lost)):
                    for c in changes:
                        tag = "ins" if sign == "+" else "del"
                        why = (f"<details><summary>why</summary><pre>{e(c.explanation)}</pre></details>"
                               if explain else "")
                        items.append(f"<li><{tag}>{e(sign)} {e(standalone(c.sentence, c.atom))}</{tag}> "
                                     f"<code>{e(c.atom)}</code>{why}</li>")
                items += [f"<li>! {e(m)}</li>" for m in v.expectations_broken]
                parts.append(f"<li><code>{e(v.scenario)}</code>{mark}<ul>{''.join(items)}</ul></li>")
            parts.append("</ul>")
        if self.failures:
            parts.append(f"<p><b>Scenarios that do not load</b> ({len(self.failures)})</p><ul>" + "".join(
                f"<li><code>{e(f.scenario)}</code> ({e(f.version)}): {e(f.error)}</li>" for f in self.failures)
                + "</ul>")
        parts.append(f"<p><b>Prediction vs outcome</b></p><pre>{e(self.prediction.to_text())}</pre></div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()


class _Snapshot:
    """A scenario file evaluated under one version: its conclusions (atom -> Conclusion), the
    evaluation, or the load error; :meth:`failing` checks its expectations when first asked."""

    def __init__(self, kb: KnowledgeBase, scenario=None, result=None, error: str = ""):
        self.kb, self.scenario, self.result, self.error = kb, scenario, result, error
        self.conclusions = {c.text: c for c in result.conclusions} if result is not None else {}
        self._failing: tuple[str, ...] | None = None

    def failing(self) -> tuple[str, ...]:
        """The messages of the expectations that do not hold, in file order."""
        from .testing import check_expectation

        if self._failing is None:
            out = []
            for exp in self.scenario.expectations if self.scenario is not None else ():
                outcome = check_expectation(self.kb, self.result, exp)
                if not outcome.ok:
                    out.append(outcome.message)
            self._failing = tuple(out)
        return self._failing


def _snapshot(kb: KnowledgeBase, path: Path) -> _Snapshot:
    """The scenario file evaluated under ``kb``, remembered per file version on the knowledge base
    itself (so the memory goes with it: an evaluation refers to its knowledge base)."""
    key = (str(path.resolve()), path.stat().st_mtime_ns) if path.exists() else (str(path), 0)
    memo = kb.__dict__.setdefault("_amend_snapshots", {})
    if key not in memo:
        try:
            scenario = kb.load_scenario(path)
            memo[key] = _Snapshot(kb, scenario, kb.evaluate(scenario))
        except KbError as exc:
            memo[key] = _Snapshot(kb, error=str(exc))
    return memo[key]


def evaluated(kb: KnowledgeBase, path: Union[str, Path]):
    """The evaluation of the scenario file under ``kb``, as :func:`compare` saw it (remembered per
    knowledge base and file version); a file that does not load raises its KbError."""
    path = Path(path)
    if not path.is_absolute() and not path.exists() and kb.scenarios_dir is not None:
        path = kb.scenarios_dir / path
    snap = _snapshot(kb, path)
    if snap.error:
        raise AmendError(snap.error.removeprefix("error: "))
    return snap.result


def _areas(*kbs: KnowledgeBase) -> list[str]:
    names: set[str] = set()
    for kb in kbs:
        names |= set(kb.vocabulary.areas) | {r.area for r in kb.program.all_rules() if r.area}
    return sorted(names, key=lambda a: (-len(a), a))


def scenario_area(file_name: str, areas: Iterable[str]) -> str:
    """The longest area name the file name starts with (followed by ``_`` or ``.``), or ``other``."""
    for area in sorted(areas, key=lambda a: (-len(a), a)):
        if file_name.startswith(area + "_") or file_name.startswith(area + "."):
            return area
    return OTHER_AREA


def _change(kb: KnowledgeBase, result, conclusion) -> ConclusionChange:
    decl = kb.vocabulary.predicate(conclusion.pred)
    explanation = result.explain(conclusion)
    return ConclusionChange(conclusion.text, conclusion.sentence or conclusion.text,
                            decl.area if decl is not None else OTHER_AREA, explanation.to_text(),
                            tuple(explanation.clause_ids()))


def _scenario_sources(old_files: list[Path], new_files: list[Path], witnesses: Iterable[Path]) -> dict[str, tuple]:
    """File name -> (the path the old version evaluates, the path the new version evaluates)."""
    a = {p.name: p for p in old_files}
    b = {p.name: p for p in new_files}
    out = {name: (a.get(name, b.get(name)), b.get(name, a.get(name))) for name in set(a) | set(b)}
    for folder in witnesses:
        folder = Path(folder)
        if not folder.is_dir():
            raise AmendError(f"{folder}: no such folder of witness scenarios")
        for p in sorted(folder.glob("*.yaml")):
            out[f"{folder.name}/{p.name}"] = (p, p)
    return out


def compare(old: KnowledgeBase, new: KnowledgeBase, *, witnesses: Iterable[Union[str, Path]] = (),
            scenarios: Iterable[Union[str, Path]] | None = None, names: tuple[str, str] | None = None) -> Amendment:
    """Compare two versions of an agreement (see the module doc). ``scenarios``: evaluate these
    files (under both versions) instead of both scenario folders; ``witnesses``: folders of
    further scenario files (``python -m kb audit --witnesses DIR``); ``names``: what the report
    calls the two versions (default: their folders)."""
    started = time.perf_counter()
    if scenarios is not None:
        files = [Path(p) for p in scenarios]
        for p in files:
            if not p.is_file():
                raise AmendError(f"{p}: no such scenario file")
        sources = _scenario_sources(files, files, [Path(w) for w in witnesses])
    else:
        sources = _scenario_sources(old.scenario_files(), new.scenario_files(), [Path(w) for w in witnesses])
    areas = _areas(old, new)
    verdicts: list[Verdict] = []
    failures: list[LoadFailure] = []
    for name in sorted(sources):
        old_path, new_path = sources[name]
        a = _snapshot(old, old_path)
        b = _snapshot(new, new_path)
        for version, snap in (("old", a), ("new", b)):
            if snap.error:
                failures.append(LoadFailure(name, version, snap.error))
        if a.error or b.error:
            continue
        gained = [b.conclusions[t] for t in sorted(set(b.conclusions) - set(a.conclusions))]
        lost = [a.conclusions[t] for t in sorted(set(a.conclusions) - set(b.conclusions))]
        now = b.failing()  # expectations are checked under the old version only where they fail now
        broken = tuple(m for m in now if m not in set(a.failing())) if now else ()
        if gained or lost or broken:
            verdicts.append(Verdict(name, scenario_area(name, areas),
                                    tuple(sorted((_change(new, b.result, c) for c in gained), key=lambda c: c.atom)),
                                    tuple(sorted((_change(old, a.result, c) for c in lost), key=lambda c: c.atom)),
                                    broken))
    lines = redline(old, new)
    changes = rule_changes(old, new)
    prediction = predict(old, new, lines, changes, verdicts)
    old_name, new_name = names if names is not None else (_name(old), _name(new))
    return Amendment(old_name, new_name, lines, changes, verdicts, failures, prediction, len(sources),
                     time.perf_counter() - started)


def _name(kb: KnowledgeBase) -> str:
    return getattr(kb, "amendment_name", None) or _display_path(kb.root)


def predict(old: KnowledgeBase, new: KnowledgeBase, lines: list[ClauseRedline], changes: RuleChanges,
            verdicts: list[Verdict]) -> Prediction:
    """Prediction vs outcome (see the module doc)."""
    from .graph import PRED, clause_graph, impact_set

    changed = list(dict.fromkeys([r.clause for r in lines] + list(changes.clauses)))
    predicted: set[str] = set(changed)
    predicates: set[str] = set()
    for kb in (old, new):
        g = clause_graph(kb)
        for cid in changed:
            if cid in g:
                for node in impact_set(g, cid):
                    if node.startswith(PRED):
                        predicates.add(node[len(PRED):])
                    else:
                        predicted.add(node)
    order = {c: i for i, c in enumerate(new.clauses.ids())}
    key = lambda c: (order.get(c, len(order)), c)  # noqa: E731
    outside, cited, preds = [], set(), set()
    count = 0
    for v in verdicts:
        for c in v.gained + v.lost:
            count += 1
            cited.update(c.clauses)
            preds.add(c.atom.split("(", 1)[0])
            if not set(c.clauses) & predicted:
                outside.append((v.scenario, c.atom))
    return Prediction(tuple(sorted(changed, key=key)), tuple(sorted(predicted, key=key)), tuple(sorted(predicates)),
                      count, tuple(sorted(set(outside))), tuple(sorted(predicted - cited, key=key)),
                      tuple(sorted(preds - predicates)))


def amend(old_dir: Union[str, Path], new_dir: Union[str, Path], *, witnesses: Iterable[Union[str, Path]] = (),
          backend: str = "pydatalog") -> Amendment:
    """Load the knowledge-base folders OLD and NEW with every load-time check (a folder that
    fails them raises its KbError; a missing one an AmendError) and :func:`compare` them. A
    built-in agreement's folder is taken from :func:`kb.load_agreement` (loaded once, with its
    evaluations remembered)."""
    from .knowledge import load_agreement

    kbs = []
    for folder in (old_dir, new_dir):
        folder = Path(folder)
        if not (folder / "agreement.yaml").is_file():
            raise AmendError(f"{folder}: not a knowledge-base folder (no agreement.yaml)")
        if folder.resolve().parent == AGREEMENTS_DIR.resolve():  # a built-in agreement: loaded once per process
            kbs.append(load_agreement(folder.resolve().name, backend=backend))
        else:
            kbs.append(load_knowledge_base(folder, backend=backend))
    return compare(kbs[0], kbs[1], witnesses=witnesses)


# --- rules amended from text (the %%kb_rules cell magic) ------------------------------------

def amend_rules(kb: KnowledgeBase, text: str, *, source: str = "<cell>", area: str = "notebook") -> KnowledgeBase:
    """A new knowledge base: ``kb`` with the rule-language statements of ``text`` applied. A rule
    whose ``@rule`` id ``kb`` has replaces every statement of that id (a group of facts
    included), in the rule's area; a new id is added (in ``area``); ``param name = 30.`` replaces
    the parameter's value (``param name[reading] = ...`` its value under a reading) or adds one.
    The amended program goes through every load-time check of :func:`~kb.load_knowledge_base`
    (citations and quotes against the text, vocabulary, safety, overrides, stratification,
    interpretations consulted); the first failure raises its KbError (file ``source``, the
    line in ``text``). ``kb`` itself is left unchanged."""
    amendment = parse_rule_file(text, source, area=area)
    if not amendment.rules and not amendment.params:
        raise AmendError("the amendment has no rule and no parameter", file=source, line=1)
    replaced = {r.id for r in amendment.rules}
    param_keys = {(p.name, p.reading) for p in amendment.params}
    files: dict[str, RuleFile] = {}
    for group in kb.program.rules.values():
        for r in group:
            files.setdefault(r.file, RuleFile(r.file, r.area))
    for p in list(kb.program.params.values()) + [v for vs in kb.program.param_variants.values() for v in vs]:
        files.setdefault(p.file, RuleFile(p.file, area))
    own_area = {rid: group[0].area for rid, group in kb.program.rules.items()}
    for rid, group in kb.program.rules.items():
        if rid not in replaced:
            for r in group:
                files[r.file].rules.append(r)
    for p in list(kb.program.params.values()) + [v for vs in kb.program.param_variants.values() for v in vs]:
        if (p.name, p.reading) not in param_keys:
            files[p.file].params.append(p)
    cell = RuleFile(source, area)
    for r in amendment.rules:
        cell.rules.append(_with_area(r, own_area.get(r.id, area)))
    cell.params.extend(amendment.params)
    program = build_program(list(files.values()) + [cell], kb.vocabulary, kb.clauses)
    consulted = set(_interpretation_users(program))
    for name, interp in sorted(kb.vocabulary.interpretations.items()):
        if name not in consulted:
            raise VocabularyError(f"interpretation '{name}' is consulted by no rule once amended: switching it on "
                                  f"would change nothing", file=interp.file, line=interp.line)
    amended = KnowledgeBase(kb.root, kb.name, kb.title, kb.clauses, kb.vocabulary, program, kb.scenarios_dir,
                            kb.omissions, kb.constraints, backend=kb.backend)
    amended.text_path = kb.text_path
    amended.amendment_name = f"{_name(kb)} + {source}"
    return amended


def _with_area(rule: Rule, area: str) -> Rule:
    from dataclasses import replace

    return replace(rule, area=area)
