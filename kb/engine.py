"""The pyDatalog back end, contained behind one object and one thread.

pyDatalog keeps its database in thread-local globals. An :class:`Engine` owns a
dedicated worker thread: the program is compiled there and every assert, query
and retract runs there, whatever thread calls :meth:`Engine.evaluate` (a widget
callback on a kernel subshell thread included). Each evaluation asserts the
scenario's facts, reads every derived predicate, and retracts the facts in a
``finally`` block, so evaluating A then B gives exactly what B alone gives.

Terms are built programmatically (``Term``/``Literal`` objects); the engine
never calls ``pyDatalog.load`` or ``pyDatalog.ask``, so no text from a rule
file, scenario or query is ever evaluated as Python.

Derived predicates are evaluated component by component (strongly connected
components of the dependency graph, dependencies first). A non-recursive
component is asked of pyDatalog. A recursive one is not: pyDatalog's own
evaluation of recursion terminates or not depending on the order of the body
(``r(V, O) :- m(O1, O), r(V, O1)`` through two other rules spins forever, the
same rule with the body swapped answers at once), and its compiled engine
ignores signals, so nothing could stop it. The kit evaluates a recursive
component itself, semi-naively over hash-indexed joins (:class:`_Fixpoint`),
from the answers of the lower components: it always terminates on a finite
program, whatever the body order, and it runs under a time budget
(``recursion_budget`` seconds, default :attr:`Engine.RECURSION_BUDGET`, or the
environment variable ``KB_RECURSION_BUDGET``) checked between rounds and every
few thousand join steps, so a recursion that derives without end (arithmetic
in a recursive rule) stops with an :class:`~kb.errors.EngineError` naming the
component and suggesting the clingo back end.
"""
from __future__ import annotations

import os
import threading
import time
import weakref
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

from .errors import EngineError
from .program import CompiledRule, Program
from .terms import BinOp, Const, Literal, Var, body_literals

T = TypeVar("T")

_EMPTY: frozenset = frozenset()  # the one empty answer set the cache shares


def _key_cells(facts_key: tuple) -> int:
    """The size of a key's facts in cells: its items and the facts of its sets."""
    return len(facts_key) + sum(len(facts) for facts in facts_key[1::2])

Model = dict[str, frozenset]  # predicate -> set of argument tuples (engine values)
MATERIALISED = "m__"  # m__p holds p's answers as facts while a scenario is evaluated


