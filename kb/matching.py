"""Matching rule bodies against an evaluated model, in Python.

pyDatalog answers queries but keeps no proofs. Explanations are rebuilt from
the model it computed: a rule is re-matched against the tuples of the model,
in the same body order the engine used. This module holds that matcher; it
never changes the model and never calls the engine.
"""
from __future__ import annotations

from collections.abc import Iterator

from . import builtins
from .program import VALUE, Program
from .terms import Aggregate, Atom, BinOp, Call, Const, Literal, ParamRef, Var, atom_sort_key

Subst = dict[str, object]


class ModelView:
    """Read access to a model, with each predicate's tuples in a fixed sorted order."""

    def __init__(self, model: dict[str, frozenset], program: Program):
        self.model = model
        self.program = program
        self._sorted: dict[str, list[tuple]] = {}

    def param_value(self, name: str) -> int:
        """The value parameter ``name`` takes in this model (an interpretation may change it)."""
        param = self.program.params[name]
        if name in self.program.param_variants:
            rows = self.model.get(VALUE + name, ())
            if len(rows) == 1:
                return next(iter(rows))[0]
        return param.value

    def param_reading(self, name: str) -> str | None:
        """The interpretation whose value parameter ``name`` takes here, or None for the default."""
        value = self.param_value(name)
        for variant in self.program.param_variants.get(name, ()):
            if variant.value == value and self.holds("interpretation", (variant.reading,)):
                return variant.reading
        return None

    def holds(self, pred: str, args: tuple) -> bool:
        return args in self.model.get(pred, frozenset())

    def tuples(self, pred: str) -> list[tuple]:
        if pred not in self._sorted:
            self._sorted[pred] = sorted(self.model.get(pred, ()), key=lambda t: atom_sort_key(pred, t))
        return self._sorted[pred]


def evaluate_expr(e, subst: Subst, view: "ModelView"):
    """Value of an integer expression under ``subst`` (None if a variable is unbound, or a
    function or aggregate has no value)."""
    if isinstance(e, Var):
        return subst.get(e.name)
    if isinstance(e, Const):
        return e.value
    if isinstance(e, ParamRef):
        return view.param_value(e.name)
    if isinstance(e, BinOp):
        left, right = evaluate_expr(e.left, subst, view), evaluate_expr(e.right, subst, view)
        if left is None or right is None:
            return None
        if not isinstance(left, int) or not isinstance(right, int):
            return None
        return left + right if e.op == "+" else left - right if e.op == "-" else left * right
    if isinstance(e, Call):
        args = [evaluate_expr(a, subst, view) for a in e.args]
        return None if any(a is None for a in args) else builtins.call(e.name, args)
    if isinstance(e, Aggregate):
        return builtins.aggregate(e.op, aggregate_rows(e, subst, view))
    return None


def aggregate_rows(agg: Aggregate, subst: Subst, view: "ModelView") -> set[tuple]:
    """The distinct tuples of an aggregate's terms over the solutions of its body."""
    rows = set()
    for s in match_body(agg.body, subst, view):
        rows.add(tuple(s.get(t.name) if isinstance(t, Var) else t.value for t in agg.terms))
    return rows


def aggregate_solutions(agg: Aggregate, subst: Subst, view: "ModelView") -> list[Subst]:
    """The solutions of an aggregate's body (for explanations), sorted, one per distinct tuple."""
    seen, out = set(), []
    for s in match_body(agg.body, subst, view):
        key = tuple(s.get(t.name) if isinstance(t, Var) else t.value for t in agg.terms)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def compare(op: str, left, right) -> bool:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    try:
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    except TypeError:
        return False


def unify(pattern: tuple, values: tuple, subst: Subst) -> Subst | None:
    """Extend ``subst`` so that the terms in ``pattern`` equal ``values``; None if impossible."""
    out = dict(subst)
    for term, value in zip(pattern, values):
        if isinstance(term, Var):
            bound = out.get(term.name, _UNBOUND)
            if bound is _UNBOUND:
                out[term.name] = value
            elif bound != value or type(bound) is not type(value):
                return None
        elif term.value != value or type(term.value) is not type(value):
            return None
    return out


_UNBOUND = object()


def ground(atom: Atom, subst: Subst) -> tuple | None:
    """The argument tuple of ``atom`` under ``subst``, or None if a variable is unbound."""
    out = []
    for t in atom.args:
        if isinstance(t, Var):
            if t.name not in subst:
                return None
            out.append(subst[t.name])
        else:
            out.append(t.value)
    return tuple(out)


def item_holds(item, subst: Subst, view: ModelView) -> Iterator[Subst]:
    """Every extension of ``subst`` under which the body item holds, in sorted order."""
    if isinstance(item, Literal):
        if item.negated:
            args = ground(item.atom, subst)
            if args is not None and not view.holds(item.atom.pred, args):
                yield subst
            return
        args = ground(item.atom, subst)
        if args is not None:
            if view.holds(item.atom.pred, args):
                yield subst
            return
        for row in view.tuples(item.atom.pred):
            if len(row) != item.atom.arity:
                continue
            s = unify(item.atom.args, row, subst)
            if s is not None:
                yield s
        return
    # comparison (possibly an assignment)
    left = evaluate_expr(item.left, subst, view)
    right = evaluate_expr(item.right, subst, view)
    if item.op == "=":
        if left is None and isinstance(item.left, Var) and right is not None:
            yield {**subst, item.left.name: right}
            return
        if right is None and isinstance(item.right, Var) and left is not None:
            yield {**subst, item.right.name: left}
            return
    if left is not None and right is not None and compare(item.op, left, right):
        yield subst


def match_body(body: tuple, subst: Subst, view: ModelView, start: int = 0) -> Iterator[Subst]:
    """Every substitution satisfying ``body[start:]`` from ``subst``, depth first, sorted."""
    if start == len(body):
        yield subst
        return
    for s in item_holds(body[start], subst, view):
        yield from match_body(body, s, view, start + 1)


def deepest_failure(body: tuple, subst: Subst, view: ModelView, limit: int = 2000):
    """The furthest body position reached before a failure, with the substitutions that got
    there (at most a few, sorted). Returns (position, [subst, ...]); position == len(body)
    means the whole body holds."""
    best_pos, best = -1, []
    tried = 0

    def walk(pos: int, s: Subst):
        nonlocal best_pos, best, tried
        tried += 1
        if tried > limit:
            return
        if pos > best_pos:
            best_pos, best = pos, [s]
        elif pos == best_pos and len(best) < 3:
            best.append(s)
        if pos == len(body):
            return
        for s2 in item_holds(body[pos], s, view):
            walk(pos + 1, s2)
            if best_pos == len(body):
                return

    walk(0, subst)
    return best_pos, best


def instantiate(atom: Atom, subst: Subst) -> Atom:
    """``atom`` with the variables bound in ``subst`` replaced by constants."""
    return Atom(atom.pred, tuple(Const(subst[a.name]) if isinstance(a, Var) and a.name in subst else a
                                 for a in atom.args))


__all__ = ["ModelView", "Subst", "compare", "deepest_failure", "evaluate_expr", "ground", "instantiate",
           "item_holds", "match_body", "unify"]
