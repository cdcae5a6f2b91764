"""``python -m kb audit``: a bounded, exhaustive search of a knowledge base for contradictions,
gaps, dead rules and interpretation sensitivity, by clingo.

The search space (the *scope*) is every set of candidate input facts over a small domain:

* ``id`` arguments take one of ``N`` names (``x1`` ... ``xN``; ``--scope N``, default 1), and
  the names the rules test for in an argument of the same name;
* enumerations (the interpretations included) take every value;
* dates are searched two at a time: the base day (1 March 2026) and one boundary day: a day
  later, and ``p`` and ``p + 1`` days later for every parameter ``p`` under 40 (a period of ``p``
  days ends on one, the next is outside). Month boundaries (1 April, where the built-in month
  functions count a second month) are not searched: rules that reason day by day (what must be
  stored on each day of a period) ground one atom per day between the two dates, and a month
  apart the grounding no longer finishes in minutes (8 days apart it takes 5 s, 1 day 0.1 s).
  The scenario library and the consistency sweep cover the month boundaries;
* amounts are 0.00, 100.00 and 200.00 (below, equal to and above each other), integers 0, 1, 2,
  strings one value.

The program is the kit's checked program compiled by :mod:`kb.asp` (never the input text), with a
choice rule per candidate fact instead of the scenario's facts, and the constraints between
stated facts as integrity constraints (a witness always loads as a scenario). Audit atoms are
added, compiled the same way (:class:`kb.asp._RuleCompiler`):

* ``kb_audit_fired(i)``: the body of compiled rule ``i`` holds (a source rule none of whose
  compiled rules can fire in the scope is *dead*);
* ``kb_audit_changes(e)``: exception ``e`` fires where the rule it overrides would otherwise
  conclude something nothing else concludes (an exception for which this never holds *never
  changes an answer*);
* ``kb_audit_violated(c)``: constraint ``c`` is violated (a *contradiction*);
* ``kb_audit_gap(k, v)``: a gap: conduct declared exhaustively regulated (see
  :mod:`kb.vocabulary`'s ``exhaustive``) that no party is permitted or forbidden, or a situation
  the constraints file's ``outcomes:`` declares the agreement must settle (a termination and its
  refund outcome, a dispute and its court: :class:`kb.constraints.Outcome`) arising unsettled.

One solve with brave enumeration (``--enum-mode=brave``) gives every audit atom that holds in
*some* scope scenario. Each finding then gets a witness: a solve under the assumption that its
atom holds, shrunk fact by fact (assumptions fixing every input, so each step is a propagation)
to a set of facts none of which can be dropped, and checked with the default engine.

A rule that fires in no scenario of the scope is searched again with one name more per id, on
its own *slice* of the program (the rules it depends on, :func:`cone`: a few dozen rules, so the
wider scope grounds at once); only a rule dead there too is reported. The names the rules
themselves write in an ``id`` argument (the matter ``dispute_court``, a court) join ``x1`` ...
``xN`` in the domain of the inputs' arguments of the same name.

Interpretation sensitivity (``--interpretations``) searches one slice per interpretation: the
predicates it can change (:meth:`Auditor.changed_by`) and what they depend on, with a second copy
of the changeable rules (predicates prefixed ``kb_b_``) that sees the interpretation switched;
``kb_audit_diff(I, p)`` holds where conclusion ``p`` differs between the copies. Its dates are
one pair, the base day and the next (``scope["sensitivity_dates"]``): a slice holds most of the
program, and with dates a week apart one slice takes about a minute instead of a second.

Every search asks clingo for brave consequences over the audit atoms only (``#show``): over every
atom it would enumerate a thousand models instead of a dozen. A witness is the first model under
the domain heuristic that decides candidate facts first and false first (subset-minimal in
them), checked fact by fact.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .asp import AspCompiler, AspContext, _RuleCompiler, asp_name, asp_string, asp_value, decode_string, ground
from .errors import KbError
from .files import write_replace
from .program import BLOCKED, FIRES, CompiledRule
from .terms import Atom, Comparison, Const, Literal, Var, body_literals, render_value
from .vocabulary import INTERPRETATION

BASE_DAY = _dt.date(2026, 3, 1).toordinal()
AMOUNTS = (0, 10000, 20000)
INTEGERS = (0, 1, 2)
B = "kb_b_"  # the prefix of the second copy's derived predicates (interpretation sensitivity)

SHOWN = (("kb_audit_fired", 1), ("kb_audit_changes", 1), ("kb_audit_violated", 1), ("kb_audit_gap", 2),
         ("kb_audit_diff", 2))


class AuditError(KbError):
    kind = "audit error"


# --- findings and the report -----------------------------------------------------------------

@dataclass
class Finding:
    kind: str  # contradiction, gap, dead_rule, idle_exception, unread_input, interpretation
    name: str  # what it is about: a constraint, a rule id, an input, "interpretation: conclusion"
    message: str
    clauses: tuple[str, ...] = ()
    witness: list[str] | None = None  # facts of the minimal witness scenario (None: no witness)
    witness_file: str = ""
    checked: bool | None = None  # the witness checked with the default engine

    def to_json(self) -> dict:
        out = {"kind": self.kind, "name": self.name, "message": self.message, "clauses": list(self.clauses)}
        if self.witness is not None:
            out["witness"] = self.witness
            out["witness_checked"] = self.checked
            if self.witness_file:
                out["witness_file"] = self.witness_file
        return out


KINDS = ("contradiction", "gap", "dead_rule", "idle_exception", "unread_input", "interpretation")
TITLES = {"contradiction": "Contradictions (constraints violated)",
          "gap": "Gaps",
          "dead_rule": "Dead rules (never fire in the scope)",
          "idle_exception": "Exceptions that never change an answer in the scope",
          "unread_input": "Inputs no rule reads",
          "interpretation": "Interpretation sensitivity"}


@dataclass(repr=False)
class AuditReport:
    knowledge_base: str
    scope: dict
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def __repr__(self) -> str:  # the findings as text, without the time taken (notebooks compare it)
        return self.to_text(timing=False)

    def of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def counts(self) -> dict[str, int]:
        return {k: len(self.of(k)) for k in KINDS}

    def to_json(self, timing: bool = True) -> dict:
        out = {"knowledge_base": self.knowledge_base, "scope": self.scope, "counts": self.counts(),
               "findings": [f.to_json() for f in self.findings]}
        if timing:
            out["seconds"] = round(self.seconds, 1)
        return out

    def to_text(self, timing: bool = True) -> str:
        s = self.scope
        lines = [f"audit of {self.knowledge_base}: {s['candidate_facts']} candidate facts "
                 f"({s['names']} name(s) per id, {len(s['dates'])} dates, amounts {', '.join(s['amounts'])}, "
                 f"every interpretation setting)"]
        if timing:
            lines[0] += f", {self.seconds:.1f} s"
        if not s.get("within_budget", True):
            lines.append("warning: the time budget ran out; the search was cut short (findings incomplete)")
        for kind in KINDS:
            found = self.of(kind)
            lines.append(f"{TITLES[kind]}: {len(found)}")
            for f in found:
                lines.append(f"  {f.name}: {f.message}")
                if f.witness is not None:
                    where = f" ({f.witness_file})" if f.witness_file else ""
                    if f.checked is False:
                        where += " NOT confirmed by the default engine"
                    facts = "; ".join(f.witness) if f.witness else "(no facts)"
                    lines.append(f"    witness{where}: {facts}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        e = html.escape
        s = self.scope
        parts = [f"<div class='kb-audit'><p><b>Audit of {e(self.knowledge_base)}</b>: "
                 f"{s['candidate_facts']} candidate facts, {s['names']} name(s) per id, "
                 f"{len(s['dates'])} dates, every interpretation setting.</p>"]
        for kind in KINDS:
            found = self.of(kind)
            parts.append(f"<h4>{e(TITLES[kind])}: {len(found)}</h4>")
            if not found:
                continue
            parts.append("<table><tr><th>finding</th><th>what</th><th>witness</th></tr>")
            for f in found:
                w = "" if f.witness is None else "<br>".join(e(x) for x in f.witness) or "(no facts)"
                parts.append(f"<tr><td><code>{e(f.name)}</code></td><td>{e(f.message)}</td><td>{w}</td></tr>")
            parts.append("</table>")
        parts.append("</div>")
        return "".join(parts)

    def write_witnesses(self, folder: Path, kb) -> list[Path]:
        """Each finding's witness as scenario YAML in ``folder`` (created), loadable by ``kb ask``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for i, f in enumerate(self.findings):
            if f.witness is None:
                continue
            stem = f"audit_{f.kind}_{i:03d}_{_slug(f.name)}"
            path = folder / f"{stem}.yaml"
            write_replace(path, witness_yaml(f))  # atomic: a reader never sees half a file
            f.witness_file = str(path)
            written.append(path)
        return written


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in text.lower())
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")[:60]


