"""The public Datalog conformance suite (PyPI ``datalog-conformance``: cases from Soufflé, Nemo and
Crepe) run through the kit's own rule language.

Each case becomes a small knowledge-base folder, as an analyst would write one:

* ``terms.md``: one synthetic clause (1.1) that every rule cites and quotes;
* ``vocabulary.yaml``: every relation of the case, typed: an argument position holds whole numbers
  (``integer``) when the facts, the rules' constants and their arithmetic say so, quoted strings
  (``string``) otherwise; relations with facts are inputs, relations with rules conclusions (a
  relation with both gets an input ``given_<name>`` and a rule copying it);
* ``rules/case.dl``: the case's rules translated (variables capitalised, arithmetic in an atom
  moved into a body equality, ``!`` read as ``not``), each with ``@rule``/``@cites``/``@gloss``/
  ``@quote``;
* ``scenario.yaml``: the facts, as a scenario.

:func:`run_case` loads the folder with either back end, evaluates the scenario and compares the
derived relations the case names with its expectation. Outcomes: ``pass``, ``fail`` (a different
answer: a bug), ``rejected`` (a KbError with file and line: what an invalid-program case expects),
``budget`` (the pyDatalog back end stopped a recursive component at its time budget) and
``not applicable`` (the case uses what the kit's language does not have, with the reason).
Nothing from a case is evaluated as Python: the texts are written to files and read by the kit's
own parser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CLAUSE = "The relations of the case are derived from its facts by its rules."
TEXT = f"**1. Conformance case**\n1.1. {CLAUSE}\n"

CORE_SUITES = ("basic", "negation", "recursion", "errors")


# --- the case's rule syntax (Soufflé / Nemo / Crepe style) -------------------------------------

class NotApplicable(Exception):
    """The case uses something the kit's rule language does not have."""


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>:-|!=|<=|>=|[=<>+\-*/%(),.!])
""", re.VERBOSE)


@dataclass(frozen=True)
class V:  # a variable (``_`` is anonymous)
    name: str


@dataclass(frozen=True)
class C:  # a constant: int or str
    value: object


@dataclass(frozen=True)
class Op:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Atom:
    pred: str
    args: tuple


@dataclass(frozen=True)
class Lit:
    atom: Atom
    negated: bool = False


@dataclass(frozen=True)
class Cmp:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class CaseRule:
    head: Atom
    body: tuple


def _tokens(text: str) -> list[tuple[str, str]]:
    out, at = [], 0
    while at < len(text):
        m = _TOKEN.match(text, at)
        if m is None:
            raise NotApplicable(f"cannot read {text[at:at + 20]!r}")
        at = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.at = 0

    def peek(self, k: int = 0):
        i = self.at + k
        return self.toks[i] if i < len(self.toks) else ("end", "")

    def take(self, text: str | None = None):
        tok = self.peek()
        if text is not None and tok[1] != text:
            raise NotApplicable(f"expected {text!r}, found {tok[1]!r}")
        self.at += 1
        return tok

    def rule(self) -> CaseRule:
        head = self.atom()
        body: list = []
        if self.peek()[1] == ":-":
            self.take()
            body.append(self.item())
            while self.peek()[1] == ",":
                self.take()
                body.append(self.item())
        if self.peek()[1] == ".":
            self.take()
        if self.peek()[0] != "end":
            raise NotApplicable(f"unexpected {self.peek()[1]!r}")
        return CaseRule(head, tuple(body))

    def atom(self) -> Atom:
        kind, name = self.take()
        if kind != "name":
            raise NotApplicable(f"expected a relation, found {name!r}")
        args = []
        if self.peek()[1] == "(":
            self.take()
            if self.peek()[1] != ")":
                args.append(self.expr())
                while self.peek()[1] == ",":
                    self.take()
                    args.append(self.expr())
            self.take(")")
        return Atom(name, tuple(args))

    def item(self):
        if self.peek()[1] in ("not", "!") and self.peek(1)[0] == "name":
            self.take()
            return Lit(self.atom(), True)
        if self.peek()[0] == "name" and self.peek(1)[1] == "(":
            return Lit(self.atom())
        if self.peek()[1] == "(":  # a parenthesised comparison
            start = self.at
            self.take()
            try:
                item = self.comparison()
                self.take(")")
                return item
            except NotApplicable:
                self.at = start
        return self.comparison()

    def comparison(self) -> Cmp:
        left = self.expr()
        op = self.take()[1]
        if op not in ("=", "!=", "<", "<=", ">", ">="):
            raise NotApplicable(f"unknown comparison {op!r}")
        return Cmp(op, left, self.expr())

    def expr(self):
        left = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            left = Op(op, left, self.term())
        return left

    def term(self):
        left = self.factor()
        while self.peek()[1] in ("*", "/", "%"):
            op = self.take()[1]
            if op != "*":
                raise NotApplicable(f"the operator {op!r} (the kit has + - *)")
            left = Op(op, left, self.factor())
        return left

    def factor(self):
        kind, text = self.take()
        if kind == "number":
            if "." in text:
                raise NotApplicable(f"the decimal number {text}")
            return C(int(text))
        if kind == "string":
            return C(bytes(text[1:-1], "utf-8").decode("unicode_escape"))
        if kind == "name":
            if self.peek()[1] == "(":
                raise NotApplicable(f"the function {text}(...)")
            return V(text)
        if text == "-":
            return Op("-", C(0), self.factor())
        if text == "(":
            inner = self.expr()
            self.take(")")
            return inner
        raise NotApplicable(f"unexpected {text!r}")


def parse_rule(text: str) -> CaseRule:
    return _Parser(text).rule()


# --- types ----------------------------------------------------------------------------------

class _Kinds:
    """Union-find over argument positions and rule variables, with the kinds seen (int, str)."""

    def __init__(self):
        self.parent: dict = {}
        self.seen: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb
            self.seen.setdefault(rb, set()).update(self.seen.pop(ra, set()))

    def mark(self, x, kind: str, weak: bool = False):
        """``weak``: a constant written in a rule, which decides only where nothing else does
        (a rule comparing a numeric position with a string constant simply never fires)."""
        self.seen.setdefault(self.find(x), set()).add(("weak " if weak else "") + kind)

    def kind(self, x) -> str | None:
        seen = self.seen.get(self.find(x), set())
        kinds = {k for k in seen if not k.startswith("weak ")} or {k[5:] for k in seen}
        if len(kinds) > 1:
            raise NotApplicable(f"{x} holds both numbers and strings")
        return next(iter(kinds), None)


def _value_kind(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise NotApplicable(f"the value {value!r} (the kit has whole numbers and strings)")
    return "int" if isinstance(value, int) else "str"


def _expr_vars(e) -> list[str]:
    if isinstance(e, V):
        return [] if e.name == "_" else [e.name]
    if isinstance(e, Op):
        return _expr_vars(e.left) + _expr_vars(e.right)
    return []


# --- the knowledge-base folder ------------------------------------------------------------------

@dataclass
class Translation:
    root: Path
    names: dict[str, str]  # the case's relation -> the kit's predicate
    scenario: Path
    notes: list[str] = field(default_factory=list)


def _kit_name(name: str, taken: set[str]) -> str:
    base = "rel_" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    out, k = base, 1
    while out in taken:
        k += 1
        out = f"{base}_{k}"
    taken.add(out)
    return out


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _const(value) -> str:
    return str(value) if isinstance(value, int) and value >= 0 else f"(0 - {-value})" if isinstance(value, int) \
        else _quote(value)


def _project_negations(rules: list[CaseRule], existential: bool) -> list[CaseRule]:
    """``not q(X, _)``: Soufflé and Nemo read ``_`` under negation as "for no value"; Nemo reads
    a named variable that occurs only under negation the same way. The kit's language rejects
    both (an unsafe variable) and asks for a helper conclusion projecting it away, which is
    what is written here: ``neg_k(X) :- q(X, _).`` and ``not neg_k(X)``. Named variables are
    projected only under ``existential`` (Nemo's cases); elsewhere they are left for the kit to
    reject, as Soufflé and the suite's own invalid-program cases do."""
    out: list[CaseRule] = []
    helpers: list[CaseRule] = []
    for rule in rules:
        bound = {v for item in rule.body if isinstance(item, Lit) and not item.negated
                 for a in item.atom.args for v in _expr_vars(a)}
        body = []
        for item in rule.body:
            if isinstance(item, Lit) and item.negated:
                args = item.atom.args
                loose = [a for a in args if isinstance(a, V) and (a.name == "_" or (existential and a.name not in bound))]
                if loose:
                    keep = []
                    for a in args:
                        if isinstance(a, V) and a.name != "_" and a.name in bound and a not in keep:
                            keep.append(a)
                    name = f"neg{len(helpers)}__{item.atom.pred}"
                    helpers.append(CaseRule(Atom(name, tuple(keep)), (Lit(item.atom),)))
                    body.append(Lit(Atom(name, tuple(keep)), True))
                    continue
            body.append(item)
        out.append(CaseRule(rule.head, tuple(body)))
    return out + helpers


def translate(case, root: Path) -> Translation:
    """Write the knowledge-base folder of a program case under ``root`` (see the module doc)."""
    program = case.program
    rules = _project_negations([parse_rule(r) for r in program.rules], case.source.startswith("nemo"))
    facts = {pred: sorted(set(rows), key=repr) for pred, rows in program.facts.items()}  # a set of facts
    kinds = _Kinds()
    arity: dict[str, int] = {}

    def note_atom(atom: Atom, r: int | None):
        arity.setdefault(atom.pred, len(atom.args))
        for p, a in enumerate(atom.args):
            slot = ("slot", atom.pred, p)
            kinds.find(slot)
            if isinstance(a, C):
                kinds.mark(slot, _value_kind(a.value), weak=True)
            elif isinstance(a, V) and a.name != "_":
                kinds.union(("var", r, a.name), slot)
            elif isinstance(a, Op):
                kinds.mark(slot, "int")
                for v in _expr_vars(a):
                    kinds.mark(("var", r, v), "int")

    for pred in sorted(facts):
        for row in facts[pred]:
            arity.setdefault(pred, len(row))
            for p, value in enumerate(row):
                kinds.mark(("slot", pred, p), _value_kind(value))
    for r, rule in enumerate(rules):
        note_atom(rule.head, r)
        for item in rule.body:
            if isinstance(item, Lit):
                note_atom(item.atom, r)
            else:
                sides = (item.left, item.right)
                arithmetic = item.op not in ("=", "!=") or any(isinstance(s, Op) for s in sides)
                for s in sides:
                    for v in _expr_vars(s):
                        if arithmetic:
                            kinds.mark(("var", r, v), "int")
                    if isinstance(s, C) and isinstance(item.left, V) and item.left.name != "_":
                        kinds.mark(("var", r, item.left.name), _value_kind(s.value))
                if item.op in ("=", "!=") and all(isinstance(s, V) for s in sides):
                    kinds.union(("var", r, sides[0].name), ("var", r, sides[1].name))
    for pred in case.expect or {}:
        arity.setdefault(pred, len(case.expect[pred][0]) if case.expect[pred] else 0)

    with_rules = {rule.head.pred for rule in rules}
    taken: set[str] = set()
    names = {pred: _kit_name(pred, taken) for pred in sorted(arity)}
    given = {pred: _kit_name("given_" + pred, taken) for pred in sorted(facts) if pred in with_rules}

    def decl(pred: str, kit: str, doc: str, area: str = "case") -> str:
        args = ", ".join(f"a{p}: {'integer' if kinds.kind(('slot', pred, p)) == 'int' else 'string'}"
                         for p in range(arity[pred]))
        lines = [f"  {kit}:"] + ([f"    args: {{{args}}}"] if arity[pred] else []) + \
                [f"    doc: {doc}", f"    area: {area}"]
        return "\n".join(lines)

    inputs, conclusions = [], []
    for pred in sorted(arity):
        if pred in with_rules:
            conclusions.append(decl(pred, names[pred], f"The relation {pred} of the case."))
            if pred in given:
                inputs.append(decl(pred, given[pred], f"The facts of the relation {pred}."))
        else:
            inputs.append(decl(pred, names[pred], f"The relation {pred} of the case (facts)."))
    vocabulary = "areas:\n  case: Case\n"
    if inputs:
        vocabulary += "inputs:\n" + "\n".join(inputs) + "\n"
    if conclusions:
        vocabulary += "conclusions:\n" + "\n".join(conclusions) + "\n"

    statements = []
    counter = iter(range(10 ** 6))

    def kit_expr(e) -> str:
        if isinstance(e, V):
            return "_" if e.name == "_" else "V" + e.name
        if isinstance(e, C):
            return _const(e.value)
        return f"({kit_expr(e.left)} {e.op} {kit_expr(e.right)})"

    def kit_atom(atom: Atom, extra: list[str]) -> str:
        args = []
        for a in atom.args:
            if isinstance(a, Op) or (isinstance(a, C) and isinstance(a.value, int) and a.value < 0):
                var = f"E{next(counter)}"
                extra.append(f"{var} = {kit_expr(a)}")
                args.append(var)
            else:
                args.append(kit_expr(a))
        name = names[atom.pred]
        return f"{name}({', '.join(args)})" if args else name

    def ill_typed(atom: Atom) -> bool:
        """Whether a constant of the atom is of the wrong kind for its position (never matches)."""
        return any(isinstance(a, C) and _value_kind(a.value) != (kinds.kind(("slot", atom.pred, p)) or "str")
                   for p, a in enumerate(atom.args))

    notes = []
    for r, rule in enumerate(rules):
        if ill_typed(rule.head) or any(isinstance(i, Lit) and not i.negated and ill_typed(i.atom) for i in rule.body):
            notes.append(f"rule {r} never fires (a constant of the wrong kind): {rule}")
            continue
        extra: list[str] = []
        body = []
        for item in rule.body:
            if isinstance(item, Lit) and item.negated and ill_typed(item.atom):
                continue  # never holds: its negation always does
            if isinstance(item, Lit):
                body.append(("not " if item.negated else "") + kit_atom(item.atom, extra))
            else:
                body.append(f"{kit_expr(item.left)} {item.op} {kit_expr(item.right)}")
        head = kit_atom(rule.head, extra)
        body += extra
        statements.append((f"r{r}", f"{head} :- {', '.join(body)}." if body else f"{head}."))
    for pred in sorted(given):
        xs = ", ".join(f"X{p}" for p in range(arity[pred]))
        statements.append((f"given_{names[pred]}", f"{names[pred]}({xs}) :- {given[pred]}({xs})."
                           if xs else f"{names[pred]} :- {given[pred]}."))
    text = "".join(f"@rule {rid}\n@cites 1.1\n@gloss Rule {rid} of the case.\n@quote 1.1 \"{CLAUSE}\"\n{st}\n\n"
                   for rid, st in statements)

    root.mkdir(parents=True, exist_ok=True)
    (root / "terms.md").write_text(TEXT, encoding="utf-8")
    (root / "vocabulary.yaml").write_text(vocabulary, encoding="utf-8")
    (root / "rules").mkdir(exist_ok=True)
    (root / "rules" / "case.dl").write_text(text, encoding="utf-8")
    (root / "agreement.yaml").write_text(
        f"name: conformance\ntitle: {case.name}\ntext: terms.md\nvocabulary: vocabulary.yaml\nrules: rules\n",
        encoding="utf-8")
    rows = []
    for pred in sorted(facts):
        kit = given.get(pred, names[pred])
        for row in facts[pred]:
            rows.append(f"{kit}({', '.join(_const(v) for v in row)})" if row else kit)
    scenario = root / "scenario.yaml"
    scenario.write_text(yaml.safe_dump({"scenario": f"The facts of the case {case.name}, 1.1", "facts": rows},
                                       width=10 ** 6, sort_keys=False), encoding="utf-8")
    return Translation(root, names, scenario, notes)


# --- running ------------------------------------------------------------------------------

@dataclass
class Outcome:
    status: str  # pass, fail, rejected, budget, not applicable
    detail: str = ""
    error: object = None


def lift_input_limits() -> None:
    """The two largest programs (lubm: 103,074 facts, hmmer: 52,153) are synthetic data of 3 to
    12 MB, past the kit's limits for a hand-written input file (kb.yamlio: 1,000,000 bytes,
    100,000 YAML values): the runs that include them lift those limits for this process."""
    import kb.yamlio

    kb.yamlio.MAX_FILE_BYTES = 64_000_000
    kb.yamlio.MAX_YAML_NODES = 2_000_000


def load_cases(suites=CORE_SUITES):
    """(suite, case) for every program case of the given suites, in the suite's path order.

    As ``datalog_conformance.discover_yaml_tests`` (pinned 0.1.0: its private multi-case reader
    is reused), but reading only the suites asked for, with libyaml's C loader: the two largest
    programs are 3 and 12 MB of YAML, which the pure-Python loader takes 48 s to read."""
    import yaml
    from datalog_conformance import get_tests_dir
    from datalog_conformance.plugin import _load_multi_case_file
    from datalog_conformance.schema import TestCase

    root = get_tests_dir()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for path in sorted(p for suite in suites for p in (root / suite).rglob("*.yaml")):
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        if raw is None:
            continue
        if isinstance(raw, dict) and "tests" in raw:
            found = _load_multi_case_file(raw, path)
        else:
            found = [TestCase.from_dict(raw)]
        suite = path.relative_to(root).parts[0]
        out += [(suite, case) for case in found if case.program is not None]
    return out


def evaluate_case(case, root: Path, backend: str = "pydatalog", budget: float | None = None):
    """Translate, load and evaluate: (translation, model) with the model keyed by the case's
    relation names; raises NotApplicable or the kit's KbError."""
    import kb

    translation = translate(case, root)
    base = kb.load_knowledge_base(root, backend=backend)
    try:
        if budget is not None and backend == "pydatalog":
            base.engine.recursion_budget = budget
        scenario = base.load_scenario(translation.scenario)
        model = base.engine.evaluate([f.key for f in scenario.facts])
    finally:
        base.engine.close()
    from kb.terms import STRING_PREFIX

    def value(v):  # the engine marks quoted strings
        return v[len(STRING_PREFIX):] if isinstance(v, str) and v.startswith(STRING_PREFIX) else v

    return translation, {pred: frozenset(tuple(value(v) for v in row) for row in model.get(kit, ()))
                         for pred, kit in translation.names.items()}


def run_case(case, root: Path, backend: str = "pydatalog", budget: float | None = None, cache: dict | None = None
             ) -> Outcome:
    """The outcome of one case (see the module doc). ``cache`` shares evaluations between cases
    with the same program and facts (the suite asks several questions of one program)."""
    from kb.errors import EngineError, KbError

    if case.skip:
        return Outcome("not applicable", f"skipped by the suite: {case.skip}")
    key = (backend, repr(case.program.rules), repr(sorted(case.program.facts.items())))
    try:
        if cache is not None and key in cache:
            result = cache[key]
        else:
            try:
                result = evaluate_case(case, root, backend, budget)
            except (NotApplicable, KbError) as exc:
                result = exc
            if cache is not None:
                cache[key] = result
        if isinstance(result, Exception):
            raise result
    except NotApplicable as exc:
        return Outcome("not applicable", str(exc))
    except EngineError as exc:
        if "time budget" in str(exc):
            return Outcome("budget", str(exc), exc)
        raise
    except KbError as exc:
        if case.expect_error is not None:
            return Outcome("rejected", str(exc), exc)
        return Outcome("fail", f"rejected a valid program: {exc}", exc)
    if case.expect_error is not None:
        return Outcome("fail", f"accepted an invalid program (expected {case.expect_error})")
    _, model = result
    for pred, rows in sorted(case.expect.items()):
        expected = {tuple(r) for r in rows}
        got = set(model.get(pred, ()))
        if got != expected:
            return Outcome("fail", f"{pred}: expected {len(expected)} tuples, got {len(got)}; "
                                   f"missing {sorted(expected - got)[:3]}, extra {sorted(got - expected)[:3]}")
    return Outcome("pass")


__all__ = ["CORE_SUITES", "NotApplicable", "lift_input_limits", "Outcome", "evaluate_case", "load_cases", "parse_rule", "run_case",
           "translate"]
