"""The consistency sweep by clingo: every combination of toggled facts in one solve.

A sweep is a base scenario and named toggles, each a group of facts switched on or off together
(:class:`Sweep`). Its invariants are the knowledge base's declared constraints
(``constraints.yaml``, :mod:`kb.constraints`) and the sweep's own checks (:class:`ExactlyOne`:
every early termination has exactly one refund outcome). The ASP program is the knowledge base's
compiled program (:mod:`kb.asp`, built from the parsed program, never from input text) with

* the base facts handed to clingo by a context function (``@kb_input``), as the clingo back end
  does, and each toggled fact derived from a choice atom: ``{kb_on(0..N-1)}.`` and
  ``p(V0,V1):-kb_on(K),(V0,V1)=@kb_toggle(J).`` (only numbers and checked predicate names are
  written into the text; fact values are symbols passed by the context);
* each invariant compiled to rules deriving ``kb_violation(I, Values)`` (``I`` the invariant's
  index, ``Values`` the tuple of its variables' values), from the constraints' parsed patterns.

The program is grounded once. Then either

* :meth:`ClingoSweep.search` asks the solver for one combination that breaks an invariant
  (``:- not kb_broken.``), minimal in the number of toggles switched on (``#minimize``): a
  witness, or, when the program has no answer set, a proof that no combination breaks any
  invariant; or
* :meth:`ClingoSweep.enumerate` enumerates every combination (one answer set each: the program
  is stratified once the choice is made) and reads the violations of each, showing only
  ``kb_on/1`` and ``kb_violation/2``: reading answer sets is what costs time (see
  /work/shared/notes/stack-facts.md), so little is shown;
* :meth:`ClingoSweep.models` gives the full model of each combination of a subset of toggles
  (the others off), for the differential check against the pyDatalog engine
  (:func:`pydatalog_sweep`, :func:`compare`).

The one invariant of the pyDatalog sweep (tests/test_sweep.py) that is not a property of the model,
"every conclusion has an explanation citing a clause", is checked there per combination; here
:func:`uncited_rules` checks its static part (every rule that derives a conclusion cites a clause).
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .asp import AspCompiler, AspContext, asp_name, asp_value, decode_string, ground
from .errors import EngineError, KbError
from .terms import Atom, Var


# --- the built-in agreement's sweep ------------------------------------------------------------

BASE = (
    # a disclosure of the user's data by JD Cloud to a third party
    "information_kind_of(data1, user_data)",
    "information_provided_by(data1, user)",
    "information_disclosure(d1, jd_cloud, data1, third_party)",
    "disclosure_made(d1)",
    # an early termination by JD Cloud, with the facts a refund is computed from (a cluster created
    # on 5 January and prepaid 1200.00 for a year: 2 months and 5 days of service at the termination)
    "jd_cloud_terminated(t1, 2026-03-10)",
    "service_created_on(c1, 2026-01-05)",
    "order_page_price(c1, 1200.00)",
    "prepaid_service_expires_on(c1, 2027-01-05)",
    "fee_payment(p1, c1, 2026-01-05, 1200.00)",
    "terms_ended_on(2026-03-10)",
)

# the 12 toggles of the pyDatalog reference sweep (tests/test_sweep.py, same order), then 4 more
TOGGLES_12 = {
    "earthquake": ("event(quake, earthquake)",),
    "jd_cloud_suffers_it": ("suffered(jd_cloud, quake)",),
    "performance_impossible": ("affects_performance(quake, impossible)",),
    "outage": ("breach(jd_cloud, outage)",),
    "outage_caused_by_quake": ("breach_caused_by(outage, quake)",),
    "quake_foreseeable": ("criterion_not_met(quake, unforeseeable)",),
    "user_consents": ("user_consented_to_disclosure(d1)",),
    "court_requires_disclosure": ("state_demand_for_disclosure(d1, judicial_authority, mandatory_requirement)",),
    "strict_confidentiality_reading": ("interpretation(confidentiality_limits_user_data_disclosure)",),
    "termination_notified": ("termination_announced_or_notified(t1)",),
    "user_does_not_pay": ("breach(user, unpaid)", "user_breach_kind(unpaid, payment_failure)"),
    "ddos_harms_jd_cloud": ("event(attack1, ddos_attack)", "suffered(user, attack1)",
                            "security_event_effect(attack1, harm_to_jd_cloud)"),
}
TOGGLES_16 = dict(TOGGLES_12, **{
    # 9.2: the quake could have been avoided (a second quality it may lack, next to foreseeability)
    "quake_avoidable": ("criterion_not_met(quake, unavoidable)",),
    # 7.3.3: the unpaid fee is found not to be a severe breach (the ground of the termination)
    "nonpayment_found_not_severe": ("breach_found_not_severe(unpaid)",),
    # 6.2: the disclosed data had entered the public domain before
    "data_public": ("information_in_public_domain(data1)",),
    # 8.4: the outage is in the cluster, and the user claims 800.00 of direct damages for it
    "damages_claimed": ("breach_concerns_service(outage, c1)",
                        "user_claims_damages(outage, direct_damages, 800.00)"),
})


@dataclass(frozen=True)
class Sweep:
    """A base scenario (fact strings) and named toggles (groups of fact strings), in order."""

    base: tuple[str, ...]
    toggles: dict[str, tuple[str, ...]]

    @property
    def size(self) -> int:
        return 2 ** len(self.toggles)

    def facts(self, combination: Sequence[bool]) -> list[str]:
        """The base facts plus the group of each toggle on in ``combination``."""
        facts = list(self.base)
        for on, group in zip(combination, self.toggles.values()):
            if on:
                facts.extend(group)
        return facts

    def combinations(self, first: int | None = None) -> list[tuple[bool, ...]]:
        """Every combination of the first ``first`` toggles (all by default), the others off, in
        the order of ``itertools.product((False, True), repeat=first)``."""
        n = len(self.toggles) if first is None else first
        rest = (False,) * (len(self.toggles) - n)
        return [c + rest for c in itertools.product((False, True), repeat=n)]

    def on(self, combination: Sequence[bool]) -> list[str]:
        return [name for name, flag in zip(self.toggles, combination) if flag]


SWEEP_12 = Sweep(BASE, TOGGLES_12)  # the pyDatalog reference: 4,096 combinations
SWEEP_16 = Sweep(BASE, TOGGLES_16)  # the clingo sweep: 65,536 combinations


# --- invariants --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExactlyOne:
    """For each value of ``key`` among the keys that ``over`` patterns give, ``pattern`` holds with
    exactly one value of ``value``: "every termination (one with a refund outcome or ended early)
    has exactly one refund outcome"."""

    name: str
    says: str
    pattern: str  # e.g. refund_outcome(T, R)
    key: str  # the variable naming the item, e.g. T
    value: str  # the variable counted, e.g. R
    over: tuple[str, ...]  # patterns that bind ``key``: the items that must have one value