def witness_yaml(f: Finding) -> str:
    lines = [f"scenario: {json.dumps(f'Audit witness, {f.kind}: {f.name}')}",
             f"description: {json.dumps(f.message)}"]
    if f.witness:
        lines.append("facts:")
        lines += [f"  - {fact}" for fact in f.witness]
    else:
        lines.append("facts: []")
    return "\n".join(lines) + "\n"


# --- the search --------------------------------------------------------------------------------

class _Shim:
    """What :class:`kb.asp._RuleCompiler` needs of its compiler."""

    def __init__(self, program):
        self.program = program
        self.used: set = set()


class _AuditRuleCompiler(_RuleCompiler):
    """As :class:`kb.asp._RuleCompiler`, but a ``sum`` is one ``#sum``: in the audit's domain
    every amount is at most 200.00 and every date a day number under 800,000, so no sum over the
    candidate facts leaves 32 bits (checked by :meth:`Auditor.candidates`), and a single ``#sum``
    grounds far faster than the three slices the general compiler uses."""

    def aggregate(self, agg):
        if agg.op != "sum":
            return super().aggregate(agg)
        terms = [self.term(t) for t in agg.terms]
        cond = self.condition(agg.body)
        result = self.fresh()
        self.lifted.append(f"{result}=#sum{{{','.join(terms)}:{cond}}}")
        return result


