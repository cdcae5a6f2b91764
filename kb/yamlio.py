"""Reading YAML with line numbers and without implicit typing, within limits.

Scenario, vocabulary and manifest files are read into :class:`Node` trees
whose scalars stay the strings that were written (so ``9.10`` stays a clause
id instead of becoming the float 9.1) and whose every value knows its file and
line, for error messages. Duplicate mapping keys are errors. Only PyYAML's
safe composer is used: no tag can construct a Python object.

Every input text file of the kit (YAML, ``.dl`` rule files, ``terms.md``) is read by
:func:`read_source_text`, which enforces the limits below and turns every
problem into a one-line error with file and line: more than ``MAX_FILE_BYTES``
bytes, a byte that is not UTF-8, a control character other than tab, newline
and carriage return. A leading UTF-8 byte order mark is accepted and dropped,
in every kind of file. Before a YAML text is built into nodes, its event
stream is scanned (libyaml, linear and without recursion): more than
``MAX_YAML_ALIASES`` aliases, nesting deeper than ``MAX_YAML_DEPTH``, or more
than ``MAX_YAML_NODES`` values once aliases are expanded is refused, so a
"billion laughs" file or a recursive alias (``&a [*a]``) is an error, not a hang.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import yaml

from .errors import KbError, ScenarioError, closest

# libyaml's composer when the wheel has it (about 10 times faster); the same safe node tree
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 1_000_000  # any input file (YAML, .dl); the largest shipped file is about 60 kB
MAX_YAML_DEPTH = 64  # nested lists and mappings in a YAML file (the shipped files use 5)
MAX_YAML_ALIASES = 100  # '*name' references in a YAML file (the shipped files use none)
MAX_YAML_NODES = 100_000  # values in a YAML file once its aliases are expanded (a 5,000-fact scenario has about 5,000)

# C0 controls but tab, newline and carriage return; DEL; C1 controls
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def decode_source(data: bytes, name: str, error: type[KbError] = ScenarioError) -> str:
    """The text of an input file's bytes: UTF-8, a leading byte order mark dropped, no control
    character but tab, newline and carriage return, at most ``MAX_FILE_BYTES`` bytes. Raises
    ``error`` naming the file and the line of the first offending byte otherwise."""
    if len(data) > MAX_FILE_BYTES:
        raise error(f"file too large: {len(data):,} bytes (the limit is {MAX_FILE_BYTES:,} bytes)", file=name)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(f"file is not UTF-8 text: byte 0x{data[exc.start]:02x} at column {column} is not UTF-8 "
                    f"(save the file as UTF-8)", file=name, line=line) from None
    check_control_characters(text, name, error)
    return text


def check_control_characters(text: str, name: str, error: type[KbError] = ScenarioError, line: int = 1) -> None:
    """Raise ``error`` at the first control character of ``text`` (tab, newline and carriage return
    are allowed; ``line`` is the line ``text`` starts on)."""
    m = _CONTROL_RE.search(text)
    if m:
        start = text.rfind("\n", 0, m.start()) + 1
        raise error(f"control character U+{ord(m.group()):04X} at column {m.start() - start + 1} "
                    f"(only tab, newline and carriage return are allowed)",
                    file=name, line=line - 1 + _line_of(text, m.start()))


def read_source_text(path: Path, name: str | None = None, error: type[KbError] = ScenarioError) -> str:
    """An input file's text, checked by :func:`decode_source`; a missing or unreadable file, or a
    folder, is ``error`` too."""
    name = name or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES and path.is_file():
            raise error(f"file too large: {size:,} bytes (the limit is {MAX_FILE_BYTES:,} bytes)", file=name)
        with open(path, "rb") as handle:  # a pipe or a device (/dev/zero) is read up to the limit only
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise error(f"file too large: more than {MAX_FILE_BYTES:,} bytes", file=name)
    except FileNotFoundError:
        raise error("file not found", file=name) from None
    except IsADirectoryError:
        raise error("is a folder, not a file", file=name) from None
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    return decode_source(data, name, error)


@dataclass(frozen=True)
class Node:
    value: Union[str, list, dict, None]
    file: str
    line: int

    def fail(self, message: str, error: type[KbError] = ScenarioError, **context) -> KbError:
        return error(message, file=self.file, line=self.line, **context)

    def mapping(self, what: str, error: type[KbError] = ScenarioError) -> dict[str, "Node"]:
        if not isinstance(self.value, dict):
            raise self.fail(f"{what} must be a mapping (key: value)", error)
        return self.value

    def sequence(self, what: str, error: type[KbError] = ScenarioError) -> list["Node"]:
        if not isinstance(self.value, list):
            raise self.fail(f"{what} must be a list", error)
        return self.value

    def text(self, what: str, error: type[KbError] = ScenarioError) -> str:
        if not isinstance(self.value, str):
            raise self.fail(f"{what} must be a single value, not a list or mapping", error)
        return self.value

    def check_keys(self, allowed: tuple[str, ...], what: str, required: tuple[str, ...] = (),
                   error: type[KbError] = ScenarioError) -> dict[str, "Node"]:
        items = self.mapping(what, error)
        for key, node in items.items():
            if key not in allowed:
                raise error(f"unknown key '{key}' in {what} (allowed: {', '.join(allowed)})",
                            file=node.file, line=node.line,
                            suggestion=closest(key, allowed))
        for key in required:
            if key not in items:
                raise self.fail(f"{what} needs the key '{key}'", error)
        return items


def yaml_files(path: Path) -> list[Path]:
    """The ``*.yaml`` files of a folder in name order, or the path itself when it is a file."""
    return sorted(path.glob("*.yaml")) if path.is_dir() else [path]


def read_yaml(source: Union[str, Path], *, file: str | None = None,
              error: type[KbError] = ScenarioError) -> Node:
    """Parse a YAML file (a Path) or YAML text (a str, with ``file`` naming it) into a Node tree.

    Every problem is ``error`` with file and line: the file checks of :func:`decode_source`, a
    YAML syntax error, and the limits on aliases, nesting and expanded size."""
    if isinstance(source, Path):
        name = file or str(source)
        if source.is_dir():
            raise error("is a folder, not a YAML file", file=name)
        text = read_source_text(source, name, error)
    else:
        name = file or "<text>"
        text = source
        if text.startswith("\ufeff"):
            text = text[1:]
        if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
            raise error(f"text too large: more than {MAX_FILE_BYTES:,} bytes", file=name)
        check_control_characters(text, name, error)
    _scan_events(text, name, error)
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, name, error) from None
    except RecursionError:  # cannot happen within MAX_YAML_DEPTH; kept as a one-line error
        raise error(f"YAML nested too deeply (the limit is {MAX_YAML_DEPTH} levels)", file=name) from None
    if root is None:
        return Node(None, name, 1)
    return _convert(root, name, error, [0], 0)


def _scan_events(text: str, name: str, error: type[KbError]) -> None:
    """Check the YAML event stream (linear, no recursion) against the limits: nesting depth,
    number of aliases, and the number of values once every alias is expanded (each anchored
    value's expanded size is recorded when it closes; an alias adds it). An alias to a value that
    is still open is recursive and refused."""
    depth = aliases = 0
    sizes: dict[str, int] = {}  # anchor -> values in its expansion
    open_counts: list[list] = [[0, None]]  # per open collection: values so far, its anchor
    total = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            line = event.start_mark.line + 1
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise error(f"YAML nested too deeply: more than {MAX_YAML_DEPTH} levels of lists and mappings",
                                file=name, line=line)
                open_counts.append([1, event.anchor])
                total += 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
                count, anchor = open_counts.pop()
                if anchor is not None:
                    sizes[anchor] = count
                open_counts[-1][0] += count
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                open_counts[-1][0] += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    raise error(f"too many YAML aliases (*name): more than {MAX_YAML_ALIASES}", file=name, line=line)
                if event.anchor not in sizes:
                    if any(anchor == event.anchor for _, anchor in open_counts):
                        raise error(f"recursive YAML alias: *{event.anchor} refers to a value that contains it",
                                    file=name, line=line)
                    continue  # an undefined alias: the composer reports it with its line
                total += sizes[event.anchor]
                open_counts[-1][0] += sizes[event.anchor]
            if total > MAX_YAML_NODES:
                raise error(f"YAML too large once its aliases are expanded: more than {MAX_YAML_NODES:,} values",
                            file=name, line=line)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, name, error) from None


def _syntax_error(exc: yaml.YAMLError, text: str, name: str, error: type[KbError]) -> KbError:
    """A YAML error as one line with the file and line. libyaml's messages are terser: the text is
    re-read with PyYAML's own parser (an event stream: no recursion) for the message."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None and "maximum nesting depth" not in str(exc):
        # only the lines up to the error: the pure-Python parser is slow on a large file
        head = "\n".join(text.split("\n", mark.line + 2)[:mark.line + 2])
        try:
            for _ in yaml.parse(head, Loader=yaml.SafeLoader):
                pass
        except yaml.YAMLError as better:
            if isinstance(better, yaml.MarkedYAMLError) and better.problem and better.problem_mark \
                    and better.problem_mark.line <= mark.line + 1:
                exc = better
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "maximum nesting depth" in problem:
            problem = f"nested too deeply (the limit is {MAX_YAML_DEPTH} levels)"
        return error(f"YAML syntax error: {problem}", file=name, line=mark.line + 1 if mark else None)
    if isinstance(exc, yaml.reader.ReaderError):
        return error(f"YAML syntax error: {exc.reason}", file=name, line=_line_of(text, exc.position))
    first = str(exc).split("\n")[0]
    return error(f"YAML syntax error: {first}", file=name)


def _convert(node: yaml.Node, file: str, error: type[KbError], count: list, depth: int) -> Node:
    """The Node tree of a composed YAML node; aliases are expanded, so the number of values
    (``count``) and the depth are bounded again here (a recursive alias is refused)."""
    line = node.start_mark.line + 1
    count[0] += 1
    if count[0] > MAX_YAML_NODES:
        raise error(f"YAML too large once its aliases are expanded: more than {MAX_YAML_NODES:,} values",
                    file=file, line=line)
    if depth > MAX_YAML_DEPTH:
        raise error(f"YAML nested too deeply once its aliases are expanded (a recursive alias?): more than "
                    f"{MAX_YAML_DEPTH} levels", file=file, line=line)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~", "null", "Null", "NULL"):
            return Node(None, file, line)
        return Node(node.value, file, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(child, file, error, count, depth + 1) for child in node.value], file, line)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise error("mapping keys must be plain names", file=file, line=key_node.start_mark.line + 1)
            key = key_node.value
            if key in result:
                raise error(f"duplicate key '{key}'", file=file, line=key_node.start_mark.line + 1)
            result[key] = _convert(value_node, file, error, count, depth + 1)
        return Node(result, file, line)
    raise error("unsupported YAML construct", file=file, line=line)
