"""Reading YAML with line numbers and without implicit typing.

Scenario, vocabulary and manifest files are read into :class:`Node` trees
whose scalars stay the strings that were written (so ``9.10`` stays a clause
id instead of becoming the float 9.1) and whose every value knows its file and
line, for error messages. Duplicate mapping keys are errors. Only PyYAML's
safe composer is used: no tag can construct a Python object.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

import yaml

from .errors import KbError, ScenarioError, closest

# libyaml's composer when the wheel has it (about 10 times faster); the same safe node tree
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """Parse a YAML file (a Path) or YAML text (a str, with ``file`` naming it)."""
    if isinstance(source, Path):
        name = file or str(source)
        try:
            text = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise error("file not found", file=name) from None
        except UnicodeDecodeError:
            raise error("file is not UTF-8 text", file=name) from None
        except IsADirectoryError:
            raise error("is a folder, not a YAML file", file=name) from None
        except OSError as exc:
            raise error(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    else:
        name = file or "<text>"
        text = source
    try:
        try:
            root = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:
            # libyaml's messages are terser: re-read with the pure-Python loader for the error
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(f"YAML syntax error: {problem}", file=name, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"YAML syntax error: {exc}", file=name) from None
    if root is None:
        return Node(None, name, 1)
    return _convert(root, name, error)


def _convert(node: yaml.Node, file: str, error: type[KbError]) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~", "null", "Null", "NULL"):
            return Node(None, file, line)
        return Node(node.value, file, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(child, file, error) for child in node.value], file, line)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise error("mapping keys must be plain names", file=file, line=key_node.start_mark.line + 1)
            key = key_node.value
            if key in result:
                raise error(f"duplicate key '{key}'", file=file, line=key_node.start_mark.line + 1)
            result[key] = _convert(value_node, file, error)
        return Node(result, file, line)
    raise error("unsupported YAML construct", file=file, line=line)