class _CopyCompiler(_AuditRuleCompiler):
    """Compiles a rule for the second copy: derived predicates prefixed, interpretations switched."""

    def __init__(self, shim, rule, derived):
        super().__init__(shim, rule)
        self.derived = derived

    def atom(self, a: Atom) -> str:
        if a.pred in self.derived or a.pred == INTERPRETATION:
            a = Atom(B + a.pred, a.args)
        return super().atom(a)


def _choice(fact: str) -> str:
    """A candidate fact: chosen or not; decided first, false first (``--heuristic=Domain``), so
    the first model under an assumption is subset-minimal in the candidate facts."""
    return f"{{{fact}}}.#heuristic {fact}.[1,false]"


def cone(program, rules: set[int]) -> set[int]:
    """The compiled rules ``rules`` and every compiled rule they depend on (the backward slice
    of the program that decides whether they fire)."""
    by_head: dict[str, list[int]] = {}
    for i, rule in enumerate(program.compiled):
        by_head.setdefault(rule.head.pred, []).append(i)
    out, todo = set(), list(rules)
    while todo:
        i = todo.pop()
        if i in out:
            continue
        out.add(i)
        for lit, _ in body_literals(program.compiled[i].body):
            todo += [j for j in by_head.get(lit.atom.pred, ()) if j not in out]
    return out


def _compile_rule(shim, rule: CompiledRule, derived=None) -> str:
    rc = _AuditRuleCompiler(shim, rule) if derived is None else _CopyCompiler(shim, rule, derived)
    return rc.compile()


def _vars(atom: Atom, used: dict) -> Atom:
    """The pattern with each anonymous variable made distinct (``_`` stands for any value)."""
    args = []
    for a in atom.args:
        if isinstance(a, Var) and a.name.startswith("_"):
            used["n"] = used.get("n", 0) + 1
            a = Var(f"Anon{used['n']}")
        args.append(a)
    return Atom(atom.pred, tuple(args))


