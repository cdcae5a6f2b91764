"""The clingo back end: the same interface as :class:`kb.engine.Engine`, another solver.

``ClingoEngine(program).evaluate(facts, only=None)`` returns the same model as the pyDatalog
engine (a dict predicate -> frozenset of argument tuples, in engine values: dates as day numbers,
amounts as integer cents, names and strings as ``str``). The program is compiled once to ASP
(:mod:`kb.asp`, built from the parsed program, never from input text) and parsed once into
clingo's abstract syntax, one statement per compiled line. Each evaluation hands clingo the
statements the scenario can use (a rule whose positive body reads an input without facts, or a
conclusion no rule can derive, is left out: see :meth:`kb.asp.AspCompiler.lines_for`), grounds
them in a fresh ``clingo.Control`` with the scenario's facts passed by a context function
(``@kb_input``: values never become program text), solves (the program is stratified: exactly
one answer set) and reads the answer set back, converting each symbol once. The last few hundred
models are kept (a what-if step back costs nothing).

Why not ground once with the inputs as ``#external`` atoms: scenario facts carry open-ended values
(any name, date or amount), so there is no finite set of candidate input atoms to ground over; a
control grounded for one set of values cannot answer a scenario with another. (Where the
candidates are known, as for the facts in question of an open answer, it would pay, but aggregates
over external atoms are grounded for every value they might take: that is work for the sweeps.)
Grounding only the statements a scenario can use keeps an evaluation to a few milliseconds.

clingo integers are 32-bit: a fact with a number outside that range is refused with an
:class:`~kb.errors.EngineError` before it reaches clingo, and arithmetic that could overflow is
checked (see :mod:`kb.asp`).
"""
from __future__ import annotations

import atexit
import threading
import weakref
from typing import Iterable

from .asp import (DATE_MAX, AspCompiler, AspContext, check_int, encode_string, ground, single_answer_set,
                  symbol_value)
from .errors import EngineError, KbError, closest
from .program import Program

Model = dict[str, frozenset]
BACKENDS = ("pydatalog", "clingo")  # pydatalog: the default, for interactive use


def check_backend(name: str) -> str:
    """``name`` if it names a back end, else a KbError listing them."""
    if name not in BACKENDS:
        raise KbError(f"no back end '{name}' (available: {', '.join(BACKENDS)})", suggestion=closest(name, BACKENDS))
    return name


def make_engine(program: Program, backend: str = "pydatalog"):
    """The engine of ``backend`` for ``program``: :class:`kb.engine.Engine` (pyDatalog) or
    :class:`ClingoEngine`; both have ``evaluate(facts, only=None)`` and ``close()``."""
    if check_backend(backend) == "clingo":
        return ClingoEngine(program)
    from .engine import Engine

    return Engine(program)


_ENGINES: "weakref.WeakSet[ClingoEngine]" = weakref.WeakSet()


@atexit.register
def _release_all() -> None:
    """Drop every parsed statement before the interpreter tears clingo's module down (a clingo AST
    freed after that prints an ignored exception at exit)."""
    for engine in list(_ENGINES):
        engine.close()


