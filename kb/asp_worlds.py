"""Many scenarios ("worlds") in one clingo solve: the program compiled with a world argument.

:mod:`kb.batch` evaluates thousands of records, each a scenario without facts in question. One
clingo solve per record costs ~9 ms, mostly the per-solve overhead; one solve for a chunk of a
thousand records costs little more than its grounding. :class:`WorldProgram` compiles the
knowledge base's checked program (:class:`kb.program.Program`, through :mod:`kb.asp`'s rule
compiler, never from input text) so that every predicate that can depend on a scenario's facts
takes an extra first argument, the world (the record's number in the chunk):

* every input predicate (``interpretation`` included: each record has its own readings);
* every derived predicate one of whose rules reads such a predicate, under negation or inside an
  aggregate too (computed to a fixpoint). Its rules bind the world first (``kb_world(W)``), so a
  rule with an empty body (a standing conclusion) holds in every world, an aggregate is grouped
  per world (``W`` is a global variable of the aggregate), and ``not p(W, ...)`` asks about the
  same world.

Predicates that depend on no input (the tables the rule files state, conclusions derived only
from them) keep their arity and are grounded once per solve; their rows hold in every world.
The facts of each world are handed to clingo by a context function (``@kb_input``), as symbols,
never as program text. Only the predicates asked about are shown, with, for the deciding clause
ids (:meth:`WorldProgram.solve`), two kinds of witness predicates built from the same bodies:

* ``kb_why_K(W, args)``: compiled rule ``K`` (whose head is a queried predicate) fired for
  ``args`` in world ``W``;
* ``kb_would_K(W, args)``: compiled rule ``K`` of a rule that exceptions override would have
  fired without its ``not blocked__`` condition; with the exceptions' own ``fires__E`` shown, the
  exceptions that defeated a conclusion in a world are known.

clingo keeps every symbol it has made (names, tuples, ground atoms) until its process ends, so
each world's ids are renamed ``"\x1e0"``, ``"\x1e1"`` ... before the solve and back after it (the
same few names in every chunk; the names the rules themselves write are kept; see
:func:`_id_renaming`): a process's memory then grows by about 2 kB per record instead of 8 kB,
through the numbers (dates, amounts) in its atoms. :mod:`kb.batch` replaces its pool workers.

The answers equal those of one evaluation per record (``tests/test_batch.py`` compares 2,000
records with the pyDatalog engine). clingo integers are 32 bits: :meth:`WorldProgram.check_facts`
refuses a record's values beyond them before they reach a chunk, so one bad record cannot fail
the others.
"""
from __future__ import annotations

from dataclasses import dataclass

from .asp import (DATE_MAX, AspCompiler, AspContext, _RuleCompiler, asp_name, encode_string, ground,
                  single_answer_set, symbol_value)
from .errors import EngineError
from .program import BLOCKED, FIRES, CompiledRule, Program
from .terms import Atom, Const, Literal, aggregates_of, body_literals

WORLD = "kb_world"
_ID = "\x1e"  # renamed ids: "\x1e0", "\x1e1" ... (no name a rule or a record can write)
_W = "W"  # the world variable (the rule compiler names its variables V0, V1, ... and Agg*)


class _WorldRuleCompiler(_RuleCompiler):
    """A compiled rule to ASP with the world argument on every world-dependent atom."""

    def __init__(self, compiler: AspCompiler, rule: CompiledRule, dynamic: frozenset[str]):
        super().__init__(compiler, rule)
        self.dynamic = dynamic

    def atom(self, a: Atom) -> str:
        name = asp_name(a.pred)
        self.compiler.used.add((a.pred, a.arity))
        args = [self.term(x) for x in a.args]
        if a.pred in self.dynamic:
            args.insert(0, _W)
        return f"{name}({','.join(args)})" if args else name

    def world_rule(self, head_name: str | None = None, drop: Literal | None = None) -> str:
        """The rule in ASP; ``head_name``: another head predicate (always with the world) over the
        same head arguments; ``drop``: a body item left out."""
        body = [self.literal(i) if isinstance(i, Literal) else self.comparison(i)
                for i in self.rule.body if i is not drop]
        if head_name is None:
            head = self.atom(self.rule.head)
            with_world = self.rule.head.pred in self.dynamic
        else:
            args = [_W] + [self.term(x) for x in self.rule.head.args]
            head = f"{asp_name(head_name)}({','.join(args)})"
            with_world = True
        body = ([f"{WORLD}({_W})"] if with_world else []) + self.lifted + body
        return f"{head}:-{','.join(body)}." if body else f"{head}."