class Auditor:
    def __init__(self, knowledge_base, names: int = 1):
        if names < 1 or names > 4:
            raise AuditError(f"--scope must be between 1 and 4 names per id (got {names})")
        self.kb = knowledge_base
        self.program = knowledge_base.program
        self.vocab = knowledge_base.vocabulary
        self.names = names
        self.compiler = AspCompiler(self.program)
        self.shim = _Shim(self.program)
        self.pair = (BASE_DAY, BASE_DAY + 1)  # the two dates of the current search
        self.named = self._named_constants()

    def _named_constants(self) -> dict[str, set[str]]:
        """Argument name -> the names the rules test for or state in a table, in an ``id``
        argument of that name (the matter ``dispute_court``, a court): an input's ``id`` argument
        takes them besides ``x1`` ... ``xN``, so a rule that tests for one of them can fire."""
        vocab = self.vocab
        out: dict[str, set[str]] = {}
        for rule in self.program.compiled:
            # a name a rule only concludes (the termination all_services_closed) is the rules'
            # own, not one an input states; a table's names (its facts) and tested names count
            heads = [] if rule.body else [rule.head]
            for atom in heads + [lit.atom for lit, _ in body_literals(rule.body)]:
                decl = vocab.predicate(atom.pred)
                if decl is None or decl.arity != atom.arity:
                    continue
                for arg, spec in zip(atom.args, decl.args):
                    if isinstance(arg, Const) and isinstance(arg.value, str) and spec.type.kind == "id":
                        out.setdefault(spec.name, set()).add(arg.value)
        return out

    # the domain
    def dates(self) -> list[int]:
        """The base day and the boundary days: 1 day later, and ``p`` and ``p + 1`` days later for
        every parameter ``p`` under 40 (a period of ``p`` days ends on one, the next is outside)."""
        offsets = {0, 1}
        for p in self.program.params.values():
            if isinstance(p.value, int) and 0 < p.value < 40:
                offsets |= {p.value, p.value + 1}
        return sorted(BASE_DAY + o for o in offsets)

    def symbol(self, value):
        import clingo
        from .asp import encode_string

        return clingo.String(encode_string(value)) if isinstance(value, str) else clingo.Number(value)

    def domain(self, spec) -> list:
        kind = spec.type.kind
        if kind == "enum":
            return list(spec.type.value_names)
        if kind == "id":
            return [f"x{i}" for i in range(1, self.names + 1)] + sorted(self.named.get(spec.name, ()))
        if kind == "date":
            return sorted(set(self.pair))
        if kind == "amount":
            return list(AMOUNTS)
        if kind == "integer":
            return list(INTEGERS)
        return ["text"]

    def candidates(self) -> list[tuple[str, tuple]]:
        import itertools

        out = []
        for name in sorted(self.vocab.inputs):
            decl = self.vocab.inputs[name]
            for args in itertools.product(*(self.domain(a) for a in decl.args)):
                out.append((name, tuple(args)))
        return out

    # the program
    def build(self, keep: set[int] | None = None, flip: tuple[str, set[str]] | None = None) -> tuple[str, list]:
        """The audit program: every compiled rule, or only those in ``keep`` (a slice: candidate
        facts only for the inputs it reads, the constraints between them, no constraints between
        conclusions, gaps or exception checks).
        ``flip`` = (an interpretation, the predicates it can change): the slice gets a second
        copy of those predicates' rules seeing that interpretation switched, and
        ``kb_audit_diff`` where a conclusion differs between the copies."""
        shim = self.shim
        lines: list[str] = []
        prog = self.program
        for i, rule in enumerate(prog.compiled):
            if keep is not None and i not in keep:
                continue
            lines.append(_compile_rule(shim, rule))
            if rule.role in ("rule", "fires") and rule.body:
                lines.append(_compile_rule(shim, CompiledRule(Atom("kb_audit_fired", (Const(i),)), rule.body,
                                                              rule.origin, rule.role)))
        if keep is not None:
            read = {lit.atom.pred for i in keep for lit, _ in body_literals(prog.compiled[i].body)}
            cands = [c for c in self.candidates() if c[0] in read]
            lines += [_choice(self._fact(pred, args)) for pred, args in cands]
            lines += self._constraint_lines({pred for pred, _ in cands})
            if flip is not None:
                lines += self._copy_lines(*flip)
            lines += [self.compiler.lines[index] for _, index in sorted(self.compiler.defined_line.items())]
            lines += [f"#defined {asp_name(pred)}/{arity}." for pred, arity in sorted(shim.used)]
            lines += ["#defined kb_audit_fired/1.", "#defined kb_audit_diff/2.", "#defined kb_audit_bad_input/1."]
            return "\n".join(lines) + "\n", cands
        # exceptions that change an answer
        for i, rule in enumerate(prog.compiled):
            last = rule.body[-1] if rule.body else None
            if not (isinstance(last, Literal) and last.negated and last.atom.pred.startswith(BLOCKED)):
                continue
            target = last.atom.pred[len(BLOCKED):]
            unblocked = Atom(f"kb_audit_unblocked_{i}", rule.head.args)
            lines.append(_compile_rule(shim, CompiledRule(unblocked, rule.body[:-1], rule.origin, rule.role)))
            xs = tuple(Var(f"A{j}") for j in range(rule.head.arity))
            for exc in prog.overrides.get(target, []):
                body = (Literal(Atom(unblocked.pred, xs)), Literal(Atom(FIRES + exc, xs)),
                        Literal(Atom(rule.head.pred, xs), negated=True))
                lines.append(_compile_rule(shim, CompiledRule(Atom("kb_audit_changes", (Const(exc),)), body,
                                                              rule.origin, "rule")))
        # constraints
        lines += self._constraint_lines()
        # gaps
        lines += self._gap_lines()
        # the candidate facts
        cands = self.candidates()
        for pred, args in cands:
            lines.append(_choice(self._fact(pred, args)))
        # #defined for everything read
        for (pred, arity), index in sorted(self.compiler.defined_line.items()):
            lines.append(self.compiler.lines[index])
        for pred, arity in sorted(shim.used):
            lines.append(f"#defined {asp_name(pred)}/{arity}.")
        for p in ("kb_audit_fired/1", "kb_audit_changes/1", "kb_audit_violated/1", "kb_audit_bad_input/1",
                  "kb_audit_gap/2"):
            lines.append(f"#defined {p}.")
        return "\n".join(lines) + "\n", cands

    def _constraint_lines(self, inputs: set[str] | None = None) -> list[str]:
        """Each constraint as audit rules: between stated facts an integrity constraint (every
        witness loads as a scenario), between conclusions ``kb_audit_violated``. With ``inputs``
        (a slice's), only the constraints between stated facts over those inputs."""
        lines = []
        for ci, c in enumerate(self.kb.constraints):
            if inputs is not None and not (c.on_inputs and {c.first.pred, c.second.pred} <= inputs):
                continue
            head = Atom("kb_audit_bad_input" if c.on_inputs else "kb_audit_violated", (Const(ci),))
            used: dict = {}
            first, second = _vars(c.first, used), _vars(c.second, used)
            if c.requires:
                shared = tuple(Var(v) for v in sorted(set(first.variables()) & set(second.variables())))
                sat = Atom(f"kb_audit_sat_{ci}", shared)
                lines.append(_compile_rule(self.shim, CompiledRule(sat, (Literal(second),), None, "rule")))
                body = (Literal(first), Literal(sat, negated=True))
            else:
                body = (Literal(first), Literal(second))
                if c.unique:
                    body += (Comparison("!=", Var(c.unique), Var(c.unique + "__other")),)
            lines.append(_compile_rule(self.shim, CompiledRule(head, body, None, "rule")))
        lines.append(":- kb_audit_bad_input(C).")
        return lines

    def _fact(self, pred: str, args: tuple) -> str:
        if not args:
            return asp_name(pred)
        return f"{asp_name(pred)}({','.join(asp_value(a) for a in args)})"

    def _gap_lines(self) -> list[str]:
        lines = []
        vocab = self.vocab
        perm, forb = vocab.predicate("permitted"), vocab.predicate("forbidden")
        if perm is not None and forb is not None and perm.arity == forb.arity:
            for pos, spec in enumerate(perm.args):
                for value in getattr(spec.type, "exhaustive", ()):
                    pattern = lambda p: Atom(p, tuple(Const(value) if j == pos else Var(f"Any{j}")
                                                      for j in range(perm.arity)))
                    reg = Atom("kb_audit_regulated", (Const(value),))
                    for p in ("permitted", "forbidden"):
                        lines.append(_compile_rule(self.shim, CompiledRule(reg, (Literal(pattern(p)),), None, "rule")))
                    lines.append(_compile_rule(self.shim, CompiledRule(
                        Atom("kb_audit_gap", (Const("conduct"), Const(value))), (Literal(reg, negated=True),),
                        None, "rule")))
        for o in getattr(self.kb, "outcomes", ()):
            key = Var(o.key) if o.key else Const("")
            settled = Atom(f"kb_audit_settled_{o.name}", (key,))
            lines.append(_compile_rule(self.shim, CompiledRule(settled, tuple(Literal(w) for w in o.when) +
                                                               (Literal(o.then),), None, "rule")))
            lines.append(_compile_rule(self.shim, CompiledRule(
                Atom("kb_audit_gap", (Const(o.name), key)),
                tuple(Literal(w) for w in o.when) + (Literal(settled, negated=True),), None, "rule")))
        return lines

    def conclusions_compared(self) -> list[str]:
        return sorted(p for p in self.vocab.conclusions if p in set(self.program.derived))

    def changed_by(self, interp: str) -> set[str]:
        """The derived predicates whose rules read ``interpretation(interp)``, and every derived
        predicate read by a rule of one of them, transitively: all that switching it can change."""
        prog = self.program
        out: set[str] = set()
        for rule in prog.compiled:
            for lit, _ in body_literals(rule.body):
                a = lit.atom
                if a.pred == INTERPRETATION and a.args and (not isinstance(a.args[0], Const) or a.args[0].value == interp):
                    out.add(rule.head.pred)
        grew = True
        while grew:
            grew = False
            for rule in prog.compiled:
                if rule.head.pred not in out and any(lit.atom.pred in out for lit, _ in body_literals(rule.body)):
                    out.add(rule.head.pred)
                    grew = True
        return out

    def sensitivity_slice(self, interp: str) -> tuple[set[int], set[str]]:
        """The compiled rules needed to compare the conclusions ``interp`` can change under both
        settings, and those predicates."""
        changed = self.changed_by(interp)
        heads = {i for i, r in enumerate(self.program.compiled) if r.head.pred in changed}
        return cone(self.program, heads), changed

    def _copy_lines(self, interp: str, changed: set[str]) -> list[str]:
        lines = [_compile_rule(self.shim, rule, changed) for rule in self.program.compiled
                 if rule.head.pred in changed]
        flip = asp_string(interp)
        lines.append(f"{B}{INTERPRETATION}(I):-{INTERPRETATION}(I),I!={flip}.")
        lines.append(f"{B}{INTERPRETATION}({flip}):-not {INTERPRETATION}({flip}).")
        for pred in self.conclusions_compared():
            if pred not in changed:
                continue
            arity = self.vocab.conclusions[pred].arity
            vs = ",".join(f"V{j}" for j in range(arity))
            a, b = (f"{asp_name(pred)}({vs})", f"{B}{asp_name(pred)}({vs})") if arity else (pred, B + pred)
            lines.append(f"kb_audit_diff({flip},{asp_string(pred)}):-{a},not {b}.")
            lines.append(f"kb_audit_diff({flip},{asp_string(pred)}):-{b},not {a}.")
            lines.append(f"#defined {B}{asp_name(pred)}/{arity}.")
        lines.append(f"#defined {B}{INTERPRETATION}/1.")
        return lines