SWEEP_CHECKS = (
    ExactlyOne("one_refund_outcome_per_termination", "Every early termination has exactly one refund outcome.",
               "refund_outcome(T, R)", "T", "R", ("refund_outcome(T, R)", "terms_terminated_early(T, D)")),
)


@dataclass(frozen=True)
class Invariant:
    name: str
    says: str
    variables: tuple[str, ...]  # the variables whose values a violation reports


@dataclass(frozen=True)
class Violation:
    invariant: str
    values: tuple  # engine values of the invariant's variables

    def __str__(self) -> str:
        return f"{self.invariant}{self.values if self.values else ''}"


class _Patterns:
    """Patterns (parsed atoms) to ASP literals: a variable ``B`` becomes ``V_B`` (the kit's
    variable names are identifiers, so distinct names stay distinct), each ``_`` a fresh
    ``Anon<n>``; constants are written by :func:`kb.asp.asp_value`."""

    def __init__(self, compiler: AspCompiler):
        self.compiler = compiler
        self.defined: set[tuple[str, int]] = set()
        self._anonymous = itertools.count()

    def atom(self, atom: Atom) -> str:
        self.defined.add((atom.pred, atom.arity))
        if not atom.args:
            return asp_name(atom.pred)
        args = []
        for a in atom.args:
            if isinstance(a, Var):
                args.append(f"Anon{next(self._anonymous)}" if a.name.startswith("_") else _var(a.name))
            else:
                args.append(asp_value(a.value))
        return f"{asp_name(atom.pred)}({','.join(args)})"


