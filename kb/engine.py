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
"""
from __future__ import annotations

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

from .errors import EngineError
from .program import CompiledRule, Program
from .terms import BinOp, Const, Literal, Var, body_literals

T = TypeVar("T")

Model = dict[str, frozenset]  # predicate -> set of argument tuples (engine values)
MATERIALISED = "m__"  # m__p holds p's answers as facts while a scenario is evaluated


class Engine:
    """A compiled program and the thread that owns its pyDatalog state."""

    _SENTINEL = "\x1e-declared"
    CACHE_SIZE = 512  # answers kept per derived predicate, keyed by the facts it depends on

    def __init__(self, program: Program):
        self.program = program
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
        for rule in self.program.compiled:
            if rule.role != "computed":
                self._add_rule(rule)
        for pred in self.program.derived:
            if pred not in self._computed:
                self._queries[pred] = pyEngine.Literal(pred, [pyEngine.Var(f"Q{i}") for i in range(self._arity(pred))])
        self._dependencies = self._input_dependencies()
        self._cache = {pred: {} for pred in self.program.derived}
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
                for pred in group:
                    rows = self._cache[pred][()] = static_model[pred] = self._answers(pred, static_model)
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
        given: dict[str, set] = {pred: set() for pred in self._input_arity}
        for pred, args in facts:
            given[pred].add(args)
        model: Model = {pred: frozenset(rows) for pred, rows in given.items()}
        derived = self.program.derived if needed is None else needed
        order = self._order if needed is None else [[p for p in g if p in needed] for g in self._order
                                                     if any(p in needed for p in g)]
        # A derived predicate's answer is a function of the facts of the inputs it depends on:
        # reuse the answer computed for the same relevant facts, ask the engine only for the rest.
        keys = {pred: tuple(model[dep] for dep in self._dependencies[pred]) for pred in derived}
        if all(keys[pred] in self._cache[pred] for pred in derived):
            model.update({pred: self._cache[pred][keys[pred]] for pred in derived})
            return model
        asserted = []
        try:
            for pred, args in facts:
                asserted.append(self._assert(pred, args))
            # components in dependency order; each one's answers are asserted as facts of its
            # materialised copy, which the rules of higher components read
            for group in order:
                for pred in group:
                    rows = self._cache[pred].get(keys[pred])
                    if rows is None:
                        rows = self._answers(pred, model)
                        cache = self._cache[pred]
                        if len(cache) >= self.CACHE_SIZE:
                            cache.pop(next(iter(cache)))
                        cache[keys[pred]] = rows
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
