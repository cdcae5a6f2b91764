"""``python -m kb audit``: a bounded, exhaustive search of a knowledge base for contradictions,
gaps, dead rules and interpretation sensitivity, by clingo.

The search space (the *scope*) is every set of candidate input facts over a small domain:

* ``id`` arguments take one of ``N`` names (``x1`` ... ``xN``; ``--scope N``, default 1);
* enumerations (the interpretations included) take every value;
* dates take the base day (1 March 2026) plus the offsets the rules' parameters create
  (``p - 1``, ``p``, ``p + 1``, ``p + 2`` for every parameter ``p`` under 40, and 0, 1, 2) and one
  month later and a day after that (months are counted by the built-in functions);
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
* ``kb_audit_gap(k, v)``: a gap (conduct declared exhaustively regulated, see
  :mod:`kb.vocabulary`'s ``exhaustive``, that no party is permitted or forbidden; a termination
  with no refund outcome; a dispute with no court).

One solve with brave enumeration (``--enum-mode=brave``) gives every audit atom that holds in
*some* scope scenario. Each finding then gets a witness: a solve under the assumption that its
atom holds, shrunk fact by fact (assumptions fixing every input, so each step is a propagation)
to a set of facts none of which can be dropped, and checked with the default engine.

Interpretation sensitivity uses a second copy of the derived predicates (prefixed ``kb_b_``) that
sees the same facts with exactly one interpretation switched (``kb_audit_flip(I)``);
``kb_audit_diff(I, p)`` holds where conclusion ``p`` differs between the copies.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .asp import AspCompiler, AspContext, _RuleCompiler, asp_name, asp_string, asp_value, decode_string
from .errors import KbError
from .program import BLOCKED, FIRES, CompiledRule
from .terms import Atom, Comparison, Const, Literal, Var, render_value
from .vocabulary import INTERPRETATION

BASE_DAY = _dt.date(2026, 3, 1).toordinal()
AMOUNTS = (0, 10000, 20000)
INTEGERS = (0, 1, 2)
B = "kb_b_"  # the prefix of the second copy's derived predicates (interpretation sensitivity)

# gaps the audit looks for where the vocabulary has these predicates: (kind, the thing,
# the conclusion that must exist for it, what the text says)
OUTCOME_GAPS = (
    ("termination_without_refund_outcome", ("jd_cloud_terminated", 2, 0),
     ("refund_outcome", 2, 0), "a termination by JD Cloud has no refund outcome"),
    ("termination_without_refund_outcome", ("terminated_by_consensus", 2, 0),
     ("refund_outcome", 2, 0), "a termination by consensus has no refund outcome"),
    ("termination_without_refund_outcome", ("user_stopped_after_rejecting_changes", 2, 0),
     ("refund_outcome", 2, 0), "a termination by the user has no refund outcome"),
    ("dispute_without_court", ("contract_dispute", 1, 0), ("may_sue", 3, 1),
     "a dispute has no court in which a party may sue"),
)


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
            path.write_text(witness_yaml(f), encoding="utf-8")
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
        self.origin = {}  # compiled index -> source rule id
        self.pair = (BASE_DAY, BASE_DAY + 1)  # the two dates of the current search

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
            return [f"x{i}" for i in range(1, self.names + 1)]
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
    def build(self, sensitivity: bool) -> tuple[str, list]:
        shim = self.shim
        lines: list[str] = []
        prog = self.program
        for i, rule in enumerate(prog.compiled):
            lines.append(_compile_rule(shim, rule))
            self.origin[i] = rule.origin.id
            if rule.role in ("rule", "fires") and rule.body:
                lines.append(_compile_rule(shim, CompiledRule(Atom("kb_audit_fired", (Const(i),)), rule.body,
                                                              rule.origin, rule.role)))
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
        for ci, c in enumerate(self.kb.constraints):
            head = Atom("kb_audit_bad_input" if c.on_inputs else "kb_audit_violated", (Const(ci),))
            used: dict = {}
            first, second = _vars(c.first, used), _vars(c.second, used)
            if c.requires:
                shared = tuple(Var(v) for v in sorted(set(first.variables()) & set(second.variables())))
                sat = Atom(f"kb_audit_sat_{ci}", shared)
                lines.append(_compile_rule(shim, CompiledRule(sat, (Literal(second),), None, "rule")))
                body = (Literal(first), Literal(sat, negated=True))
            else:
                body = (Literal(first), Literal(second))
                if c.unique:
                    body += (Comparison("!=", Var(c.unique), Var(c.unique + "__other")),)
            lines.append(_compile_rule(shim, CompiledRule(head, body, None, "rule")))
        lines.append(":- kb_audit_bad_input(C).")
        # gaps
        lines += self._gap_lines()
        # the candidate facts
        cands = self.candidates()
        for pred, args in cands:
            lines.append("{" + self._fact(pred, args) + "}.")
        # #defined for everything read
        for (pred, arity), index in sorted(self.compiler.defined_line.items()):
            lines.append(self.compiler.lines[index])
        for pred, arity in sorted(shim.used):
            lines.append(f"#defined {asp_name(pred)}/{arity}.")
        for p in ("kb_audit_fired/1", "kb_audit_changes/1", "kb_audit_violated/1", "kb_audit_bad_input/1",
                  "kb_audit_gap/2", "kb_audit_diff/2", "kb_audit_flip/1"):
            lines.append(f"#defined {p}.")
        if sensitivity:
            lines += self._copy_lines()
        return "\n".join(lines) + "\n", cands

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
        for kind, (thing, arity, pos), (need, narity, npos), _ in OUTCOME_GAPS:
            dt, dn = vocab.predicate(thing), vocab.predicate(need)
            if dt is None or dn is None or dt.arity != arity or dn.arity != narity:
                continue
            x = Var("X")
            targs = tuple(x if j == pos else Var(f"T{j}") for j in range(arity))
            nargs = tuple(x if j == npos else Var(f"N{j}") for j in range(narity))
            has = Atom(f"kb_audit_has_{need}", (x,))
            lines.append(_compile_rule(self.shim, CompiledRule(has, (Literal(Atom(need, nargs)),), None, "rule")))
            lines.append(_compile_rule(self.shim, CompiledRule(
                Atom("kb_audit_gap", (Const(kind), x)), (Literal(Atom(thing, targs)), Literal(has, negated=True)),
                None, "rule")))
        return lines

    def conclusions_compared(self) -> list[str]:
        return sorted(p for p in self.vocab.conclusions if p in set(self.program.derived))

    def _copy_lines(self) -> list[str]:
        derived = set(self.program.derived)
        lines = []
        for rule in self.program.compiled:
            lines.append(_compile_rule(self.shim, rule, derived))
        names = sorted(self.vocab.interpretations)
        lines.append("1{" + ";".join(f"kb_audit_flip({asp_string(n)})" for n in names) + "}1.")
        lines.append(f"{B}{INTERPRETATION}(I):-{INTERPRETATION}(I),not kb_audit_flip(I).")
        lines.append(f"{B}{INTERPRETATION}(I):-kb_audit_flip(I),not {INTERPRETATION}(I).")
        for pred in self.conclusions_compared():
            arity = self.vocab.conclusions[pred].arity
            vs = ",".join(f"V{j}" for j in range(arity))
            a, b = (f"{asp_name(pred)}({vs})", f"{B}{asp_name(pred)}({vs})") if arity else (pred, B + pred)
            lines.append(f"kb_audit_diff(I,{asp_string(pred)}):-kb_audit_flip(I),{a},not {b}.")
            lines.append(f"kb_audit_diff(I,{asp_string(pred)}):-kb_audit_flip(I),{b},not {a}.")
            lines.append(f"#defined {B}{asp_name(pred)}/{arity}.")
        for pred, arity in sorted(self.shim.used):
            lines.append(f"#defined {asp_name(pred)}/{arity}.")
        return lines


# --- running the audit ---------------------------------------------------------------------------

def _value(symbol):
    import clingo

    if symbol.type == clingo.SymbolType.Number:
        return symbol.number
    return decode_string(symbol.string)


class _Solve:
    """One grounded search (one pair of dates): brave consequences, then witnesses."""

    def __init__(self, auditor: "Auditor", sensitivity: bool, deadline: float):
        import clingo

        self.auditor = auditor
        text, cands = auditor.build(sensitivity)
        self.inputs = {pred for pred, _ in cands}
        self.ctl = clingo.Control(["--warn=none", "--models=0"], logger=lambda code, message: None)
        self.ctl.add("base", [], text)
        self.ctl.ground([("base", [])], context=AspContext([]))
        self.cands = [(pred, args, clingo.Function(pred, [auditor.symbol(a) for a in args]) if args
                       else clingo.Function(pred)) for pred, args in cands]
        self.deadline = deadline
        self.complete = True

    def brave(self, names: tuple[str, ...]) -> set:
        ctl = self.ctl
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
                last = [s for s in m.symbols(atoms=True) if s.name in names]
        return set(last)

    def witness(self, target) -> list[tuple[str, tuple]] | None:
        """A set of candidate facts under which ``target`` holds, none of which can be dropped."""
        ctl = self.ctl
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


def run_audit(knowledge_base, names: int = 1, *, sensitivity: bool = False, check: bool = True,
              budget: float = 100.0) -> AuditReport:
    """Audit ``knowledge_base`` in the scope of ``names`` names per id (see the module doc)."""
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
    names_shown = ("kb_audit_fired", "kb_audit_changes", "kb_audit_violated", "kb_audit_gap", "kb_audit_diff")
    complete = True
    for pair in pairs:
        auditor.pair = pair
        solve = _Solve(auditor, sensitivity, deadline)
        possible = solve.brave(names_shown) if time.monotonic() < deadline else set()
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
    report = AuditReport(kb.name, {
        "names": names, "dates": [_dt.date.fromordinal(d).isoformat() for d in all_dates],
        "date_pairs": [[_dt.date.fromordinal(a).isoformat(), _dt.date.fromordinal(b).isoformat()] for a, b in pairs],
        "amounts": [render_value(a, "amount") for a in AMOUNTS], "integers": list(INTEGERS),
        "candidate_facts": len(auditor.candidates()),
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
            else:
                msg = next(t for k, _, _, t in OUTCOME_GAPS if k == kind) + f" ({value})"
            report.findings.append(Finding("gap", f"{kind}: {value}", msg, (), facts))
        elif name == "kb_audit_diff":
            interp, pred = args
            facts = [f for f in facts if f != f"{INTERPRETATION}({interp})"]
            report.findings.append(Finding("interpretation", f"{interp}: {pred}",
                                           f"adopting {interp} changes {pred}", (), facts))
    by_rule: dict[str, list[int]] = {}
    for i, rule in enumerate(kb.program.compiled):
        if rule.role in ("rule", "fires"):
            by_rule.setdefault(rule.origin.id, []).append(i)
    for rid in sorted(by_rule):
        idx = by_rule[rid]
        if not any(i in fired or not kb.program.compiled[i].body for i in idx):
            src = kb.program.rules[rid][0]
            report.findings.append(Finding("dead_rule", rid, f"never fires in the scope ({src.file}:{src.line})",
                                           tuple(src.cites)))
    for target in sorted(kb.program.overrides):
        for exc in kb.program.overrides[target]:
            if exc not in changes and exc in fired_ids(kb, fired):
                src = kb.program.rules[exc][0]
                report.findings.append(Finding("idle_exception", exc,
                                               f"fires but never changes what {target} concludes in the scope "
                                               f"({src.file}:{src.line})", tuple(src.cites)))
    read = set()
    for rule in kb.program.compiled:
        from .terms import body_literals

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
        for k, (thing, _, pos), (need, _, npos), _ in OUTCOME_GAPS:
            if k == kind and any(row[pos] == value for row in model.get(thing, ())):
                return not any(row[npos] == value for row in model.get(need, ()))
        return False
    if f.kind == "interpretation":
        interp, pred = f.name.split(": ", 1)
        other = kb.evaluate(kb.scenario(f.witness + [f"{INTERPRETATION}({interp})"])).model
        return model.get(pred, frozenset()) != other.get(pred, frozenset())
    return True