# --- running the audit ---------------------------------------------------------------------------

def _value(symbol):
    import clingo

    if symbol.type == clingo.SymbolType.Number:
        return symbol.number
    return decode_string(symbol.string)


class _Solve:
    """One grounded search (one pair of dates): brave consequences, then witnesses."""

    def __init__(self, auditor: "Auditor", deadline: float, keep: set[int] | None = None, flip=None):
        import clingo

        self.auditor = auditor
        text, cands = auditor.build(keep, flip)
        # brave consequences over the audit atoms only: clingo computes them over the shown atoms,
        # so a few models suffice (over every atom it takes a thousand)
        text += "".join(f"#show {name}/{arity}." for name, arity in SHOWN) + "\n"
        self.inputs = {pred for pred, _ in cands}
        self.ctl = clingo.Control(["--warn=none", "--models=0"], logger=lambda code, message: None)
        self.ctl.add("base", [], text)
        ground(self.ctl, AspContext([]))
        self.cands = [(pred, args, clingo.Function(pred, [auditor.symbol(a) for a in args]) if args
                       else clingo.Function(pred)) for pred, args in cands]
        self.deadline = deadline
        self.complete = True

    def brave(self, names: tuple[str, ...]) -> set:
        ctl = self.ctl
        ctl.configuration.solver.heuristic = "vsids"  # the domain heuristic slows a brave enumeration
        ctl.configuration.solve.enum_mode = "brave"
        ctl.configuration.solve.models = "0"
        last = []
        self.complete = True
        with ctl.solve(yield_=True, async_=True) as handle:  # stopped at the deadline
            while True:
                handle.resume()
                if not handle.wait(max(0.0, self.deadline - time.monotonic())):
                    handle.cancel()
                    self.complete = False  # the consequences found so far: an under-approximation
                    break
                m = handle.model()
                if m is None:
                    break
                last = [s for s in m.symbols(shown=True) if s.name in names]
        return set(last)

    def possible(self, index: int) -> bool:
        """Whether compiled rule ``index`` fires in some scenario of this search."""
        import clingo

        self.ctl.configuration.solve.enum_mode = "auto"
        self.ctl.configuration.solve.models = "1"
        return self.ctl.solve(assumptions=[(clingo.Function("kb_audit_fired", [clingo.Number(index)]), True)]
                              ).satisfiable is True

    def witness(self, target) -> list[tuple[str, tuple]] | None:
        """A set of candidate facts under which ``target`` holds, none of which can be dropped."""
        ctl = self.ctl
        ctl.configuration.solver.heuristic = "Domain"  # candidate facts false first: a small first model
        ctl.configuration.solve.enum_mode = "auto"
        ctl.configuration.solve.models = "1"
        found = []

        def first(assumptions):
            found.clear()
            with ctl.solve(assumptions=assumptions, yield_=True) as handle:
                for m in handle:
                    found.append({s for s in m.symbols(atoms=True) if s.name in self.inputs})
                    break
            return found[0] if found else None

        model = first([(target, True)])
        if model is None:
            return None
        kept = [c for c in self.cands if c[2] in model]
        i = 0
        while i < len(kept) and time.monotonic() < self.deadline:
            trial = kept[:i] + kept[i + 1:]
            on = {c[2] for c in trial}
            if first([(target, True)] + [(c[2], c[2] in on) for c in self.cands]) is not None:
                kept = trial
            else:
                i += 1
        return [(pred, args) for pred, args, _ in kept]