@dataclass(frozen=True)
class WorldAnswers:
    """What one world concluded about the queried predicates: ``rows[pred]`` the argument tuples
    (engine values); ``fired[pred]`` (compiled rule number, args) of the rules that concluded
    them; ``defeated[pred]`` (exception rule id, args) of the exceptions that defeated a rule
    which would otherwise have concluded ``pred(args)``."""

    rows: dict
    fired: dict
    defeated: dict


class WorldProgram:
    """The program of ``program`` for the predicates ``queried``, compiled with a world argument
    (see the module doc). :meth:`solve` evaluates a list of scenarios in one clingo solve."""

    def __init__(self, program: Program, queried):
        import clingo  # noqa: F401  (fail here, clearly, if the package is missing)

        self.program = program
        self.queried = tuple(sorted(set(queried)))
        base = AspCompiler(program)
        self._base = base
        derived = set(program.derived)
        for pred in self.queried:
            if pred not in derived:
                raise EngineError(f"{pred} is not a derived predicate of this knowledge base")
        names = set(program.vocabulary.inputs) | derived
        if WORLD in names or any(n.startswith(("kb_why_", "kb_would_")) for n in names):
            raise EngineError(f"the knowledge base uses a predicate name reserved for batches ({WORLD}, kb_why_*)")
        # world-dependent predicates: the inputs, and what reads them (to a fixpoint)
        dynamic = set(program.vocabulary.inputs)
        changed = True
        while changed:
            changed = False
            for rule in program.compiled:
                if rule.head.pred not in dynamic and any(
                        lit.atom.pred in dynamic for lit, _ in body_literals(rule.body)):
                    dynamic.add(rule.head.pred)
                    changed = True
        self.dynamic = frozenset(dynamic)
        # the derived predicates the queries need (closed under dependency)
        needed, stack = set(self.queried), list(self.queried)
        while stack:
            for dep in base.body_preds.get(stack.pop(), ()):
                if dep in derived and dep not in needed:
                    needed.add(dep)
                    stack.append(dep)
        self.needed = frozenset(needed)
        self._rule_text = [_WorldRuleCompiler(base, rule, self.dynamic).world_rule() for rule in program.compiled]
        # witnesses: the rules that conclude a queried predicate, the overridden ones without
        # their block, and the exceptions that defeat them
        self._why: list[str] = []
        self.why_rule: dict[str, tuple[str, str]] = {}  # kb_why_K -> (queried predicate, source rule id)
        self._would: list[str] = []
        self.would_rule: dict[str, tuple[str, str]] = {}  # kb_would_K -> (queried predicate, source rule id)
        self.exceptions: dict[str, list[str]] = {}  # fires__E -> [queried predicates it defeats]
        for k, rule in enumerate(program.compiled):
            origin = rule.origin
            if rule.head.pred in self.queried and rule.role in ("rule", "conclude"):
                name = f"kb_why_{k}"
                self._why.append(_WorldRuleCompiler(base, rule, self.dynamic).world_rule(head_name=name))
                self.why_rule[name] = (rule.head.pred, origin.id)
            if origin.head.pred not in self.queried or origin.negated_head or origin.id not in program.overrides:
                continue
            blocked = next((i for i in rule.body if isinstance(i, Literal) and i.negated
                            and i.atom.pred == BLOCKED + origin.id), None)
            if blocked is None:
                continue
            name = f"kb_would_{k}"
            self._would.append(_WorldRuleCompiler(base, rule, self.dynamic).world_rule(head_name=name, drop=blocked))
            self.would_rule[name] = (origin.head.pred, origin.id)
            for exc in program.overrides[origin.id]:
                self.exceptions.setdefault(FIRES + exc, [])
                if origin.head.pred not in self.exceptions[FIRES + exc]:
                    self.exceptions[FIRES + exc].append(origin.head.pred)
        for pred in self.exceptions:
            if pred not in derived:
                raise EngineError(f"{pred} is not compiled: the program and the batch compiler disagree")
        self._exception_preds = frozenset(self.exceptions)
        self._texts: dict[frozenset, str] = {}
        self._arg_values: dict = {}
        self._show_names = set(self.queried) | set(self.why_rule) | set(self.would_rule) | self._exception_preds
        self._input_arity = dict(base.input_arity)
        # ids (names of events, failures, services ...) only meet other ids of the same world: each
        # world's are renamed to "\x1e0", "\x1e1" ... (the same few names in every chunk), because
        # clingo keeps every symbol it made until the process ends (see _id_renaming).
        self._id_args = {name: tuple(i for i, a in enumerate(decl.args) if a.type.kind == "id")
                         for name, decl in program.vocabulary.inputs.items()}
        self.rename_ids, self._kept_ids = _id_renaming(program)
        self._date_args = {name: tuple(i for i, a in enumerate(decl.args) if a.type.kind == "date")
                           for name, decl in program.vocabulary.inputs.items()}

    # -- the program text for a chunk
    def text(self, present: frozenset[str]) -> str:
        """The ASP program for worlds whose facts are of the input predicates ``present``: the
        rules that can fire (:meth:`kb.asp.AspCompiler.lines_for`), the witnesses, the inputs
        from ``@kb_input``, ``#defined`` for what nothing defines, ``#show`` for the queried
        predicates and the witnesses."""
        found = self._texts.get(present)
        if found is not None:
            return found
        base = self._base
        wanted = self.needed | self._exception_preds
        for pred in list(self._exception_preds):  # what the exceptions need
            stack = [pred]
            while stack:
                for dep in base.body_preds.get(stack.pop(), ()):
                    if dep in self.program.derived and dep not in wanted:
                        wanted.add(dep)
                        stack.append(dep)
        lines, heads = base.lines_for(present, frozenset(wanted))
        n_rules = len(base.rules)
        out = [f"{WORLD}(V0):-V0=@kb_worlds()."]
        out += [self._rule_text[i] for i in lines if i < n_rules]
        out += self._why + self._would
        reads = {(lit.atom.pred, lit.atom.arity) for i in lines if i < n_rules
                 for lit, _ in body_literals(self.program.compiled[i].body)}
        reads |= {(lit.atom.pred, lit.atom.arity) for rule in self.program.compiled
                  if rule.head.pred in self.queried or rule.origin.head.pred in self.queried
                  for lit, _ in body_literals(rule.body)}
        for name in sorted({p for p, _ in reads} & present):
            arity = self._input_arity[name] + 1
            vs = ",".join(f"V{i}" for i in range(arity))
            index = base.input_index[name]
            out.append(f"{asp_name(name)}({vs}):-({vs})=@kb_input({index})." if arity > 1
                       else f"{asp_name(name)}(V0):-V0=@kb_input({index}).")
        for pred, arity in sorted(reads | {(p, base.head_arity[p]) for p in self._show_names
                                           if p in base.head_arity}):
            if pred in heads or pred in present:
                continue
            out.append(f"#defined {asp_name(pred)}/{arity + (1 if pred in self.dynamic else 0)}.")
        for name in sorted(self._show_names):
            if name in self.why_rule or name in self.would_rule:
                arity = self.program.compiled[int(name.rsplit("_", 1)[1])].head.arity + 1
            else:
                arity = base.head_arity[name] + (1 if name in self.dynamic else 0)
            out.append(f"#defined {asp_name(name)}/{arity}.")
            out.append(f"#show {asp_name(name)}/{arity}.")
        text = "\n".join(out) + "\n"
        if len(self._texts) > 64:
            self._texts.clear()
        self._texts[present] = text
        return text

    def check_facts(self, facts) -> None:
        """Raise EngineError if a fact (predicate, engine values) cannot go to clingo: an unknown
        input, a number beyond 32 bits, a day number that is not a date."""
        for pred, args in facts:
            if self._input_arity.get(pred) != len(args):
                raise EngineError(f"{pred}/{len(args)} is not an input predicate of this knowledge base")
            for value in args:
                if isinstance(value, int) and not -2 ** 31 <= value < 2 ** 31:
                    raise EngineError(f"{pred}: the value {value} is beyond the 32-bit numbers of the batch's clingo "
                                      f"engine (amounts up to 21,474,836.47): evaluate this case alone with the "
                                      f"default engine (agreement.evaluate)")
            for i in self._date_args[pred]:
                if isinstance(args[i], int) and not 1 <= args[i] <= DATE_MAX:
                    raise EngineError(f"{pred}: day number {args[i]} is not a date")

    # -- solving
    def solve(self, worlds: list) -> list[WorldAnswers]:
        """The answers of each world (a list of facts: (input predicate, engine values)), in order,
        from one clingo solve. Facts must have passed :meth:`check_facts`."""
        import clingo

        base = self._base
        inputs: list[list] = [[] for _ in base.inputs]
        index = base.input_index
        values: dict = {}
        present = set()
        backs: list[dict] = []
        rename = self.rename_ids
        for w, facts in enumerate(worlds):
            wsym = clingo.Number(w)
            names: dict = {}
            for pred, args in facts:
                present.add(pred)
                syms = [wsym]
                if rename and self._id_args[pred]:
                    args = list(args)
                    for i in self._id_args[pred]:
                        if args[i] not in self._kept_ids:
                            args[i] = names.setdefault(args[i], f"{_ID}{len(names)}")
                for v in args:
                    s = values.get((type(v), v))
                    if s is None:
                        s = clingo.String(encode_string(v)) if isinstance(v, str) else clingo.Number(v)
                        values[(type(v), v)] = s
                    syms.append(s)
                inputs[index[pred]].append(syms[0] if len(syms) == 1 else clingo.Tuple_(syms))
            backs.append({v: k for k, v in names.items()})
        text = self.text(frozenset(present))
        context = _WorldContext(inputs, [clingo.Number(w) for w in range(len(worlds))])
        ctl = clingo.Control(["--warn=none", "--models=2"], logger=lambda code, message: None)
        try:
            ctl.add("base", [], text)
            ground(ctl, context)
            answer = single_answer_set(ctl)
        except EngineError:
            raise
        except Exception as exc:  # clingo's own failure: a bug in the kit, not the user's input
            raise EngineError(f"clingo failed: {type(exc).__name__}: {exc}") from exc
        out = [WorldAnswers({p: set() for p in self.queried}, {p: set() for p in self.queried},
                            {p: set() for p in self.queried}) for _ in worlds]
        static: dict[str, set] = {p: set() for p in self.queried}
        fires: list[dict] = [dict() for _ in worlds]
        would: list[dict] = [dict() for _ in worlds]
        def arg_in(w):
            back = backs[w]
            if not back:
                return self._arg
            return lambda a: (lambda v: back.get(v, v) if isinstance(v, str) else v)(self._arg(a))

        readers = [None] * len(worlds)

        def reader(w):
            r = readers[w]
            if r is None:
                r = readers[w] = arg_in(w)
            return r

        arg = self._arg
        for symbol in answer:
            name = symbol.name
            args = symbol.arguments
            if name in self.why_rule:
                pred, rule_id = self.why_rule[name]
                w = args[0].number
                out[w].fired[pred].add((rule_id, tuple(map(reader(w), args[1:]))))
            elif name in self.would_rule:
                pred, rule_id = self.would_rule[name]
                w = args[0].number
                would[w].setdefault(rule_id, set()).add(tuple(map(reader(w), args[1:])))
            elif name in self._exception_preds:
                if name in self.dynamic:
                    w = args[0].number
                    fires[w].setdefault(name, set()).add(tuple(map(reader(w), args[1:])))
                else:
                    row = tuple(arg(a) for a in args)
                    for f in fires:
                        f.setdefault(name, set()).add(row)
            elif name in self.dynamic:
                w = args[0].number
                out[w].rows[name].add(tuple(map(reader(w), args[1:])))
            else:
                static[name].add(tuple(arg(a) for a in args))
        overrides = self.program.overrides
        for w, answer in enumerate(out):
            for pred, rows in static.items():
                if rows:
                    answer.rows[pred].update(rows)
            for rule_id, rows in would[w].items():
                pred = self.program.rules[rule_id][0].head.pred
                for exc in overrides[rule_id]:
                    defeated = fires[w].get(FIRES + exc, ()) and rows & fires[w].get(FIRES + exc, set())
                    for row in defeated or ():
                        answer.defeated[pred].add((exc, row))
        return out

    def _arg(self, symbol):
        key = getattr(symbol, "_rep", symbol)
        value = self._arg_values.get(key)
        if value is None:
            value = symbol_value(symbol)
            if len(self._arg_values) >= 200_000:
                self._arg_values.clear()
            self._arg_values[key] = value
        return value