class Engine:
    """A compiled program and the thread that owns its pyDatalog state."""

    _SENTINEL = "\x1e-declared"
    # The answer cache: a derived predicate's answers, keyed by the facts of the inputs it depends
    # on, kept across evaluations (the explorer's toggles and the sweeps re-ask mostly the same
    # questions). One least-recently-used cache for all predicates, bounded by its size in cells:
    # one per cached answer set, one per answer row, and for each distinct key it holds one per
    # input named and per fact (so memory stays bounded whatever the scenarios: about 130 bytes
    # a cell, so at most about 26 MB at the default: README "Resource use").
    # Set it on an engine (engine.CACHE_CELLS = n) to trade memory for speed; 0 keeps one entry.
    CACHE_CELLS = 200_000
    RECURSION_BUDGET = 30.0  # seconds one recursive component may take (KB_RECURSION_BUDGET overrides)

    def __init__(self, program: Program, recursion_budget: float | None = None):
        self.program = program
        if recursion_budget is None:
            recursion_budget = float(os.environ.get("KB_RECURSION_BUDGET") or self.RECURSION_BUDGET)
        self.recursion_budget = recursion_budget  # seconds; may be changed between evaluations
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-engine")
        self._thread_id: int | None = None
        self._queries: dict[str, object] = {}
        self._input_arity = {name: decl.arity for name, decl in program.vocabulary.inputs.items()}
        self._derived = set(program.derived)
        self._head_arity = {c.head.pred: c.head.arity for c in program.compiled}
        self._body_preds: dict[str, set[str]] = {}  # derived predicate -> predicates its rules use
        for rule in program.compiled:
            self._body_preds.setdefault(rule.head.pred, set()).update(
                lit.atom.pred for lit, _ in body_literals(rule.body))
        # rules with a built-in function or an aggregate: evaluated here, in Python, once what
        # they read is complete (each has a predicate of its own, computed__RULE)
        self._computed: dict[str, CompiledRule] = {r.head.pred: r for r in program.compiled if r.role == "computed"}
        self._component: dict[str, int] = {}
        self._needed_cache: dict[tuple[str, ...], frozenset[str]] = {}
        # stop the thread when the engine is garbage-collected, or at exit (no reference kept)
        self._finalizer = weakref.finalize(self, self._executor.shutdown, wait=False)
        self._run(self._setup)

    # -- thread plumbing
    def _run(self, fn: Callable[..., T], *args) -> T:
        if threading.get_ident() == self._thread_id:
            return fn(*args)
        return self._executor.submit(fn, *args).result()

    def close(self) -> None:
        """Stop the engine thread (the engine is unusable afterwards)."""
        self._finalizer()

    # -- compilation (engine thread)
    def _setup(self) -> None:
        import pyDatalog as package

        # Initialise this thread's logic before importing pyDatalog.pyDatalog: its module code needs
        # thread-local state, which exists only on the thread that first imported the package.
        package.Logic()
        from pyDatalog import pyDatalog, pyEngine

        self._thread_id = threading.get_ident()
        pyDatalog.clear()
        # declare every input predicate, so that querying or negating one without facts answers "no"
        # (and every conclusion or definition that no rule derives, so that negating one answers "yes")
        vocab = self.program.vocabulary
        declared = {name: decl.arity for name, decl in {**vocab.conclusions, **vocab.definitions}.items()
                    if name not in self._derived}
        # (the materialised copies of derived predicates too)
        to_declare = {**declared, **self._input_arity,
                      **{MATERIALISED + pred: self._arity(pred) for pred in self.program.derived}}
        for name, arity in sorted(to_declare.items()):
            pyEngine.retract(self._assert(name, (self._SENTINEL,) * arity))
        self._order = self._evaluation_order()
        self._component = {pred: i for i, group in enumerate(self._order) for pred in group}
        # recursive components: evaluated by the kit's fixpoint (see the module doc), not by pyDatalog
        self._fixpoints: dict[int, _Fixpoint] = {}
        for i, group in enumerate(self._order):
            members = frozenset(group)
            rules = [r for r in self.program.compiled if r.head.pred in members]
            if len(group) > 1 or any(lit.atom.pred in members for r in rules for lit, _ in body_literals(r.body)):
                self._fixpoints[i] = _Fixpoint(rules, members)
        self._recursive = {pred for i in self._fixpoints for pred in self._order[i]}
        for rule in self.program.compiled:
            if rule.role != "computed" and rule.head.pred not in self._recursive:
                self._add_rule(rule)
        for pred in self.program.derived:
            if pred not in self._computed and pred not in self._recursive:
                self._queries[pred] = pyEngine.Literal(pred, [pyEngine.Var(f"Q{i}") for i in range(self._arity(pred))])
        self._dependencies = self._input_dependencies()
        self._cache: OrderedDict[tuple, frozenset] = OrderedDict()  # (pred, key) -> rows, oldest first
        self._cache_cells = 0
        self._key_refs: dict[int, int] = {}  # id of a facts tuple the cache holds -> entries holding it
        self._static_rows: dict[str, frozenset] = {}  # predicates that depend on no input: never evicted
        self._dependency_sets = {pred: frozenset(deps) for pred, deps in self._dependencies.items()}
        # Materialised copies are read only by rules of higher components; the answers of
        # predicates that depend on no input (tables the rule files state) are asserted once.
        self._read_materialised = {
            item.atom.pred for rule in self.program.compiled for item in rule.body
            if isinstance(item, Literal) and item.atom.pred in self._component
            and self._component[item.atom.pred] != self._component[rule.head.pred]}
        self._static = {pred for pred in self.program.derived if not self._dependencies[pred]}
        static_model: Model = {}
        for group in self._order:
            if all(pred in self._static for pred in group):
                answers = self._group_answers(group, static_model)
                for pred in group:
                    rows = self._static_rows[pred] = static_model[pred] = answers[pred] or _EMPTY
                    if pred in self._read_materialised:
                        for row in sorted(rows, key=repr):
                            self._assert(MATERIALISED + pred, row)

    def _arity(self, pred: str) -> int:
        if pred in self._input_arity:
            return self._input_arity[pred]
        if pred in self._head_arity:
            return self._head_arity[pred]
        raise EngineError(f"no arity known for {pred}")

    # Rules are built as pyDatalog engine objects (pyEngine.Clause of pyEngine.Literal), the form
    # pyDatalog's own parser produces, without its per-literal bookkeeping: several times faster.
    _OPERATORS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

    def _engine_term(self, t, names: dict[str, str]):
        from pyDatalog import pyEngine

        if isinstance(t, Var):
            return pyEngine.Var(names.setdefault(t.name, f"V{len(names)}"))
        if isinstance(t, Const):
            return pyEngine.Term_of(t.value)
        if isinstance(t, BinOp):
            return pyEngine.Operation(self._engine_term(t.left, names), t.op, self._engine_term(t.right, names))
        raise EngineError(f"cannot compile term {t!r}")

    def _add_rule(self, rule: CompiledRule) -> None:
        from pyDatalog import pyEngine

        names: dict[str, str] = {}  # user variable -> engine variable (V0, V1, ...)
        body = []
        bound: set[str] = set()
        for item in rule.body:
            if isinstance(item, Literal):
                pred = item.atom.pred
                if pred in self._component and self._component[pred] != self._component[rule.head.pred]:
                    pred = MATERIALISED + pred  # a lower component: read its materialised answers
                terms = [self._engine_term(a, names) for a in item.atom.args]
                body.append(pyEngine.Literal(("~" + pred) if item.negated else pred, terms))
                if not item.negated:
                    bound.update(item.atom.variables())
                continue
            left, right = item.left, item.right
            if item.op == "=":
                # pyDatalog assigns only to a variable on the left-hand side
                if isinstance(right, Var) and right.name not in bound:
                    left, right = right, left
                if isinstance(left, Var):
                    bound.add(left.name)
            body.append(pyEngine.Literal(self._OPERATORS[item.op],
                                         [self._engine_term(left, names), self._engine_term(right, names)]))
        head = pyEngine.Literal(rule.head.pred, [self._engine_term(a, names) for a in rule.head.args])
        if not pyEngine.assert_(pyEngine.Clause(head, body)):
            raise EngineError(f"pyDatalog refused the rule {rule.origin.id}")

    # -- evaluation
    def evaluate(self, facts: Iterable[tuple[str, tuple]], only: Iterable[str] | None = None) -> Model:
        """Assert ``facts`` (input predicate, engine values), derive everything, retract.

        Returns the whole model: every input and derived predicate with its tuples. With
        ``only`` (derived predicates), it derives just those and what they depend on, and the
        model holds nothing else of what is derived: for searches that ask one question of
        many scenarios.
        """
        facts = sorted(set(facts), key=repr)
        for pred, args in facts:
            if self._input_arity.get(pred) != len(args):
                raise EngineError(f"{pred}/{len(args)} is not an input predicate of this knowledge base")
        needed = None if only is None else self._needed(tuple(sorted(set(only))))
        with self._lock:
            return self._run(self._evaluate, facts, needed)

    def _needed(self, preds: tuple[str, ...]) -> frozenset[str]:
        """The derived predicates that ``preds`` depend on, themselves included."""
        if preds not in self._needed_cache:
            for pred in preds:
                if pred not in self.program.derived:
                    raise EngineError(f"{pred} is not a derived predicate of this knowledge base")
            seen, stack = set(preds), list(preds)
            while stack:
                for dep in self._body_preds.get(stack.pop(), ()):
                    if dep in self.program.derived and dep not in seen:
                        seen.add(dep)
                        stack.append(dep)
            self._needed_cache[preds] = frozenset(seen)
        return self._needed_cache[preds]

    def _evaluate(self, facts: list[tuple[str, tuple]], needed: frozenset[str] | None = None) -> Model:
        given: dict[str, set] = {}
        for pred, args in facts:
            given.setdefault(pred, set()).add(args)
        model: Model = {pred: _EMPTY for pred in self._input_arity}
        model.update((pred, frozenset(rows)) for pred, rows in given.items())
        derived = self.program.derived if needed is None else needed
        order = self._order if needed is None else [[p for p in g if p in needed] for g in self._order
                                                     if any(p in needed for p in g)]
        # A derived predicate's answer is a function of the facts of the inputs it depends on:
        # reuse the answer computed for the same relevant facts, ask the engine only for the rest.
        # The key is (pred, facts): the inputs with facts among those it depends on, each with its
        # facts (an input without facts is left out, so the key stays short); predicates that
        # depend on the same inputs with facts share one ``facts`` tuple.
        present = frozenset(given)
        keys: dict[str, tuple] = {}
        shared: dict[frozenset, tuple] = {}
        for pred in derived:
            if pred in self._static_rows:
                continue
            relevant = self._dependency_sets[pred] & present
            facts_key = shared.get(relevant)
            if facts_key is None:
                facts_key = shared[relevant] = tuple(x for dep in sorted(relevant) for x in (dep, model[dep]))
            keys[pred] = (pred, facts_key)
        cache = self._cache
        if all(pred in self._static_rows or keys[pred] in cache for pred in derived):
            for pred in derived:
                if pred in self._static_rows:
                    model[pred] = self._static_rows[pred]
                else:
                    model[pred] = cache[keys[pred]]
                    cache.move_to_end(keys[pred])
            return model
        asserted = []
        try:
            for pred, args in facts:
                asserted.append(self._assert(pred, args))
            # components in dependency order; each one's answers are asserted as facts of its
            # materialised copy, which the rules of higher components read
            for group in order:
                if self._component[group[0]] in self._fixpoints:
                    # a recursive component: all its predicates at once (cached together)
                    cached = [self._cached(pred, keys) for pred in group]
                    if any(rows is None for rows in cached):
                        answers = self._group_answers(group, model)
                        cached = [answers[pred] for pred in group]
                        for pred, rows in zip(group, cached):
                            self._remember(pred, keys.get(pred), rows)
                    model.update(zip(group, cached))
                else:
                    for pred in group:
                        rows = self._cached(pred, keys)
                        if rows is None:
                            rows = self._answers(pred, model)
                            self._remember(pred, keys.get(pred), rows)
                        model[pred] = rows
                for pred in group:
                    if pred in self._read_materialised and pred not in self._static:
                        for row in model[pred]:
                            asserted.append(self._assert(MATERIALISED + pred, row))
            return model
        except EngineError:
            raise
        except Exception as exc:  # a bug in the kit, not the user's input
            raise EngineError(f"pyDatalog failed: {type(exc).__name__}: {exc}") from exc
        finally:
            from pyDatalog import pyEngine

            for clause in reversed(asserted):
                pyEngine.retract(clause)

    def _cached(self, pred: str, keys: dict[str, tuple]) -> frozenset | None:
        """The cached answers of ``pred`` for the key of this evaluation (marked as recently
        used), or None."""
        if pred in self._static_rows:
            return self._static_rows[pred]
        rows = self._cache.get(keys[pred])
        if rows is not None:
            self._cache.move_to_end(keys[pred])
        return rows

    def _remember(self, pred: str, key: tuple | None, rows: frozenset) -> None:
        """Cache ``rows`` under ``key``, evicting the least recently used answers while the cache
        holds more than :attr:`CACHE_CELLS` cells (see there)."""
        if key is None or key in self._cache:  # a predicate that depends on no input, or known
            return
        rows = rows or _EMPTY
        self._cache[key] = rows
        self._cache_cells += 1 + len(rows)
        refs = self._key_refs.get(id(key[1]), 0)
        if not refs:  # a facts tuple is counted once, however many entries share it
            self._cache_cells += _key_cells(key[1])
        self._key_refs[id(key[1])] = refs + 1
        while self._cache_cells > self.CACHE_CELLS and len(self._cache) > 1:
            (_, old_facts), old_rows = self._cache.popitem(last=False)
            self._cache_cells -= 1 + len(old_rows)
            refs = self._key_refs.pop(id(old_facts)) - 1
            if refs:
                self._key_refs[id(old_facts)] = refs
            else:
                self._cache_cells -= _key_cells(old_facts)

    def cache_size(self) -> tuple[int, int]:
        """The answer cache's size: (answer sets cached, cells they take; see :attr:`CACHE_CELLS`)."""
        return len(self._cache), self._cache_cells

    def _group_answers(self, group: list[str], model: Model) -> Model:
        """The answers of every predicate of a component, from ``model`` (which holds everything
        the component reads from outside): a recursive component by the kit's fixpoint, under
        the time budget; the others predicate by predicate."""
        fixpoint = self._fixpoints.get(self._component[group[0]])
        if fixpoint is None:
            return {pred: self._answers(pred, model) for pred in group}
        from .program import _describe

        answers = fixpoint.run(model, time.monotonic() + self.recursion_budget, _describe)
        return {pred: answers[pred] for pred in group}

    def _answers(self, pred: str, model: Model) -> frozenset:
        """All answers of a derived predicate: asked of pyDatalog, or computed from ``model`` (which
        holds everything it reads) for a rule with a function or an aggregate."""
        rule = self._computed.get(pred)
        if rule is None:
            return self._ask(pred)
        from .matching import ModelView, ground, match_body

        view = ModelView(model, self.program)
        return frozenset(row for s in match_body(rule.body, {}, view)
                         if (row := ground(rule.head, s)) is not None)

    def _ask(self, pred: str) -> frozenset:
        """All answers of a derived predicate, as asserted now (engine thread only)."""
        answer = self._queries[pred].ask()
        if answer is True:
            raise EngineError(f"{pred} answered a non-ground 'true' (unsafe rule)")
        return frozenset(tuple(row) for row in (answer or ()))

    @staticmethod
    def _assert(pred: str, args: tuple):
        """Assert one ground fact directly in pyDatalog's engine; returns the clause to retract."""
        from pyDatalog import pyEngine

        literal = pyEngine.Literal(pred, [pyEngine.Term_of(v) for v in args])
        return pyEngine.assert_(pyEngine.Clause(literal, []))

    def _evaluation_order(self) -> list[list[str]]:
        """The derived predicates grouped into strongly connected components, dependencies first."""
        from .program import _tarjan

        edges = {head: sorted(p for p in preds if p in self._derived) for head, preds in self._body_preds.items()}
        component = _tarjan(sorted(self._derived), edges)
        groups: dict[int, list[str]] = {}
        for pred in sorted(self._derived):
            groups.setdefault(component[pred], []).append(pred)
        return [groups[k] for k in sorted(groups)]  # Tarjan completes dependencies first

    def _input_dependencies(self) -> dict[str, tuple[str, ...]]:
        """For each derived predicate, the input predicates it depends on, directly or not (sorted)."""
        out = {}
        for pred in self.program.derived:
            seen, stack = set(), [pred]
            while stack:
                for dep in self._body_preds.get(stack.pop(), ()):
                    if dep not in seen:
                        seen.add(dep)
                        stack.append(dep)
            out[pred] = tuple(sorted(p for p in seen if p in self._input_arity))
        return out


