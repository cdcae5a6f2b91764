"""The typed vocabulary of a knowledge base, declared once.

A vocabulary (a folder of ``<area>.yaml`` files, one per area, or a single file) declares the
value types (enumerations with documented values, and the built-in kinds ``id``, ``date``,
``amount``, ``integer``, ``string``), the *inputs* a scenario may assert and the *conclusions*
the rules derive, each with typed, named arguments, a one-line documentation and the area it
belongs to (in a folder, a predicate is declared in the file named as its area)::

    types:
      party:
        kind: enum
        doc: A party to the agreement.
        values:
          jd_cloud: {label: JD Cloud, doc: JD Cloud, the provider}
          user: {label: the user, doc: You, the customer}
    inputs:
      event:
        args: {event: id, kind: event_kind}
        says: "the event {event} is {kind}"
        doc: An event of this kind happened.
        area: force_majeure

Each predicate's ``says`` is the sentence an analyst reads (its placeholders are exactly its
argument names, checked at load), each enumeration value's ``label`` the words that stand for it
in a sentence, and each interpretation's ``title`` its name in lists; ``python -m kb check``
fails while any is missing (:meth:`Vocabulary.missing_sentences`). See :mod:`kb.sentences`.

Values are converted to the engine encoding here and only here: dates to day
numbers, amounts (written in yuan, ``1200.50``) to integer cents. An amount a scenario states
(an input: paid, priced, claimed) is never negative. A declared type may bound a number instead
of listing values (``hour_of_day: {kind: integer, min: 0, max: 23, doc: ...}``; ``kind: amount``
with bounds such as ``min: 0.50``): a value outside is refused wherever it is written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .errors import ArityError, UnknownPredicateError, ValueTypeError, VocabularyError, closest, suggest
from .sentences import template_problem
from .syntax import IDENT_RE
from .terms import Atom, Const, Var, render_value
from .yamlio import Node, read_yaml, yaml_files

BUILTIN_KINDS = ("id", "date", "amount", "integer", "string")
NUMERIC_KINDS = ("date", "amount", "integer")


@dataclass(frozen=True)
class ValueType:
    name: str
    kind: str  # enum or one of BUILTIN_KINDS
    doc: str = ""
    values: tuple[tuple[str, str], ...] = ()  # enum values with their documentation
    labels: tuple[tuple[str, str], ...] = ()  # enum values with the words that stand for them in a sentence
    exhaustive: tuple[str, ...] = ()  # values that must, in every case, be permitted or forbidden
    #                                   to some party (``exhaustive:`` in the type; ``kb audit``)
    minimum: int | None = None  # a declared integer or amount type's bounds (``min:``/``max:``, amounts
    maximum: int | None = None  # in cents); an input amount of a type without ``min:`` is never negative

    @cached_property
    def value_names(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.values)

    @cached_property
    def _labels(self) -> dict[str, str]:
        return dict(self.labels)

    def label(self, value: str) -> str:
        """The words for ``value`` inside a sentence: its label, or else its name with spaces."""
        return self._labels.get(value) or str(value).replace("_", " ")

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


@dataclass(frozen=True)
class Argument:
    name: str
    type: ValueType


@dataclass(frozen=True)
class PredicateDecl:
    name: str
    args: tuple[Argument, ...]
    doc: str
    area: str
    role: str  # "input" or "conclusion"
    file: str = ""
    line: int = 0
    says: str = ""  # the sentence template (kb.sentences); "" if not declared yet

    @property
    def arity(self) -> int:
        return len(self.args)

    @property
    def signature(self) -> str:
        inner = ", ".join(f"{a.name}: {a.type.name}" for a in self.args)
        return f"{self.name}({inner})" if self.args else self.name


@dataclass
class Vocabulary:
    types: dict[str, ValueType] = field(default_factory=dict)
    inputs: dict[str, PredicateDecl] = field(default_factory=dict)
    conclusions: dict[str, PredicateDecl] = field(default_factory=dict)
    definitions: dict[str, PredicateDecl] = field(default_factory=dict)  # tables the rule files state
    interpretations: dict[str, "Interpretation"] = field(default_factory=dict)
    areas: dict[str, str] = field(default_factory=dict)  # area id -> title
    file: str = ""
    value_files: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, value) -> "file:line"

    # -- lookups
    def predicate(self, name: str) -> PredicateDecl | None:
        return self.inputs.get(name) or self.conclusions.get(name) or self.definitions.get(name)

    def derived(self) -> dict[str, PredicateDecl]:
        """Predicates the rule files conclude: conclusions and definitions."""
        return {**self.conclusions, **self.definitions}

    def all_predicates(self) -> list[str]:
        return sorted(set(self.inputs) | set(self.conclusions) | set(self.definitions))

    def all_decls(self) -> list[PredicateDecl]:
        """Every declared predicate (inputs, conclusions, definitions), by name."""
        return [self.predicate(n) for n in self.all_predicates()]

    def require(self, name: str, arity: int, *, file: str | None = None, line: int | None = None,
                role: str | None = None) -> PredicateDecl:
        """The declaration of ``name``/``arity``; an error naming the closest predicate otherwise."""
        pool = self.inputs if role == "input" else self.derived() if role == "conclusion" else None
        decl = pool.get(name) if pool is not None else self.predicate(name)
        if decl is None:
            other = self.predicate(name)
            if other is not None and role == "input":
                raise UnknownPredicateError(
                    f"'{name}' is a conclusion derived by the rules, not a fact a scenario may assert",
                    file=file, line=line, predicate=name)
            if other is not None and role == "conclusion":
                raise UnknownPredicateError(
                    f"'{name}' is an input that scenarios assert; rules may not conclude it "
                    f"(declare a conclusion in the vocabulary instead)", file=file, line=line, predicate=name)
            candidates = list(pool) if pool is not None else self.all_predicates()
            docs = {c: self.predicate(c).doc for c in candidates}
            raise UnknownPredicateError(
                f"'{name}' is not in the vocabulary", file=file, line=line, predicate=name,
                suggestion=suggest(name, docs))
        if decl.arity != arity:
            raise ArityError(
                f"'{name}' takes {decl.arity} argument{'s' if decl.arity != 1 else ''} "
                f"({decl.signature}), got {arity}", file=file, line=line, predicate=name)
        return decl

    # -- values
    def coerce_atom(self, atom: Atom, *, file: str | None = None, line: int | None = None,
                    role: str | None = None) -> Atom:
        """Check ``atom`` against its declaration and convert its constants to engine values."""
        decl = self.require(atom.pred, atom.arity, file=file, line=line, role=role)
        args = []
        for position, (arg, spec) in enumerate(zip(atom.args, decl.args), start=1):
            if isinstance(arg, Var):
                args.append(arg)
                continue
            value = coerce_value(arg, spec.type, f"argument {position} ({spec.name}) of {atom.pred}",
                                 file=file, line=line, predicate=atom.pred)
            if spec.type.kind in ("integer", "amount"):
                check_bounds(value, spec.type, f"argument {position} ({spec.name}) of {atom.pred}",
                             is_input=role == "input", file=file, line=line, predicate=atom.pred)
            args.append(value)
        return Atom(atom.pred, tuple(args))

    def sentence(self, pred: str, args: tuple, mark=None) -> str:
        """The atom ``pred(args)`` (engine values, or variables) as a sentence, from the predicate's
        ``says`` template (see :mod:`kb.sentences`); the atom itself where no template is declared.
        ``mark(text, kind)`` may wrap each filled value (for HTML)."""
        from .sentences import fill

        decl = self.predicate(pred)
        if decl is None or not decl.says or decl.arity != len(args):
            return self.render(pred, args)
        return fill(decl.says, decl, args, mark)

    def sentence_html(self, pred: str, args: tuple) -> str:
        """:meth:`sentence` as HTML (escaped; each value in a ``kb-value`` span); the escaped atom
        where no template is declared."""
        import html

        from .sentences import fill_html

        decl = self.predicate(pred)
        if decl is None or not decl.says or decl.arity != len(args):
            return f'<code class="kb-atom">{html.escape(self.render(pred, args))}</code>'
        return fill_html(decl.says, decl, args)

    def missing_sentences(self) -> list[str]:
        """What a complete vocabulary still lacks, one line each, sorted: predicates without a
        ``says`` template, enumeration values without a label, interpretations without a title."""
        out = []
        for decl in self.all_decls():
            if not decl.says and decl.name != INTERPRETATION:
                out.append(f"{decl.file}:{decl.line}: predicate '{decl.name}' has no sentence (says:)")
        for vtype in sorted(self.types.values(), key=lambda t: t.name):
            if vtype.name == INTERPRETATION:
                continue
            labelled = {v for v, label in vtype.labels if label}
            for value in vtype.value_names:
                if value not in labelled:
                    out.append(f"{self.value_files.get((vtype.name, value), self.file)}: value '{value}' of "
                               f"{vtype.name} has no label")
        for name, interp in sorted(self.interpretations.items()):
            if not interp.title:
                out.append(f"{interp.file}:{interp.line}: interpretation '{name}' has no title")
        def where(line: str) -> tuple:
            file, _, rest = line.partition(":")
            number, _, _ = rest.partition(":")
            return (file, int(number) if number.isdigit() else 0, line)

        return sorted(out, key=where)

    def render(self, pred: str, args: tuple) -> str:
        """An atom of engine values as the analyst reads it (dates as ISO, amounts with cents)."""
        decl = self.predicate(pred)
        if not args:
            return pred
        kinds = [a.type.kind for a in decl.args] if decl and decl.arity == len(args) else [None] * len(args)
        return f"{pred}({', '.join(render_value(v, k) for v, k in zip(args, kinds))})"


MAX_VALUES_LISTED = 40  # a longer list of values is pointed to, not printed in an error


def check_bounds(value: Const, vtype: ValueType, where: str, *, is_input: bool, file=None, line=None,
                 predicate=None) -> None:
    """Raise ValueTypeError when a number is outside its type's declared ``min:``/``max:``, or is
    a negative amount in an input (a fact a scenario states: an amount paid, a price, a claim, a
    cost is never below 0) whose type declares no ``min:``. A plain ``integer`` input may be
    negative; a vocabulary bounds it with a declared type (``kind: integer``, ``min: 0``)."""
    minimum = vtype.minimum if vtype.minimum is not None else \
        0 if is_input and vtype.kind == "amount" else None
    low = minimum is not None and value.value < minimum
    high = vtype.maximum is not None and value.value > vtype.maximum
    if not (low or high):
        return
    kind = vtype.kind

    def shown(v):
        return render_value(v, kind)

    if vtype.maximum is not None and minimum is not None:
        expected = f"between {shown(minimum)} and {shown(vtype.maximum)}"
    elif minimum is not None and vtype.minimum is None:  # the default bound of an input amount
        expected = "0 or more (an amount stated as a fact, paid, priced or claimed, is never negative)"
    elif minimum is not None:
        expected = f"at least {shown(minimum)}"
    else:
        expected = f"at most {shown(vtype.maximum)}"
    raise ValueTypeError(f"{where} must be {expected}, got {shown(value.value)}", file=file, line=line,
                         predicate=predicate)


def coerce_value(const: Const, vtype: ValueType, where: str, *, file=None, line=None, predicate=None) -> Const:
    """Convert a parsed constant to the engine value of ``vtype``, or raise ValueTypeError."""
    def bad(expected: str, suggestion: str | None = None) -> ValueTypeError:
        shown = const.value if const.kind != "string" else render_value(const.value)
        if const.kind == "date":
            shown = render_value(const.value, "date")
        return ValueTypeError(f"{where} must be {expected}, got {shown}", file=file, line=line,
                              predicate=predicate, suggestion=suggestion)

    kind = vtype.kind
    if kind == "enum":
        if const.kind != "symbol" or const.value not in vtype.value_names:
            names = vtype.value_names
            lister = ("python -m kb interpretations" if vtype.name == "interpretation"
                      else f"python -m kb vocabulary --search {vtype.name}")
            listed = (f"({', '.join(names)})" if len(names) <= MAX_VALUES_LISTED else
                      f"({len(names)} of them: {lister} lists them)")
            raise bad(f"one of the {vtype.name} values {listed}",
                      suggest(str(const.value), dict(vtype.values)))
        return const
    if kind == "id":
        if const.kind != "symbol":
            raise bad("a lowercase name such as quake1")
        return const
    if kind == "date":
        if const.kind != "date":
            raise bad("a date written YYYY-MM-DD")
        return const
    if kind == "integer":
        if const.kind != "int":
            raise bad("a whole number")
        return const
    if kind == "amount":
        if const.kind == "int":
            return Const(const.value * 100, "amount")
        if const.kind == "decimal":
            try:
                cents = Decimal(const.value) * 100
            except InvalidOperation:
                raise bad("an amount such as 1200.50") from None
            if cents != cents.to_integral_value():
                raise bad("an amount with at most two decimals")
            return Const(int(cents), "amount")
        if const.kind == "amount":
            return const
        raise bad("an amount such as 1200.50")
    if kind == "string":
        if const.kind != "string":
            raise bad('a quoted string such as "text"')
        return const
    raise bad(kind)


# --- loading ----------------------------------------------------------------------

@dataclass(frozen=True)
class Interpretation:
    """A named alternative reading of an ambiguous passage, switched on per scenario."""

    name: str
    clauses: tuple[str, ...]
    question: str
    default: str  # the reading the rules adopt when the interpretation is off
    alternative: str  # the reading the interpretation switches on
    file: str = ""
    line: int = 0
    title: str = ""  # a short title (what the alternative reading holds), for lists and sentences


INTERPRETATION = "interpretation"


def load_vocabulary(path: Path, display=str) -> Vocabulary:
    """Load a vocabulary file, or a folder of them (``*.yaml``, merged in name order).

    Enumerations declared in several files are merged (a value may be declared once),
    so each area can add its own duties or remedies to a shared type.
    """
    files = yaml_files(path)
    if not files:
        raise VocabularyError(f"no vocabulary files (*.yaml) in {path}")
    roots = []
    for f in files:
        root = read_yaml(f, file=display(f), error=VocabularyError)
        if root.value is None:
            continue
        top = root.check_keys(("areas", "types", "inputs", "conclusions", "definitions", "interpretations"),
                              "the vocabulary", error=VocabularyError)
        roots.append(top)
    vocab = Vocabulary(file=display(path))
    per_area = path.is_dir()  # a folder holds one file per area, named as the area
    for top in roots:
        if "areas" in top:
            for area, node in top["areas"].mapping("areas", VocabularyError).items():
                if area in vocab.areas:
                    raise node.fail(f"area '{area}' is declared twice", VocabularyError)
                vocab.areas[area] = node.text(f"the title of area '{area}'", VocabularyError)
    exhaustive_nodes = []
    for top in roots:
        for name, node in (top["types"].mapping("types", VocabularyError) if "types" in top else {}).items():
            new = _load_type(name, node)
            old = vocab.types.get(name)
            if old is not None and (old.kind != "enum" or new.kind != "enum"):
                raise node.fail(f"type '{name}' is declared twice (only enumerations are merged)", VocabularyError)
            if new.kind != "enum":
                vocab.types[name] = new
                continue
            if old is not None:
                clash = set(old.value_names) & set(new.value_names)
                if clash:
                    dup = sorted(clash)[0]
                    raise node.value["values"].value[dup].fail(
                        f"enumeration '{name}' declares '{dup}' again", VocabularyError)
                new = ValueType(name, "enum", old.doc or new.doc, old.values + new.values, old.labels + new.labels,
                                old.exhaustive + new.exhaustive)
            vocab.types[name] = new
            if "exhaustive" in node.value:
                exhaustive_nodes.append((name, node.value["exhaustive"]))
            for value, vnode in node.value["values"].value.items():
                vocab.value_files[(name, value)] = f"{vnode.file}:{vnode.line}"
    for name, enode in exhaustive_nodes:  # every value listed as exhaustive is a value of the type
        for item in enode.value:
            if item.value not in vocab.types[name].value_names:
                raise item.fail(f"'{item.value}' is listed as exhaustive but is not a value of '{name}'",
                                VocabularyError, suggestion=closest(str(item.value), vocab.types[name].value_names))
    for top in roots:
        if "interpretations" in top and top["interpretations"].value is not None:
            for name, node in top["interpretations"].mapping("interpretations", VocabularyError).items():
                if not IDENT_RE.match(name):
                    raise node.fail(f"interpretation name '{name}' must be a lowercase identifier", VocabularyError)
                if name in vocab.interpretations:
                    raise node.fail(f"interpretation '{name}' is declared twice", VocabularyError)
                vocab.interpretations[name] = _load_interpretation(name, node)
    if vocab.interpretations:
        vtype = ValueType(INTERPRETATION, "enum", "A named interpretation of an ambiguous passage.",
                          tuple((n, i.alternative) for n, i in sorted(vocab.interpretations.items())),
                          tuple((n, f"“{i.title}”" if i.title else "") for n, i in sorted(vocab.interpretations.items())))
        vocab.types[INTERPRETATION] = vtype
        vocab.inputs[INTERPRETATION] = PredicateDecl(
            INTERPRETATION, (Argument("reading", vtype),),
            "The scenario adopts this named interpretation instead of the default reading.",
            INTERPRETATION, "input", str(path), 0, says="the reading {reading} is adopted")
    pools = {"inputs": vocab.inputs, "conclusions": vocab.conclusions, "definitions": vocab.definitions}
    for top in roots:
        for role, key in (("input", "inputs"), ("conclusion", "conclusions"), ("definition", "definitions")):
            if key not in top or top[key].value is None:
                continue
            for name, node in top[key].mapping(key, VocabularyError).items():
                if not IDENT_RE.match(name) or "__" in name:
                    raise node.fail(f"predicate name '{name}' must be a lowercase identifier", VocabularyError)
                if vocab.predicate(name) is not None:
                    raise node.fail(f"predicate '{name}' is declared twice", VocabularyError)
                decl = _load_predicate(name, node, role, vocab)
                if per_area and Path(node.file).stem != decl.area:
                    raise node.fail(f"predicate '{name}' of area '{decl.area}' is declared in "
                                    f"{Path(node.file).name}: declare it in {decl.area}.yaml (one file per area)",
                                    VocabularyError)
                pools[key][name] = decl
    return vocab


def _load_interpretation(name: str, node: Node) -> Interpretation:
    items = node.check_keys(("title", "clauses", "question", "default", "alternative"), f"interpretation '{name}'",
                            required=("clauses", "question", "default", "alternative"), error=VocabularyError)
    cnode = items["clauses"]
    raw = [c.text("a clause id", VocabularyError) for c in cnode.sequence("clauses", VocabularyError)]
    texts = {k: re.sub(r"\s+", " ", items[k].text(k, VocabularyError)).strip()
             for k in ("question", "default", "alternative")}
    title = re.sub(r"\s+", " ", items["title"].text("title", VocabularyError)).strip() if "title" in items else ""
    return Interpretation(name, tuple(raw), texts["question"], texts["default"], texts["alternative"],
                          node.file, node.line, title)


def _load_type(name: str, node: Node) -> ValueType:
    if name in BUILTIN_KINDS:
        raise node.fail(f"'{name}' is a built-in type and cannot be redeclared", VocabularyError)
    items = node.check_keys(("kind", "doc", "values", "exhaustive", "min", "max"), f"type '{name}'",
                            required=("kind",), error=VocabularyError)
    kind = items["kind"].text("kind", VocabularyError)
    doc = items["doc"].text("doc", VocabularyError) if "doc" in items else ""
    if kind in ("integer", "amount"):
        return _load_numeric_type(name, kind, doc, items, node)
    for key in ("min", "max"):
        if key in items:
            raise items[key].fail(f"'{key}' bounds an integer or amount type, not an enumeration", VocabularyError)
    if kind != "enum":
        raise items["kind"].fail(f"declared types are enumerations ('kind: enum') or bounded numbers ('kind: "
                                 f"integer' or 'kind: amount' with min:/max:); built-in types are "
                                 f"{', '.join(BUILTIN_KINDS)}", VocabularyError)
    if "values" not in items:
        raise node.fail(f"enumeration '{name}' needs its values", VocabularyError)
    values, labels = [], []
    for value, vnode in items["values"].mapping("values", VocabularyError).items():
        if not IDENT_RE.match(value):
            raise vnode.fail(f"enumeration value '{value}' must be a lowercase identifier", VocabularyError)
        if isinstance(vnode.value, dict):  # {label: the words in a sentence, doc: what it means}
            parts = vnode.check_keys(("label", "doc"), f"value '{value}' of '{name}'", required=("label",),
                                     error=VocabularyError)
            label = parts["label"].text(f"the label of '{value}'", VocabularyError).strip()
            if not label:
                raise parts["label"].fail(f"the label of '{value}' is empty", VocabularyError)
            text = parts["doc"].text(f"the documentation of '{value}'", VocabularyError) if "doc" in parts else label
        else:
            label = ""
            text = vnode.text(f"the documentation of '{value}'", VocabularyError) if vnode.value is not None else ""
        values.append((value, re.sub(r"\s+", " ", text).strip()))
        labels.append((value, label))
    exhaustive = []
    if "exhaustive" in items:  # values that must be permitted or forbidden (checked once merged)
        for item in items["exhaustive"].sequence("exhaustive (a list of values)", VocabularyError):
            value = item.text("a value of the enumeration", VocabularyError)
            if not IDENT_RE.match(value) or value in exhaustive:
                raise item.fail(f"'{value}' is not a value name, or is listed twice", VocabularyError)
            exhaustive.append(value)
    return ValueType(name, "enum", doc, tuple(values), tuple(labels), tuple(exhaustive))


def _load_numeric_type(name: str, kind: str, doc: str, items: dict, node: Node) -> ValueType:
    """A declared integer or amount type: ``kind: integer``, ``min:``/``max:`` (whole numbers for an
    integer, amounts such as 0.50 for an amount), and ``doc:`` saying what the number is."""
    from .syntax import MAX_NUMBER_DIGITS

    for key in ("values", "exhaustive"):
        if key in items:
            raise items[key].fail(f"'{key}' belongs to an enumeration, not to an {kind} type", VocabularyError)
    if "min" not in items and "max" not in items:
        raise node.fail(f"{kind} type '{name}' needs 'min:' or 'max:' (otherwise use the built-in type "
                        f"'{kind}')", VocabularyError)
    bounds = {}
    for key in ("min", "max"):
        if key not in items:
            bounds[key] = None
            continue
        text = items[key].text(key, VocabularyError).strip()
        pattern = r"-?[0-9]+" if kind == "integer" else r"-?[0-9]+(\.[0-9]{1,2})?"  # ASCII digits only
        if not re.fullmatch(pattern, text) or len(text.lstrip("-").replace(".", "")) > MAX_NUMBER_DIGITS:
            what, example = ("a whole number", "0") if kind == "integer" else ("an amount", "0.00")
            raise items[key].fail(f"'{key}' of {kind} type '{name}' must be {what} of at most {MAX_NUMBER_DIGITS} "
                                  f"digits such as {example}, got '{text}'", VocabularyError)
        bounds[key] = int(text) if kind == "integer" else int(Decimal(text) * 100)
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        raise items["max"].fail(f"type '{name}': max ({items['max'].value}) is below min ({items['min'].value})",
                                VocabularyError)
    return ValueType(name, kind, doc, minimum=bounds["min"], maximum=bounds["max"])


def _load_predicate(name: str, node: Node, role: str, vocab: Vocabulary) -> PredicateDecl:
    items = node.check_keys(("args", "says", "doc", "area"), f"predicate '{name}'", required=("doc", "area"),
                            error=VocabularyError)
    args = []
    if "args" in items and items["args"].value is not None:
        for arg_name, tnode in items["args"].mapping(f"the args of '{name}'", VocabularyError).items():
            type_name = tnode.text(f"the type of '{arg_name}'", VocabularyError)
            vtype = vocab.types.get(type_name)
            if vtype is None and type_name in BUILTIN_KINDS:
                vtype = ValueType(type_name, type_name)
            if vtype is None:
                raise tnode.fail(f"unknown type '{type_name}' for argument '{arg_name}' of '{name}'",
                                 VocabularyError, suggestion=closest(type_name, list(vocab.types) + list(BUILTIN_KINDS)))
            args.append(Argument(arg_name, vtype))
    area = items["area"].text("area", VocabularyError)
    if vocab.areas and area not in vocab.areas and area != INTERPRETATION:
        raise items["area"].fail(f"unknown area '{area}'", VocabularyError, suggestion=closest(area, vocab.areas))
    doc = items["doc"].text("doc", VocabularyError)
    says = ""
    if "says" in items:
        says = re.sub(r"\s+", " ", items["says"].text(f"the sentence of '{name}'", VocabularyError)).strip()
        problem = template_problem(says, tuple(a.name for a in args))
        if problem:
            raise items["says"].fail(f"the sentence of '{name}' does not fit its arguments: {problem}",
                                     VocabularyError, predicate=name)
    return PredicateDecl(name, tuple(args), re.sub(r"\s+", " ", doc).strip(), area, role, node.file, node.line,
                         says)