def run_audit(knowledge_base, names: int = 1, *, sensitivity=False, check: bool = True,
              budget: float = 100.0) -> AuditReport:
    """Audit ``knowledge_base`` in the scope of ``names`` names per id (see the module doc).
    ``sensitivity``: True searches what every interpretation can change (about two minutes in
    all on the built-in agreement), a list of names only those; ``budget``: seconds before the search
    is cut short (the report then says so)."""
    start = time.monotonic()
    deadline = start + budget
    auditor = Auditor(knowledge_base, names)
    kb = knowledge_base
    vocab = kb.vocabulary
    base = _dt.date.fromordinal(BASE_DAY)
    all_dates = auditor.dates()
    pairs = [(BASE_DAY, d) for d in all_dates if d != BASE_DAY]
    fired: set[int] = set()
    changes: set[str] = set()
    witnesses: dict[tuple, list] = {}  # (kind, key) -> facts
    names_shown = ("kb_audit_fired", "kb_audit_changes", "kb_audit_violated", "kb_audit_gap")
    complete = True

    def collect(solve, shown):
        nonlocal complete
        possible = solve.brave(shown) if time.monotonic() < deadline else set()
        complete = complete and solve.complete and time.monotonic() < deadline
        for s in sorted(possible, key=str):
            key = (s.name, tuple(_value(a) for a in s.arguments))
            if s.name == "kb_audit_fired":
                fired.add(key[1][0])
            elif s.name == "kb_audit_changes":
                changes.add(key[1][0])
            elif key not in witnesses and time.monotonic() < deadline:
                w = solve.witness(s)
                if w is not None:
                    witnesses[key] = [vocab.render(p, a) for p, a in sorted(w, key=repr)]

    for pair in pairs:
        auditor.pair = pair
        collect(_Solve(auditor, deadline), names_shown)
    # a rule dead in the scope is searched again with one name more per id, on its own slice of
    # the program (the rules it depends on): most need two things of one kind (two documents,
    # two causes of one failure)
    wider = Auditor(kb, min(names + 1, 4)) if names < 4 else None
    alive_wider: set[str] = set()
    by_id = _rules_by_id(kb)

    def never_fired(idx: list[int]) -> bool:  # a rule without a body (a fact) always "fires"
        return not any(i in fired or not kb.program.compiled[i].body for i in idx)

    if wider is not None:
        for rid, idx in sorted(by_id.items()):
            if not never_fired(idx):
                continue
            keep = cone(kb.program, set(idx))
            for pair in pairs:
                wider.pair = pair
                solve = _Solve(wider, deadline, keep=keep)
                if any(solve.possible(i) for i in idx):
                    alive_wider.add(rid)
                    break
    # interpretation sensitivity: one slice per interpretation (what it can change, and what that
    # depends on), with a second copy of the changeable part seeing it switched
    if sensitivity is True:
        sensitivity = sorted(vocab.interpretations)
    for interp in sorted(sensitivity or ()):
        if interp not in vocab.interpretations:
            from .errors import suggest

            near = suggest(interp, {n: i.question for n, i in vocab.interpretations.items()})
            raise AuditError(f"unknown interpretation '{interp}'" + (f" (did you mean '{near}'?)" if near else ""))
        keep, changed = auditor.sensitivity_slice(interp)
        if not any(p in vocab.conclusions for p in changed):
            continue
        # one pair of dates, the base day and the next: the slices hold most of the program, and
        # a week apart one solve takes a minute instead of a second (see the module doc)
        auditor.pair = pairs[0]
        collect(_Solve(auditor, deadline, keep=keep, flip=(interp, changed)), ("kb_audit_diff",))
    report = AuditReport(kb.name, {
        "names": names, "dates": [_dt.date.fromordinal(d).isoformat() for d in all_dates],
        "date_pairs": [[_dt.date.fromordinal(a).isoformat(), _dt.date.fromordinal(b).isoformat()] for a, b in pairs],
        "amounts": [render_value(a, "amount") for a in AMOUNTS], "integers": list(INTEGERS),
        "candidate_facts": len(auditor.candidates()),
        "dead_rules_searched_with": (names + 1) if wider is not None else None,
        "alive_only_with_more_names": sorted(alive_wider),
        "sensitivity_dates": [_dt.date.fromordinal(d).isoformat() for d in pairs[0]] if sensitivity else [],
        "search": "one clingo solve per pair of dates (the base day and one boundary day): brave "
                  "consequences over every set of candidate facts, every interpretation setting"})
    # False: the time budget ran out (some searches cut short: dead rules may be over-reported,
    # some witnesses not shrunk or not sought)
    report.scope["within_budget"] = complete and time.monotonic() < deadline
    # findings
    constraints = kb.constraints
    for (name, args), facts in sorted(witnesses.items(), key=lambda kv: repr(kv[0])):
        if name == "kb_audit_violated":
            c = constraints[args[0]]
            report.findings.append(Finding("contradiction", c.name, f"{c.text}: {c.says}", c.clauses, facts))
        elif name == "kb_audit_gap":
            kind, value = args
            if kind == "conduct":
                msg = f"conduct {value} is declared exhaustively regulated but no party is permitted or forbidden it"
                clauses = ()
            else:
                o = next(o for o in kb.outcomes if o.name == kind)
                value = o.shown_key(value, vocab) if o.key else ""
                msg = f"not settled{f' for {value}' if value else ''}: {o.says}"
                clauses = o.clauses
            report.findings.append(Finding("gap", f"{kind}: {value}", msg, clauses, facts))
        elif name == "kb_audit_diff":
            interp, pred = args
            facts = [f for f in facts if f != f"{INTERPRETATION}({interp})"]
            report.findings.append(Finding("interpretation", f"{interp}: {pred}",
                                           f"adopting {interp} changes {pred}", (), facts))
    more = f", nor with {names + 1} names per id" if wider is not None else ""
    for rid, idx in sorted(by_id.items()):
        if rid not in alive_wider and never_fired(idx):
            src = kb.program.rules[rid][0]
            report.findings.append(Finding("dead_rule", rid, f"never fires in the scope{more} ({src.file}:{src.line})",
                                           tuple(src.cites)))
    fired_rules = fired_ids(kb, fired)
    for target in sorted(kb.program.overrides):
        for exc in kb.program.overrides[target]:
            if exc not in changes and exc in fired_rules:
                src = kb.program.rules[exc][0]
                report.findings.append(Finding("idle_exception", exc,
                                               f"fires but never changes what {target} concludes in the scope "
                                               f"({src.file}:{src.line})", tuple(src.cites)))
    read = set()
    for rule in kb.program.compiled:
        read |= {lit.atom.pred for lit, _ in body_literals(rule.body)}
    for pred in sorted(vocab.inputs):
        if pred not in read and pred != INTERPRETATION:
            report.findings.append(Finding("unread_input", pred, "no rule reads this input"))
    if check:
        for f in report.findings:
            if f.witness is not None:
                f.checked = check_finding(kb, f)
    report.seconds = time.monotonic() - start
    return report