# -- recursive components: the kit's own semi-naive fixpoint -------------------------------------

class RecursionBudgetExceeded(EngineError):
    """A recursive component did not reach its fixpoint within the engine's time budget."""


def _compile_expr(e, slot: dict[str, int]):
    """A function of the variable slots giving the value of an integer expression (None when it
    has none: a non-integer operand, a function without value), as :func:`kb.matching.evaluate_expr`."""
    from . import builtins
    from .terms import Call

    if isinstance(e, Var):
        i = slot[e.name]
        return lambda env: env[i]
    if isinstance(e, Const):
        value = e.value
        return lambda env: value
    if isinstance(e, BinOp):
        left, right, op = _compile_expr(e.left, slot), _compile_expr(e.right, slot), e.op

        def binop(env):
            a, b = left(env), right(env)
            if type(a) is not int or type(b) is not int:
                return None
            return a + b if op == "+" else a - b if op == "-" else a * b
        return binop
    if isinstance(e, Call):
        args, name = [_compile_expr(a, slot) for a in e.args], e.name

        def call(env):
            values = [a(env) for a in args]
            return None if any(v is None for v in values) else builtins.call(name, values)
        return call
    raise EngineError(f"cannot evaluate {e} in a recursive rule")


class _Plan:
    """One way of evaluating a rule body for the fixpoint: the body items in join order, every
    variable in a numbered slot (each slot is written at one fixed step, so backtracking needs
    no undo). Steps:

    * ``("pos", pred, source, key, binds, checks)``: a positive literal, looked up in a hash
      index on its bound argument positions; ``source`` is ``"delta"`` (the tuples new in the
      last round), ``"old"`` (the tuples known before it) or ``"all"``; ``key`` gives the
      looked-up values (slot, or constant), ``binds`` the (position, slot) it binds, ``checks``
      the (position, slot) of a variable repeated within the literal;
    * ``("neg", pred, args)``: a negated literal (of a lower component, complete);
    * ``("set", slot, expr)``: an assignment ``X = expr``; ``("cmp", op, left, right)``.
    """

    __slots__ = ("pred", "head", "steps", "size")

    def __init__(self, rule: CompiledRule, delta_at: int | None, component: frozenset[str]):
        from .program import _assignment_target
        from .terms import item_variables

        body = list(rule.body)
        positives = [i for i, item in enumerate(body) if isinstance(item, Literal) and not item.negated]
        pending = [i for i in range(len(body)) if i not in positives]
        slot: dict[str, int] = {}
        steps: list[tuple] = []

        def term(a):  # (True, slot) for a bound variable, (False, value) for a constant
            if isinstance(a, Var):
                return True, slot[a.name]
            if isinstance(a, Const):
                return False, a.value
            raise EngineError(f"cannot evaluate the argument {a} in rule {rule.origin.id}")

        def flush() -> None:
            progress = True
            while progress:
                progress = False
                for i in list(pending):
                    item = body[i]
                    target = None if isinstance(item, Literal) else _assignment_target(item, set(slot))
                    if target is None and not all(v in slot for v in item_variables(item)):
                        continue
                    pending.remove(i)
                    progress = True
                    if isinstance(item, Literal):
                        steps.append(("neg", item.atom.pred, tuple(term(a) for a in item.atom.args)))
                    elif target is not None:
                        source = item.right if isinstance(item.left, Var) and item.left.name == target else item.left
                        expr = _compile_expr(source, slot)
                        slot[target] = len(slot)
                        steps.append(("set", slot[target], expr))
                    else:
                        steps.append(("cmp", item.op, _compile_expr(item.left, slot), _compile_expr(item.right, slot)))

        def take(i: int, source: str) -> None:
            atom = body[i].atom
            key, keyed, binds, checks = [], [], [], []
            fresh: dict[str, int] = {}
            for p, a in enumerate(atom.args):
                if isinstance(a, Var) and a.name not in slot:
                    if a.name in fresh:
                        checks.append((p, fresh[a.name]))
                    else:
                        fresh[a.name] = len(slot) + len(fresh)
                        binds.append((p, fresh[a.name]))
                else:
                    keyed.append(p)
                    key.append(term(a))
            slot.update(fresh)
            steps.append(("pos", atom.pred, source, tuple(keyed), tuple(key), tuple(binds), tuple(checks)))
            positives.remove(i)

        flush()
        if delta_at is not None:
            take(delta_at, "delta")
            flush()
        while positives:
            best = max(positives, key=lambda i: (
                sum(1 for a in body[i].atom.args if not isinstance(a, Var) or a.name in slot), -i))
            # semi-naive without repeats: a recursive literal before the delta one reads the
            # tuples known before the last round, one after it all of them
            recursive = body[best].atom.pred in component and delta_at is not None
            take(best, "old" if recursive and best < delta_at else "all")
            flush()
        if pending:  # unreachable for the safe rules the checks accept
            raise EngineError(f"rule {rule.origin.id}: {body[pending[0]]} has a variable no atom binds")
        self.pred = rule.head.pred
        self.head = tuple(term(a) for a in rule.head.args)
        self.steps = tuple(steps)
        self.size = len(slot)


