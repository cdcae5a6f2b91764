"""Values from the input, made safe to print on a terminal or in a text file.

A scenario's strings and titles are input: a value holding a newline and two spaces would print a
line that looks exactly like a derived conclusion, an ESC sequence (``\\x1b[2J``) would reach the
terminal, a right-to-left override (U+202E) would reorder what the reader sees. Every text output
of the kit (answers, explanations, ``kb test``, the Markdown memo, error lines) passes values
through this module:

* :func:`escape_unsafe` writes each unsafe character as an escape: ``\\n``, ``\\t``, ``\\r``,
  ``\\xHH`` below U+0100, ``\\uHHHH`` above (the escapes the rule language reads back inside a
  quoted string, so a value printed in an atom parses back to the same value);
* :func:`quoted_string` is a string value as the rule language writes it: in double quotes, with
  ``\\`` and ``"`` escaped too;
* :func:`shown` is a name or free text as it is printed: unchanged when it is safe (printable, no
  leading or trailing space), else quoted with escapes;
* :func:`one_line` is free text (a title, an error message) on one line, unsafe characters
  escaped but nothing quoted.

Unsafe: the C0 controls (newline and tab included), DEL, the C1 controls, the line and paragraph
separators U+2028/U+2029, and the bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
U+2066-U+2069), and lone surrogates (no UTF-8 output can hold one). Printable letters of every
script are kept as they are. HTML outputs show values in the same renderings, then escaped with
:func:`html.escape`; JSON escapes by itself.
"""
from __future__ import annotations

import re

__all__ = ["UNSAFE_RE", "escape_unsafe", "has_unsafe", "one_line", "quoted_string", "shown"]

UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(ch: str) -> str:
    named = _NAMED.get(ch)
    if named:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds a character that must not reach a terminal raw."""
    return UNSAFE_RE.search(text) is not None


def escape_unsafe(text: str) -> str:
    """``text`` with every unsafe character written as an escape (``\\n``, ``\\x1b``, ``\\u202e``);
    everything else, backslashes included, unchanged."""
    return UNSAFE_RE.sub(lambda m: _escape(m.group(0)), text)


def one_line(text: str) -> str:
    """Free text (a title, an error message) as one printable line: unsafe characters escaped,
    nothing quoted. Text without unsafe characters is returned unchanged."""
    return escape_unsafe(text) if has_unsafe(text) else text


def quoted_string(text: str) -> str:
    """A string value as the rule language writes it: in double quotes, ``\\`` and ``"`` escaped,
    every unsafe character escaped (``"a\\n  b"``, ``"\\x1b[2J"``)."""
    return '"' + escape_unsafe(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def shown(text: str) -> str:
    """A name or value as printed: unchanged when it is printable and has no leading or trailing
    space; otherwise quoted with escapes (:func:`quoted_string`), so that it can never pass for
    something else on the screen."""
    if text and not has_unsafe(text) and text == text.strip(" "):
        return text
    return quoted_string(text)
