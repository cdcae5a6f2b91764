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
from .terms import BinOp, Comparison, Const, Literal, Var

T = TypeVar("T")

Model = dict[str, frozenset]  # predicate -> set of argument tuples (engine values)


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
        from pyDatalog import pyDatalog
        from pyDatalog.pyParser import Literal as PLiteral

        self._thread_id = threading.get_ident()
        pyDatalog.clear()
        # declare every input predicate, so that querying or negating one without facts answers "no"
        # (and every conclusion or definition that no rule derives, so that negating one answers "yes")
        vocab, derived = self.program.vocabulary, set(self.program.derived)
        declared = {name: decl.arity for name, decl in {**vocab.conclusions, **vocab.definitions}.items()
                    if name not in derived}
        for name, arity in sorted({**declared, **self._input_arity}.items()):
            args = [self._const(self._SENTINEL) for _ in range(arity)]
            +PLiteral.make(name, args)
            -PLiteral.make(name, args)
        for rule in self.program.compiled:
            self._add_rule(rule)
        for pred in self.program.derived:
            arity = self._arity(pred)
            self._queries[pred] = PLiteral.make(pred, [self._var(f"Q{i}") for i in range(arity)])
        self._dependencies = self._input_dependencies()
        self._cache = {pred: {} for pred in self.program.derived}

    def _arity(self, pred: str) -> int:
        if pred in self._input_arity:
            return self._input_arity[pred]
        for c in self.program.compiled:
            if c.head.pred == pred:
                return c.head.arity
        raise EngineError(f"no arity known for {pred}")

    @staticmethod
    def _const(value):
        from pyDatalog.pyParser import Term

        return Term(value, forced_type="constant")

    @staticmethod
    def _var(name: str):
        from pyDatalog.pyParser import Term

        return Term(name)

    def _term(self, t, names: dict[str, str]):
        if isinstance(t, Var):
            return self._var(names.setdefault(t.name, f"V{len(names)}"))
        if isinstance(t, Const):
            return self._const(t.value)
        if isinstance(t, BinOp):
            left, right = self._term(t.left, names), self._term(t.right, names)
            if t.op == "+":
                return left + right
            if t.op == "-":
                return left - right
            if t.op == "*":
                return left * right
        raise EngineError(f"cannot compile term {t!r}")

    def _add_rule(self, rule: CompiledRule) -> None:
        from pyDatalog.pyParser import Literal as PLiteral

        names: dict[str, str] = {}  # user variable -> engine variable (V0, V1, ...)
        # bind names in body order so the head sees the same Terms
        parts = []
        bound: set[str] = set()
        for item in rule.body:
            if isinstance(item, Literal):
                lit = PLiteral.make(item.atom.pred, [self._term(a, names) for a in item.atom.args])
                parts.append(~lit if item.negated else lit)
                if not item.negated:
                    bound.update(item.atom.variables())
            else:
                parts.append(self._comparison(item, names, bound))
        head = PLiteral.make(rule.head.pred, [self._term(a, names) for a in rule.head.args])
        if not parts:
            +head
            return
        body = parts[0]
        for p in parts[1:]:
            body = body & p
        head <= body

    def _comparison(self, item: Comparison, names: dict[str, str], bound: set[str]):
        left, right = item.left, item.right
        if item.op == "=":
            # pyDatalog assigns only to a variable on the left-hand side
            if isinstance(right, Var) and right.name not in bound:
                left, right = right, left
            if isinstance(left, Var):
                bound.add(left.name)
        lt, rt = self._term(left, names), self._term(right, names)
        op = item.op
        if op == "=":
            return lt == rt
        if op == "!=":
            return lt != rt
        if op == "<":
            return lt < rt
        if op == "<=":
            return lt <= rt
        if op == ">":
            return lt > rt
        if op == ">=":
            return lt >= rt
        raise EngineError(f"unknown comparison {op}")

    # -- evaluation
    def evaluate(self, facts: Iterable[tuple[str, tuple]]) -> Model:
        """Assert ``facts`` (input predicate, engine values), derive everything, retract.

        Returns the whole model: every input and derived predicate with its tuples.
        """
        facts = sorted(set(facts), key=repr)
        for pred, args in facts:
            if self._input_arity.get(pred) != len(args):
                raise EngineError(f"{pred}/{len(args)} is not an input predicate of this knowledge base")
        with self._lock:
            return self._run(self._evaluate, facts)

    def _evaluate(self, facts: list[tuple[str, tuple]]) -> Model:
        from pyDatalog.pyParser import Literal as PLiteral

        given: dict[str, set] = {pred: set() for pred in self._input_arity}
        for pred, args in facts:
            given[pred].add(args)
        model: Model = {pred: frozenset(rows) for pred, rows in given.items()}
        # A derived predicate's answer is a function of the facts of the inputs it depends on:
        # reuse the answer computed for the same relevant facts, ask the engine only for the rest.
        keys, misses = {}, []
        for pred in self.program.derived:
            key = tuple(model[dep] for dep in self._dependencies[pred])
            hit = self._cache[pred].get(key)
            if hit is None:
                keys[pred] = key
                misses.append(pred)
            else:
                model[pred] = hit
        if not misses:
            return model
        asserted = []
        try:
            for pred, args in facts:
                lit = PLiteral.make(pred, [self._const(v) for v in args])
                +lit
                asserted.append(lit)
            for pred in misses:
                answer = self._queries[pred].lua.ask()
                if answer is True:
                    raise EngineError(f"{pred} answered a non-ground 'true' (unsafe rule)")
                rows = frozenset(tuple(row) for row in (answer or ()))
                model[pred] = rows
                cache = self._cache[pred]
                if len(cache) >= self.CACHE_SIZE:
                    cache.pop(next(iter(cache)))
                cache[keys[pred]] = rows
            return model
        except EngineError:
            raise
        except Exception as exc:  # a bug in the kit, not the user's input
            raise EngineError(f"pyDatalog failed: {type(exc).__name__}: {exc}") from exc
        finally:
            for lit in asserted:
                -lit

    def _input_dependencies(self) -> dict[str, tuple[str, ...]]:
        """For each derived predicate, the input predicates it depends on, directly or not (sorted)."""
        body_preds: dict[str, set[str]] = {}
        for rule in self.program.compiled:
            body_preds.setdefault(rule.head.pred, set()).update(
                item.atom.pred for item in rule.body if isinstance(item, Literal))
        out = {}
        for pred in self.program.derived:
            seen, stack = set(), [pred]
            while stack:
                for dep in body_preds.get(stack.pop(), ()):
                    if dep not in seen:
                        seen.add(dep)
                        stack.append(dep)
            out[pred] = tuple(sorted(p for p in seen if p in self._input_arity))
        return out