class ClingoEngine:
    """A program compiled to ASP, evaluated by clingo (see the module doc)."""

    PARTS_CACHE = 1024  # selections of statements kept (keyed by the input predicates with facts)
    MODEL_CACHE = 256  # models kept, keyed by the facts and the predicates asked for
    SYMBOL_CACHE = 200_000  # converted symbols kept

    def __init__(self, program: Program):
        import clingo  # noqa: F401  (fail here, clearly, if the package is missing)

        self.program = program
        self._compiler = AspCompiler(program)
        self._input_arity = dict(self._compiler.input_arity)
        self._date_args = {name: tuple(i for i, a in enumerate(decl.args) if a.type.kind == "date")
                           for name, decl in program.vocabulary.inputs.items()}
        self._derived = frozenset(program.derived)
        self._lock = threading.Lock()
        self._parts: dict[tuple, tuple] = {}
        self._needed_cache: dict[tuple[str, ...], frozenset[str]] = {}
        self._symbols: dict = {}  # clingo symbol (its integer representation) -> (predicate, argument tuple)
        self._arg_values: dict = {}  # an argument symbol (its integer representation) -> engine value
        self._values: dict = {}  # engine value -> clingo symbol
        self._models: dict[tuple, Model] = {}  # (facts, needed) -> model: a what-if step back is free
        self._closed = False
        self._parse()  # compile and parse the whole program now: errors show at load time
        _ENGINES.add(self)

    def close(self) -> None:
        """Drop the parsed program (the engine is unusable afterwards)."""
        with self._lock:
            self._closed = True
            self._parts.clear()
            self._models.clear()
            self._statements = []
            self._program_statement = None

    @property
    def asp_text(self) -> str:
        """The whole program as ASP text, as clingo reads it."""
        return self._compiler.text()

    # -- the program: parsed once, a selection of its statements per scenario
    def _parse(self) -> None:
        from clingo import ast

        lines = self._compiler.lines
        by_line: dict[int, object] = {}
        head: list = []

        def take(stm) -> None:
            if stm.ast_type == ast.ASTType.Program:
                head.append(stm)
                return
            line = stm.location.begin.line - 1
            if line in by_line:
                raise EngineError(f"line {line + 1} of the compiled program holds two statements")
            by_line[line] = stm

        try:
            ast.parse_string("\n".join(lines), take, logger=lambda code, message: None)
        except RuntimeError as exc:  # a bug in the compiler, not in the user's input
            raise EngineError(f"clingo could not parse the compiled program: {exc}") from exc
        if sorted(by_line) != list(range(len(lines))) or len(head) != 1:
            raise EngineError("the compiled program does not parse to one statement per line")
        self._program_statement = head[0]
        self._statements = [by_line[i] for i in range(len(lines))]

    def _selection(self, present: frozenset[str], needed: frozenset[str] | None) -> tuple[list, frozenset]:
        """The statements for a scenario whose facts are of the input predicates ``present``
        (see :meth:`kb.asp.AspCompiler.lines_for`), and the derived predicates they show."""
        key = (present, needed)
        with self._lock:
            found = self._parts.get(key)
            if found is None:
                lines, shown = self._compiler.lines_for(present, needed)
                found = ([self._program_statement] + [self._statements[i] for i in lines], shown)
                if len(self._parts) >= self.PARTS_CACHE:
                    self._parts.pop(next(iter(self._parts)))
                self._parts[key] = found
            return found

    def _needed(self, preds: tuple[str, ...]) -> frozenset[str]:
        """The derived predicates that ``preds`` depend on, themselves included."""
        if preds not in self._needed_cache:
            for pred in preds:
                if pred not in self._derived:
                    raise EngineError(f"{pred} is not a derived predicate of this knowledge base")
            seen, stack = set(preds), list(preds)
            while stack:
                for dep in self._compiler.body_preds.get(stack.pop(), ()):
                    if dep in self._derived and dep not in seen:
                        seen.add(dep)
                        stack.append(dep)
            self._needed_cache[preds] = frozenset(seen)
        return self._needed_cache[preds]

    # -- values
    def _symbol(self, value, pred: str):
        symbol = self._values.get((type(value), value))
        if symbol is None:
            import clingo

            if isinstance(value, str):
                symbol = clingo.String(encode_string(value))
            else:
                symbol = clingo.Number(check_int(value, f"a value of {pred}"))
            if len(self._values) >= self.SYMBOL_CACHE:
                self._values.clear()
            self._values[(type(value), value)] = symbol
        return symbol

    def _read(self, symbol) -> tuple[str, tuple]:
        # keyed by the symbol's integer representation (hashing a clingo Symbol calls into C), and
        # each argument converted once: a 1,000-node closure reads in 6.4 s instead of 14.4 s
        key = getattr(symbol, "_rep", symbol)
        row = self._symbols.get(key)
        if row is None:
            args = []
            for a in symbol.arguments:
                akey = getattr(a, "_rep", a)
                value = self._arg_values.get(akey)
                if value is None:
                    value = symbol_value(a)
                    if len(self._arg_values) >= self.SYMBOL_CACHE:
                        self._arg_values.clear()
                    self._arg_values[akey] = value
                args.append(value)
            row = (symbol.name, tuple(args))
            if len(self._symbols) >= self.SYMBOL_CACHE:
                self._symbols.clear()
            self._symbols[key] = row
        return row

    # -- evaluation
    def evaluate(self, facts: Iterable[tuple[str, tuple]], only: Iterable[str] | None = None) -> Model:
        """Derive everything from ``facts`` (input predicate, engine values); see
        :meth:`kb.engine.Engine.evaluate` (same arguments, same model)."""
        if self._closed:
            raise EngineError("this engine is closed")
        import clingo
        from clingo.ast import ProgramBuilder

        facts = set(facts)
        given: dict[str, set] = {pred: set() for pred in self._input_arity}
        inputs: list[list] = [[] for _ in self._compiler.inputs]
        index = self._compiler.input_index
        for pred, args in sorted(facts, key=repr):
            if self._input_arity.get(pred) != len(args):
                raise EngineError(f"{pred}/{len(args)} is not an input predicate of this knowledge base")
            for i in self._date_args[pred]:
                if isinstance(args[i], int) and not 1 <= args[i] <= DATE_MAX:
                    raise EngineError(f"{pred}: day number {args[i]} is not a date")
            symbols = [self._symbol(v, pred) for v in args]
            given[pred].add(args)
            if len(args) == 0:
                inputs[index[pred]] = [clingo.Number(1)]
            elif len(args) == 1:
                inputs[index[pred]].append(symbols[0])
            else:
                inputs[index[pred]].append(clingo.Tuple_(symbols))
        needed = None if only is None else self._needed(tuple(sorted(set(only))))
        key = (frozenset(facts), needed)
        cached = self._models.get(key)
        if cached is not None:
            return dict(cached)
        stms, _ = self._selection(frozenset(p for p, rows in given.items() if rows), needed)
        model: Model = {pred: frozenset(rows) for pred, rows in given.items()}
        derived: dict[str, set] = {pred: set() for pred in (self._derived if needed is None else needed)}
        ctl = clingo.Control(["--warn=none", "--models=2"], logger=lambda code, message: None)
        try:
            with ProgramBuilder(ctl) as builder:
                for stm in stms:
                    builder.add(stm)
            ground(ctl, AspContext(inputs))
            answer = single_answer_set(ctl)
        except EngineError:
            raise
        except Exception as exc:  # clingo's own failure: a bug in the kit, not the user's input
            raise EngineError(f"clingo failed: {type(exc).__name__}: {exc}") from exc
        read = self._read
        for symbol in answer:
            pred, args = read(symbol)
            derived[pred].add(args)
        model.update({pred: frozenset(rows) for pred, rows in derived.items()})
        with self._lock:
            if len(self._models) >= self.MODEL_CACHE:
                self._models.pop(next(iter(self._models)))
            self._models[key] = model
        return dict(model)