class _Fixpoint:
    """Semi-naive evaluation of one recursive component, over a model holding everything the
    component reads from outside (inputs, lower components): round 0 applies every rule to
    what is known; each later round applies each recursive rule once per recursive literal,
    that literal reading only the tuples new in the previous round; it stops when a round
    adds nothing. Joins use hash indexes on the bound arguments, so neither termination nor
    the answers depend on the order of the body. The time budget is checked between rounds
    and every few thousand join steps."""

    CHECK_EVERY = 4096

    def __init__(self, rules: list[CompiledRule], component: frozenset[str]):
        self.component = component
        self.initial = [_Plan(r, None, component) for r in rules]
        self.incremental = [
            _Plan(r, i, component) for r in rules for i, item in enumerate(r.body)
            if isinstance(item, Literal) and not item.negated and item.atom.pred in component]

    def run(self, model: Model, deadline: float, describe) -> dict[str, frozenset]:
        from .matching import compare

        component = self.component
        total: dict[str, set] = {p: set() for p in component}
        indexes: dict[tuple, dict] = {}  # (pred, source, positions) -> {values: [rows]}
        delta: dict[str, set] = {}
        counter = [0]
        rounds = 0

        def check() -> None:
            if time.monotonic() > deadline:
                raise RecursionBudgetExceeded(
                    f"the recursive rules for {', '.join(describe(p) for p in sorted(component))} did not "
                    f"reach a fixpoint within the time budget of the pyDatalog back end ({rounds} rounds, "
                    f"{sum(len(v) for v in total.values())} tuples so far): they may derive without end "
                    f"(arithmetic in a recursive rule), or the data is too large for this engine; "
                    f"try --backend clingo")

        def index(pred: str, source: str, positions: tuple) -> dict:
            ident = (pred, source, positions)
            found = indexes.get(ident)
            if found is None:
                rows = delta.get(pred, ()) if source == "delta" else total[pred] if pred in total \
                    else model.get(pred, ())
                found = {}
                for row in rows:
                    found.setdefault(tuple([row[p] for p in positions]), []).append(row)
                indexes[ident] = found
            return found

        def apply(plan: _Plan, found: set) -> None:
            env = [None] * plan.size
            steps, n, head = plan.steps, len(plan.steps), plan.head

            def go(at: int) -> None:
                if at == n:
                    found.add(tuple([env[v] if is_var else v for is_var, v in head]))
                    return
                step = steps[at]
                kind = step[0]
                if kind == "pos":
                    _, pred, source, positions, key, binds, checks = step
                    counter[0] += 1
                    if counter[0] % self.CHECK_EVERY == 0:
                        check()
                    wanted = tuple([env[v] if is_var else v for is_var, v in key])
                    if source == "old":
                        skip = delta.get(pred, ())
                        rows = indexes.get((pred, "all", positions)) or index(pred, "all", positions)
                        rows = [r for r in rows.get(wanted, ()) if r not in skip]
                    else:
                        rows = index(pred, source, positions).get(wanted, ())
                    last = at + 1 == n
                    for row in rows:
                        for p, v in binds:
                            env[v] = row[p]
                        if checks and any(row[p] != env[v] for p, v in checks):
                            continue
                        if last:  # the hot path: the head straight away
                            found.add(tuple([env[v] if is_var else v for is_var, v in head]))
                        else:
                            go(at + 1)
                elif kind == "neg":
                    args = tuple([env[v] if is_var else v for is_var, v in step[2]])
                    if args not in model.get(step[1], ()):
                        go(at + 1)
                elif kind == "set":
                    value = step[2](env)
                    if value is not None:
                        env[step[1]] = value
                        go(at + 1)
                else:
                    left, right = step[2](env), step[3](env)
                    if left is not None and right is not None and compare(step[1], left, right):
                        go(at + 1)

            go(0)

        def derive(plans) -> dict[str, set]:
            found: dict[str, set] = {}
            for plan in plans:
                apply(plan, found.setdefault(plan.pred, set()))
            return {p: new for p, rows in found.items() if (new := rows - total[p])}

        new = derive(self.initial)
        while new:
            check()
            rounds += 1
            for ident in [i for i in indexes if i[1] == "delta"]:
                del indexes[ident]
            for pred, rows in new.items():
                total[pred] |= rows
                for (p, source, positions), idx in indexes.items():  # keep the indexes of "all" current
                    if p == pred:
                        for row in rows:
                            idx.setdefault(tuple([row[q] for q in positions]), []).append(row)
            delta = new
            new = derive(self.incremental)
        return {p: frozenset(rows) for p, rows in total.items()}