def _rules_by_id(kb) -> dict[str, list[int]]:
    """Source rule id -> the indices of its compiled rules that conclude something."""
    out: dict[str, list[int]] = {}
    for i, rule in enumerate(kb.program.compiled):
        if rule.role in ("rule", "fires"):
            out.setdefault(rule.origin.id, []).append(i)
    return out


def fired_ids(kb, fired: set[int]) -> set[str]:
    return {kb.program.compiled[i].origin.id for i in fired}


def check_finding(kb, f: Finding) -> bool:
    """Whether ``f`` holds in its witness, with the knowledge base's own engine."""
    from .constraints import violations

    result = kb.evaluate(kb.scenario(f.witness))
    model = result.model
    if f.kind == "contradiction":
        return any(v.constraint.name == f.name for v in violations(result))
    if f.kind == "gap":
        kind, value = f.name.split(": ", 1)
        if kind == "conduct":
            return not any(value in row for p in ("permitted", "forbidden") for row in model.get(p, ()))
        o = next((o for o in kb.outcomes if o.name == kind), None)
        return o is not None and value in o.unsettled(model, kb)
    if f.kind == "interpretation":
        interp, pred = f.name.split(": ", 1)
        other = kb.evaluate(kb.scenario(f.witness + [f"{INTERPRETATION}({interp})"])).model
        return model.get(pred, frozenset()) != other.get(pred, frozenset())
    return True
