"""MAPPING.yaml: how one record (a row of a CSV, JSON Lines or Parquet file) becomes a scenario.

A mapping names the column that identifies each record, the fact templates over the columns, and
the readings (named interpretations) in force::

    id: ticket                                   # required: the column naming each record
    facts:                                       # fact templates: {column} is the record's value
      - event({ticket}, {event_kind})
      - breach(jd_cloud, {ticket}_outage)        # an id may join columns and text
      - breach_caused_by({ticket}_outage, {ticket})
      - fee_payment({ticket}_pay, {service}, {paid_on}, {paid})
    interpretations: [hackers_listed]            # optional: readings for the whole run
    interpretation_column: readings              # optional: readings per record ("a; b")

Each template is checked against the vocabulary when the mapping is read, before any record runs:
an input predicate with its arity, constants of the declared types, a column joined with text
only where an id is expected, interpretations that exist. Every problem is one
:class:`~kb.errors.ScenarioError` with the mapping's file and line.

A record's values are parsed by the vocabulary's type of the argument they fill: an id is a
lowercase name (``t000123``), an enumeration value one of its values, a date ``YYYY-MM-DD`` (or a
date object, from Parquet), an amount a number with at most two decimals (yuan, kept as cents), an
integer a whole number, a string any text. **A template one of whose columns is empty (or absent
from a JSON line) gives no fact**: the record simply lacks it. A value that does not parse, or an
empty or missing id column, is a :class:`RecordError` for that record alone (its message one line,
naming the column). Nothing read from a record becomes program text: values become engine values
(:mod:`kb.terms`), checked here.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Union

from .errors import KbError, ScenarioError, closest
from .syntax import IDENT_RE, parse_atom
from .terms import STRING_PREFIX, Var, iso_to_day
from .vocabulary import ValueType, Vocabulary, coerce_value
from .yamlio import Node, read_yaml

_TEMPLATE_RE = re.compile(r"\s*([a-z][a-z0-9_]*)\s*\((.*)\)\s*\Z", re.S)
_COLUMN_RE = re.compile(r"\{([^{}]*)\}")
_COLUMN_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_ .\-]*\Z")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_INT_RE = re.compile(r"[+-]?\d{1,18}\Z")
_AMOUNT_RE = re.compile(r"[+-]?\d{1,15}(\.\d{1,2})?\Z")
_READING_SPLIT = re.compile(r"[;,\s]+")
MAX_CELL = 10_000  # characters of one value


class RecordError(KbError):
    """A record that cannot become a scenario (its row gets the message; the batch goes on)."""

    kind = "record error"


@dataclass(frozen=True)
class ArgTemplate:
    """One argument of a fact template: a constant (``value`` set, ``parts`` empty), one column
    (``parts == ((None, column),)``), or an id joining text and columns (``parts`` of
    (text, None) and (None, column))."""

    vtype: ValueType
    name: str  # the argument's name in the vocabulary
    value: object = None
    parts: tuple = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for _, c in self.parts if c is not None)


@dataclass(frozen=True)
class FactTemplate:
    pred: str
    args: tuple[ArgTemplate, ...]
    text: str
    line: int


@dataclass(frozen=True)
class Mapping:
    """A checked mapping (see the module doc); :meth:`facts_of` turns a record into facts."""

    id_column: str
    facts: tuple[FactTemplate, ...]
    interpretations: tuple[str, ...] = ()
    interpretation_column: str | None = None
    file: str = "<mapping>"
    known_interpretations: frozenset = frozenset()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the mapping reads, sorted."""
        cols = {self.id_column} | {c for f in self.facts for a in f.args for c in a.columns}
        if self.interpretation_column:
            cols.add(self.interpretation_column)
        return tuple(sorted(cols))

    def with_interpretations(self, names) -> "Mapping":
        """A copy with ``names`` as the readings of the whole run (checked)."""
        names = tuple(sorted(set(names)))
        for name in names:
            if name not in self.known_interpretations:
                raise ScenarioError(f"no interpretation '{name}' (python -m kb interpretations lists them)",
                                    file=self.file, suggestion=closest(name, self.known_interpretations))
        return Mapping(self.id_column, self.facts, names, self.interpretation_column, self.file,
                       self.known_interpretations)

    def check_columns(self, available, source: str) -> None:
        """A ScenarioError (bad input, before any record runs) if the records' columns
        ``available`` lack one the mapping reads."""
        available = set(available)
        for col in self.columns:
            if col not in available:
                raise ScenarioError(f"the records have no column '{col}' (columns: {', '.join(sorted(available))})",
                                    file=source, suggestion=closest(col, available))

    def record_id(self, record: dict) -> str:
        """The record's id (a RecordError if it is missing, empty or not a name)."""
        raw = record.get(self.id_column) if isinstance(record, dict) else None
        if _empty(raw):
            raise RecordError(f"the id column '{self.id_column}' is missing or empty")
        return str(raw)

    def facts_of(self, record: dict) -> list[tuple[str, tuple]]:
        """The record's facts (input predicate, engine values), sorted and without duplicates, the
        readings in force included as ``interpretation`` facts. A RecordError (one line, naming
        the column) if a value does not parse or the id is missing."""
        if not isinstance(record, dict):
            raise RecordError(f"a record must be a mapping of columns to values, not {type(record).__name__}")
        self.record_id(record)
        out = set()
        for fact in self.facts:
            values = []
            for arg in fact.args:
                if not arg.parts:
                    values.append(arg.value)
                    continue
                if len(arg.parts) == 1:
                    column = arg.parts[0][1]
                    raw = record.get(column)
                    if _empty(raw):
                        break
                    values.append(_parse_cell(raw, arg.vtype, column))
                    continue
                pieces = []
                for text, column in arg.parts:
                    if column is None:
                        pieces.append(text)
                        continue
                    raw = record.get(column)
                    if _empty(raw):
                        break
                    pieces.append(str(raw).strip())
                else:
                    joined = "".join(pieces)
                    if not IDENT_RE.match(joined):
                        raise RecordError(f"{fact.text}: '{_shown(joined)}' (from columns "
                                          f"{', '.join(arg.columns)}) is not a name: lowercase letters, digits "
                                          f"and _, starting with a letter")
                    values.append(joined)
                    continue
                break
            else:
                out.add((fact.pred, tuple(values)))
        readings = set(self.interpretations)
        if self.interpretation_column:
            raw = record.get(self.interpretation_column)
            if not _empty(raw):
                for name in _READING_SPLIT.split(str(raw).strip()):
                    if not name:
                        continue
                    if name not in self.known_interpretations:
                        hint = closest(name, self.known_interpretations)
                        raise RecordError(f"column '{self.interpretation_column}': no interpretation "
                                          f"'{_shown(name)}'" + (f" (did you mean '{hint}'?)" if hint else ""))
                    readings.add(name)
        out |= {("interpretation", (name,)) for name in readings}
        return sorted(out, key=repr)