# --- the differential check: both back ends on the same scenarios ----------------------------

def model_differences(first: Model, second: Model, limit: int = 3) -> list[str]:
    """How two models differ, one line per predicate (empty when they are identical)."""
    lines = []
    for pred in sorted(set(first) | set(second)):
        a, b = first.get(pred), second.get(pred)
        if a == b:
            continue
        if a is None or b is None:
            lines.append(f"{pred}: only in the {'first' if b is None else 'second'} model")
            continue
        lines.append(f"{pred}: only in the first {sorted(a - b, key=repr)[:limit]}, "
                     f"only in the second {sorted(b - a, key=repr)[:limit]}")
    return lines


def random_scenario_facts(knowledge_base, rng, max_facts: int = 30, interpretation_rate: float = 0.1) -> list[str]:
    """Facts of a random scenario over the whole vocabulary: 1 to ``max_facts`` facts that can be
    stated together (:func:`kb.testing.consistent_random_facts`), each named interpretation
    adopted with probability ``interpretation_rate``. Sorted."""
    from .errors import KbError
    from .testing import consistent_random_facts

    facts = consistent_random_facts(knowledge_base, rng, rng.randint(1, max_facts))
    for name in sorted(knowledge_base.vocabulary.interpretations):
        if rng.random() < interpretation_rate:
            candidate = facts + [f"interpretation({name})"]
            try:
                knowledge_base.scenario(candidate)
            except KbError:
                continue
            facts = candidate
    return sorted(facts)


__all__ = ["BACKENDS", "ClingoEngine", "check_backend", "make_engine", "model_differences",
           "random_scenario_facts"]