def _var(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise EngineError(f"cannot compile the variable {name!r} to ASP")
    return f"V_{name}"


def _named(atom: Atom) -> list[str]:
    out = []
    for a in atom.args:
        if isinstance(a, Var) and not a.name.startswith("_") and a.name not in out:
            out.append(a.name)
    return out


def _tuple(items: list[str]) -> str:
    return f"({','.join(items)},)" if len(items) == 1 else f"({','.join(items)})"


def invariant_rules(knowledge_base, compiler: AspCompiler, checks=SWEEP_CHECKS) -> tuple[list[str], list[Invariant]]:
    """ASP rules deriving ``kb_violation(I, Values)`` for each invariant ``I`` (the declared
    constraints in order, then ``checks``), and the invariants."""
    patterns = _Patterns(compiler)
    lines, invariants = [], []
    for c in knowledge_base.constraints:
        i = len(invariants)
        first = patterns.atom(c.first)
        if c.requires:
            shown = _named(c.first)
            shared = [v for v in _named(c.second) if v in shown]
            sat = f"kb_sat_{i}({','.join(_var(v) for v in shared)})" if shared else f"kb_sat_{i}"
            lines.append(f"{sat}:-{patterns.atom(c.second)}.")
            lines.append(f"kb_violation({i},{_tuple([_var(v) for v in shown])}):-{first},not {sat}.")
        else:
            second = patterns.atom(c.second)
            shown = _named(c.first) + [v for v in _named(c.second) if v not in _named(c.first)]
            extra = ""
            if c.unique:
                extra = f",{_var(c.unique)}<{_var(c.unique + '__other')}"  # each pair once
            lines.append(f"kb_violation({i},{_tuple([_var(v) for v in shown])}):-{first},{second}{extra}.")
        invariants.append(Invariant(c.name, c.says, tuple(shown)))
    for check in checks:
        i = len(invariants)
        key = f"kb_item_{i}"
        for over in check.over:
            pattern = knowledge_base.parse_pattern(over)
            if check.key not in _named(pattern):
                raise KbError(f"sweep check {check.name}: {over} does not bind {check.key}")
            lines.append(f"{key}({_var(check.key)}):-{patterns.atom(pattern)}.")
        pattern = knowledge_base.parse_pattern(check.pattern)
        if not {check.key, check.value} <= set(_named(pattern)):
            raise KbError(f"sweep check {check.name}: {check.pattern} lacks {check.key} or {check.value}")
        lines.append(f"kb_violation({i},({_var(check.key)},)):-{key}({_var(check.key)}),"
                     f"#count{{{_var(check.value)}:{patterns.atom(pattern)}}}!=1.")
        invariants.append(Invariant(check.name, check.says, (check.key,)))
    lines += [f"#defined {asp_name(p)}/{n}." for p, n in sorted(patterns.defined)]
    lines += ["#defined kb_violation/2."]
    return lines, invariants


def uncited_rules(program) -> list[str]:
    """The ids of the rules that derive something without citing a clause (none, in a checked
    knowledge base: the static part of "every conclusion's explanation cites a clause")."""
    return sorted({r.origin.id for r in program.compiled if not r.origin.cites})


# --- the clingo sweep --------------------------------------------------------------------------

_ON, _VIOLATION = object(), object()


class _SymbolReader:
    """Reads shown symbols, each converted once: ``(_ON, k)`` for ``kb_on(k)``, ``(_VIOLATION,
    Violation)``, else ``(predicate, argument tuple)`` in engine values. Keyed by the symbol's
    integer representation where the clingo package has one (much cheaper to hash than a Symbol)."""

    def __init__(self, sweep: "ClingoSweep"):
        self.sweep = sweep
        self.cache: dict = {}

    def __call__(self, symbol):
        key = getattr(symbol, "_rep", symbol)
        row = self.cache.get(key)
        if row is None:
            import clingo

            name = symbol.name
            if name == "kb_on":
                row = (_ON, symbol.arguments[0].number)
            elif name == "kb_violation":
                row = (_VIOLATION, self.sweep._violation(symbol))
            else:
                row = (name, tuple(a.number if a.type == clingo.SymbolType.Number else decode_string(a.string)
                                   for a in symbol.arguments))
            self.cache[key] = row
        return row


class _SweepContext(AspContext):
    def __init__(self, inputs, toggled):
        super().__init__(inputs)
        self._toggled = toggled

    def kb_toggle(self, index):
        return self._toggled[index.number]


@dataclass
class SearchResult:
    """The answer of :meth:`ClingoSweep.search`: a witness (a combination breaking an invariant,
    with the fewest toggles on), or none (a proof that every combination keeps every invariant)."""

    witness: tuple[bool, ...] | None
    violations: list[Violation]
    toggles_on: list[str]
    seconds: float
    combinations: int

    @property
    def proved(self) -> bool:
        return self.witness is None


@dataclass
class EnumerationResult:
    combinations: int  # answer sets enumerated (one per combination)
    broken: dict[tuple[bool, ...], list[Violation]] = field(default_factory=dict)  # combinations breaking something
    seconds: float = 0.0


class ClingoSweep:
    """A sweep over a knowledge base, solved by clingo (see the module doc)."""

    def __init__(self, knowledge_base, sweep: Sweep = SWEEP_16, checks=SWEEP_CHECKS):
        import clingo  # noqa: F401

        self.kb = knowledge_base
        self.sweep = sweep
        self.compiler = AspCompiler(knowledge_base.program)
        self.base_keys = [f.key for f in knowledge_base.scenario(list(sweep.base)).facts]
        self.groups: list[list[tuple[str, tuple]]] = []
        for name, group in sweep.toggles.items():
            keys = [f.key for f in knowledge_base.scenario(list(sweep.base) + list(group)).facts]
            self.groups.append([k for k in keys if k not in self.base_keys])
        self.invariant_lines, self.invariants = invariant_rules(knowledge_base, self.compiler, checks)
        problems = uncited_rules(knowledge_base.program)
        if problems:
            raise KbError(f"rules that cite no clause: {', '.join(problems)}")

    # -- the program
    def _program(self, show: str) -> tuple[str, AspContext]:
        import clingo

        compiler = self.compiler
        present = {p for p, _ in self.base_keys} | {p for g in self.groups for p, _ in g}
        lines, _ = compiler.lines_for(frozenset(present))
        text = [compiler.lines[i] for i in lines if not compiler.lines[i].startswith("#show")]
        inputs: list[list] = [[] for _ in compiler.inputs]
        values: dict = {}

        def symbol(v):
            if v not in values:
                from .asp import check_int, encode_string

                values[v] = clingo.String(encode_string(v)) if isinstance(v, str) else clingo.Number(check_int(v))
            return values[v]

        def packed(args):
            if len(args) == 0:
                return clingo.Number(1)
            if len(args) == 1:
                return symbol(args[0])
            return clingo.Tuple_([symbol(a) for a in args])

        for pred, args in self.base_keys:
            inputs[compiler.input_index[pred]].append(packed(args))
        toggled = []
        text.append(f"{{kb_on(0..{len(self.groups) - 1})}}.")
        for k, group in enumerate(self.groups):
            for pred, args in group:
                j = len(toggled)
                toggled.append(packed(args))
                name = asp_name(pred)
                if pred not in compiler.input_index:
                    raise EngineError(f"{pred} is not an input predicate")
                if not args:
                    text.append(f"{name}:-kb_on({k}).")
                elif len(args) == 1:
                    text.append(f"{name}(V0):-kb_on({k}),V0=@kb_toggle({j}).")
                else:
                    vs = ",".join(f"V{i}" for i in range(len(args)))
                    text.append(f"{name}({vs}):-kb_on({k}),({vs})=@kb_toggle({j}).")
        text += self.invariant_lines
        text.append("#defined kb_on/1.")
        text.append(show)
        return "\n".join(text) + "\n", _SweepContext(inputs, toggled)

    def _control(self, show: str, extra: str = "", options: Sequence[str] = ()):
        import clingo

        text, context = self._program(show)
        ctl = clingo.Control(["--warn=none", *options], logger=lambda code, message: None)
        ctl.add("base", [], text + extra)
        ground(ctl, context)
        return ctl

    def _combination(self, on: Iterable[int]) -> tuple[bool, ...]:
        on = set(on)
        return tuple(k in on for k in range(len(self.groups)))

    def _violation(self, symbol) -> Violation:
        import clingo

        index, values = symbol.arguments
        out = []
        for a in values.arguments:
            out.append(a.number if a.type == clingo.SymbolType.Number else decode_string(a.string))
        return Violation(self.invariants[index.number].name, tuple(out))

    # -- the searches
    def search(self) -> SearchResult:
        """One combination breaking an invariant, with the fewest toggles on, or a proof that
        none exists (the program with ``:- not kb_broken.`` has no answer set)."""
        t = time.perf_counter()
        extra = ("kb_broken:-kb_violation(_,_).\n:-not kb_broken.\n"
                 "#minimize{1,K:kb_on(K)}.\n")
        ctl = self._control("#show kb_on/1.\n#show kb_violation/2.", extra, ["--opt-mode=opt"])
        best = None
        with ctl.solve(yield_=True) as handle:
            for m in handle:
                best = m.symbols(shown=True)
            handle.get()
        if best is None:
            return SearchResult(None, [], [], time.perf_counter() - t, self.sweep.size)
        on = [s.arguments[0].number for s in best if s.name == "kb_on"]
        combination = self._combination(on)
        violations = sorted((self._violation(s) for s in best if s.name == "kb_violation"), key=str)
        return SearchResult(combination, violations, self.sweep.on(combination), time.perf_counter() - t,
                            self.sweep.size)

    def enumerate(self) -> EnumerationResult:
        """Every combination, one answer set each; the violations of those that break something."""
        t = time.perf_counter()
        ctl = self._control("#show kb_on/1.\n#show kb_violation/2.", options=["--models=0"])
        result = EnumerationResult(0)
        seen = set()
        read = _SymbolReader(self)
        with ctl.solve(yield_=True) as handle:
            for m in handle:
                result.combinations += 1
                on, broken = [], []
                for s in m.symbols(shown=True):
                    kind, value = read(s)
                    (on if kind is _ON else broken).append(value)
                combination = self._combination(on)
                if combination in seen:
                    raise EngineError(f"two answer sets for one combination: {self.sweep.on(combination)}")
                seen.add(combination)
                if broken:
                    result.broken[combination] = sorted(broken, key=str)
        result.seconds = time.perf_counter() - t
        if result.combinations != self.sweep.size:
            raise EngineError(f"{result.combinations} answer sets for {self.sweep.size} combinations")
        return result

    def models(self, first: int | None = None, combinations: Iterable[Sequence[bool]] | None = None
               ) -> dict[tuple[bool, ...], tuple[dict, list[Violation]]]:
        """The full model (every input and derived predicate, as the engines return it) and the
        violations of each combination of the first ``first`` toggles, the others off (one
        solve), or of each of ``combinations`` (one solve each, on the program grounded once)."""
        import clingo

        show = "#show.\n#show kb_on/1.\n#show kb_violation/2.\n" + "".join(
            f"#show {asp_name(p)}/{n}.\n" for p, n in sorted(self.compiler.head_arity.items()))
        off = "" if first is None else "".join(f":-kb_on({k}).\n" for k in range(first, len(self.groups)))
        ctl = self._control(show, off, ["--models=0"])
        empty = {p: frozenset() for p in self.compiler.inputs}
        empty.update({p: frozenset() for p in self.kb.program.derived})
        read = _SymbolReader(self)
        out = {}

        def take(m) -> None:
            on, violations = [], []
            rows: dict[str, list] = {}
            for s in m.symbols(shown=True):
                kind, value = read(s)
                if kind is _ON:
                    on.append(value)
                elif kind is _VIOLATION:
                    violations.append(value)
                else:
                    rows.setdefault(kind, []).append(value)
            combination = self._combination(on)
            for pred, args in self.base_keys + [k for g, flag in zip(self.groups, combination) if flag for k in g]:
                rows.setdefault(pred, []).append(args)
            model = dict(empty)
            model.update({p: frozenset(r) for p, r in rows.items()})
            out[combination] = (model, sorted(violations, key=str))

        if combinations is None:
            with ctl.solve(yield_=True) as handle:
                for m in handle:
                    take(m)
            return out
        for combination in combinations:
            assumptions = [(clingo.Function("kb_on", [clingo.Number(k)]), bool(flag))
                           for k, flag in enumerate(combination)]
            count = 0
            with ctl.solve(assumptions=assumptions, yield_=True) as handle:
                for m in handle:
                    take(m)
                    count += 1
            if count != 1:
                raise EngineError(f"{count} answer sets for the combination {self.sweep.on(combination)}")
        return out


# --- the pyDatalog reference sweep, and the comparison -----------------------------------------

def pydatalog_check(agreement, result, checks=SWEEP_CHECKS) -> list[str]:
    """The invariants broken in one evaluation, as the pyDatalog sweep checks them: the declared
    constraints, the sweep's checks, and an explanation citing a clause for every conclusion.
    Each problem starts with the invariant's name."""
    from .constraints import violations

    problems = [f"{v.constraint.name}: {v}" for v in violations(result)]
    for check in checks:
        pattern = agreement.parse_pattern(check.pattern)
        items = set()
        for over in check.over:
            for row in result.ask(over):
                items.add(row[check.key])
        for item in sorted(items):
            values = {row[check.value] for row in result.ask(check.pattern) if row[check.key] == item}
            if len(values) != 1:
                problems.append(f"{check.name}: {item} has {len(values)} values of {pattern}: {sorted(values)}")
    for conclusion in result.conclusions:
        explanation = result.explain(conclusion)
        if not explanation.holds or not explanation.clause_ids():
            problems.append(f"explanation: no explanation citing a clause for {conclusion.text}")
    return problems


def pydatalog_sweep(agreement, sweep: Sweep, combinations, checks=SWEEP_CHECKS
                    ) -> dict[tuple[bool, ...], tuple[dict, list[str]]]:
    """Each combination evaluated by the pyDatalog engine: its full model and the problems
    :func:`pydatalog_check` finds."""
    out = {}
    for combination in combinations:
        result = agreement.evaluate(sweep.facts(combination))
        out[tuple(combination)] = (result.model, pydatalog_check(agreement, result, checks))
    return out


def compare(clingo_models, pydatalog_results) -> list[str]:
    """The combinations on which the two disagree (full models, or the invariants broken), one line
    each; the combinations of ``pydatalog_results`` must all be in ``clingo_models``."""
    from .clingo_engine import model_differences

    out = []
    for combination, (model, problems) in pydatalog_results.items():
        other, violations = clingo_models[combination]
        diff = model_differences(model, other)
        names = sorted({p.split(":")[0] for p in problems if not p.startswith("explanation:")})
        other_names = sorted({v.invariant for v in violations})
        if names != other_names:
            diff.append(f"invariants broken: pydatalog {names}, clingo {other_names}")
        if diff:
            out.append(f"{combination}: {'; '.join(diff[:5])}")
    return out


__all__ = ["BASE", "ClingoSweep", "EnumerationResult", "ExactlyOne", "SWEEP_12", "SWEEP_16", "SWEEP_CHECKS",
           "SearchResult", "Sweep", "TOGGLES_12", "TOGGLES_16", "Violation", "compare", "invariant_rules",
           "pydatalog_check", "pydatalog_sweep", "uncited_rules"]