def _empty(raw) -> bool:
    """Whether a record's value is missing: None, NaN, blank text, pandas' NA or NaT."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, float):
        return math.isnan(raw)
    return type(raw).__name__ in ("NAType", "NaTType")


def _shown(text: str, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "..."


def _parse_cell(raw, vtype: ValueType, column: str):
    """A record's value as the engine value of ``vtype`` (a RecordError naming the column)."""
    kind = vtype.kind

    def bad(expected: str, hint: str | None = None) -> RecordError:
        return RecordError(f"column '{column}': '{_shown(raw)}' is not {expected}"
                           + (f" (did you mean '{hint}'?)" if hint else ""))

    if kind == "date":
        if isinstance(raw, _dt.datetime):
            return raw.date().toordinal()
        if isinstance(raw, _dt.date):
            return raw.toordinal()
        text = str(raw).strip()
        if not _DATE_RE.match(text):
            raise bad("a date written YYYY-MM-DD")
        try:
            return iso_to_day(text)
        except ValueError:
            raise bad("a real date (YYYY-MM-DD)") from None
    if isinstance(raw, bool):
        raise bad(f"a value of type {vtype.name}")
    text = str(raw).strip()
    if len(text) > MAX_CELL:
        raise RecordError(f"column '{column}': a value of {len(text)} characters (at most {MAX_CELL})")
    if kind == "enum":
        if text not in vtype.value_names:
            raise bad(f"one of the {vtype.name} values", closest(text, vtype.value_names))
        return text
    if kind == "id":
        if not IDENT_RE.match(text):
            raise bad("a name: lowercase letters, digits and _, starting with a letter")
        return text
    if kind == "amount":
        if isinstance(raw, float):
            if not math.isfinite(raw):
                raise bad("an amount such as 1200.50")
            text = repr(raw)
        if not _AMOUNT_RE.match(text):
            raise bad("an amount such as 1200.50 (at most two decimals)")
        try:
            return int(Decimal(text) * 100)
        except InvalidOperation:  # pragma: no cover (the pattern excludes it)
            raise bad("an amount such as 1200.50") from None
    if kind == "integer":
        if isinstance(raw, float) and raw.is_integer():
            text = str(int(raw))
        if not _INT_RE.match(text):
            raise bad("a whole number")
        return int(text)
    if kind == "string":
        return STRING_PREFIX + str(raw)
    raise bad(kind)  # pragma: no cover (the vocabulary knows no other kind)