def _id_renaming(program: Program) -> tuple[bool, frozenset]:
    """Whether a world's ids may be renamed, and the names the rules write (kept as they are).

    Ids meet only ids of the same world, and rules compare them for equality or with the
    constants the rules write; renaming the others one to one in each world changes no answer,
    unless a ``min``/``max`` orders ids (then nothing is renamed)."""
    vocab = program.vocabulary
    constants = set()

    def atoms(items, in_order):
        for item in items:
            if isinstance(item, Literal):
                yield item.atom, in_order
            for agg in aggregates_of(item):
                first = agg.terms[0] if agg.op in ("min", "max") and agg.terms else None
                yield from atoms(agg.body, first)

    for rule in program.all_rules():
        for atom, ordered in [(rule.head, None), *atoms(rule.body, None)]:
            decl = vocab.predicate(atom.pred)
            for i, arg in enumerate(atom.args):
                if isinstance(arg, Const) and isinstance(arg.value, str):
                    constants.add(arg.value)
                if decl is None or decl.arity != atom.arity or decl.args[i].type.kind != "id":
                    continue
                if ordered is not None and arg == ordered:
                    return False, frozenset()
    return True, frozenset(constants)


class _WorldContext(AspContext):
    """The context of a chunk: its worlds' facts (``@kb_input``) and the world numbers."""

    def __init__(self, inputs: list[list], worlds: list):
        super().__init__(inputs)
        self._worlds = worlds

    def kb_worlds(self):
        return self._worlds


__all__ = ["WORLD", "WorldAnswers", "WorldProgram"]