def _split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments (commas inside quotes or braces do not split)."""
    out, depth, quote, current = [], 0, False, []
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
            current.append(ch)
        elif ch == "{":
            depth += 1
            current.append(ch)
        elif ch == "}":
            depth -= 1
            current.append(ch)
        elif ch == "," and depth == 0:
            out.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    out.append("".join(current).strip())
    return [] if out == [""] else out


def _template(node: Node, vocab: Vocabulary) -> FactTemplate:
    text = node.text("a fact template")
    fail = node.fail
    m = _TEMPLATE_RE.match(text)
    if not m:
        raise fail(f"'{_shown(text)}' is not a fact template such as \"event({{ticket}}, {{event_kind}})\"")
    pred, inner = m.group(1), m.group(2)
    if pred == "interpretation":
        raise fail("readings are set with 'interpretations:' (the whole run) or 'interpretation_column:' "
                   "(per record), not as a fact template")
    decl = vocab.inputs.get(pred)
    if decl is None:
        what = "a conclusion the rules derive, not an input" if pred in vocab.conclusions or pred in vocab.definitions \
            else "not an input predicate of the vocabulary"
        raise fail(f"{pred} is {what}", suggestion=closest(pred, vocab.inputs))
    args = _split_args(inner)
    if len(args) != decl.arity:
        raise fail(f"{pred} takes {decl.arity} arguments ({decl.signature}), the template gives {len(args)}")
    out = []
    for arg, spec in zip(args, decl.args):
        where = f"argument '{spec.name}' of {pred}"
        if "{" in arg or "}" in arg:
            parts, pos = [], 0
            for cm in _COLUMN_RE.finditer(arg):
                if cm.start() > pos:
                    parts.append((arg[pos:cm.start()], None))
                column = cm.group(1).strip()
                if not _COLUMN_NAME_RE.match(column):
                    raise fail(f"{where}: '{{{_shown(cm.group(1))}}}' is not a column name")
                parts.append((None, column))
                pos = cm.end()
            if pos < len(arg):
                parts.append((arg[pos:], None))
            if any(text is not None and ("{" in text or "}" in text) for text, _ in parts):
                raise fail(f"{where}: unbalanced braces in '{_shown(arg)}'")
            if len(parts) > 1:
                if spec.type.kind != "id":
                    raise fail(f"{where} is {spec.type.name}: only an id may join columns and text "
                               f"('{_shown(arg)}'); write '{{column}}' alone")
                for t, _ in parts:
                    if t is not None and not re.fullmatch(r"[a-z0-9_]*", t):
                        raise fail(f"{where}: the text '{_shown(t)}' beside a column must be lowercase letters, "
                                   f"digits and _")
                if parts[0][0] is not None and not re.match(r"[a-z]", parts[0][0]):
                    raise fail(f"{where}: an id must start with a letter ('{_shown(arg)}')")
            out.append(ArgTemplate(spec.type, spec.name, parts=tuple(parts)))
            continue
        try:
            atom = parse_atom(f"x({arg})", file=node.file, line=node.line)
        except KbError as exc:
            raise fail(f"{where}: {exc.message}") from None
        if len(atom.args) != 1 or isinstance(atom.args[0], Var):
            raise fail(f"{where}: '{_shown(arg)}' is neither a constant nor a {{column}}")
        const = coerce_value(atom.args[0], spec.type, where, file=node.file, line=node.line, predicate=pred)
        out.append(ArgTemplate(spec.type, spec.name, value=const.value))
    return FactTemplate(pred, tuple(out), " ".join(text.split()), node.line)


def load_mapping(source: Union[str, Path, dict, "Mapping"], vocab: Vocabulary, *, file: str | None = None) -> Mapping:
    """A checked mapping from a file (a Path, or a str naming an existing ``.yaml``/``.yml``
    file), from YAML text (a str), or from a dict of the same shape (the Python API). Every
    problem is a ScenarioError with the mapping's file and line."""
    if isinstance(source, Mapping):
        return source
    if isinstance(source, dict):
        import yaml

        source = yaml.safe_dump(source, sort_keys=False, allow_unicode=True)
        file = file or "<mapping>"
    elif isinstance(source, str) and "\n" not in source and source.strip().endswith((".yaml", ".yml")):
        source = Path(source)
    if isinstance(source, Path):
        if not source.exists():
            raise ScenarioError("no such mapping file", file=str(source))
        root = read_yaml(source, file=file or str(source))
        name = file or str(source)
    else:
        root = read_yaml(str(source), file=file or "<mapping>")
        name = file or "<mapping>"
    if root.value is None:
        raise ScenarioError("the mapping is empty: it needs 'id:' and 'facts:'", file=name, line=1)
    top = root.check_keys(("id", "facts", "interpretations", "interpretation_column", "description"),
                          "a mapping", required=("id", "facts"))
    id_column = top["id"].text("'id' (the column naming each record)").strip()
    if not _COLUMN_NAME_RE.match(id_column):
        raise top["id"].fail(f"'{_shown(id_column)}' is not a column name")
    facts = tuple(_template(n, vocab) for n in top["facts"].sequence("'facts'"))
    if not facts:
        raise top["facts"].fail("'facts' lists no fact template")
    known = frozenset(vocab.interpretations)
    names = []
    if "interpretations" in top and top["interpretations"].value is not None:
        for n in top["interpretations"].sequence("'interpretations'"):
            name = n.text("an interpretation").strip()
            if name not in known:
                raise n.fail(f"no interpretation '{_shown(name)}' (python -m kb interpretations lists them)",
                             suggestion=closest(name, known))
            names.append(name)
    column = None
    if "interpretation_column" in top and top["interpretation_column"].value is not None:
        column = top["interpretation_column"].text("'interpretation_column'").strip()
        if not _COLUMN_NAME_RE.match(column):
            raise top["interpretation_column"].fail(f"'{_shown(column)}' is not a column name")
    return Mapping(id_column, facts, tuple(sorted(set(names))), column, name, known)


__all__ = ["Mapping", "RecordError", "load_mapping"]
