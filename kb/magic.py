"""The ``%%kb_rules`` cell magic: amend the notebook's knowledge base from a cell of rules.

Load it with ``%load_ext kb``. A cell::

    %%kb_rules amended
    @param data_retention_days
    @cites 4.3
    @gloss Natural days JD Cloud keeps storing the user's data after the Service Terms end.
    @quote 4.3 "JD Cloud shall continue to store your data within 7 natural days"
    @differs "a negotiated 30 days, before the text of 4.3 is amended"
    param data_retention_days = 30.

holds rule-language statements: a rule whose ``@rule`` id the knowledge base has replaces it,
a new one is added, a ``param`` line replaces the parameter's value (:func:`kb.amend.amend_rules`).
Every load-time check applies; an error is shown as its one line (no traceback) and nothing
is bound. Otherwise the cell binds the amended knowledge base to the name on the magic line
(``amended`` above; optional), keeps it for :func:`amended`, and returns the verdict diff
against the unamended knowledge base over its scenario library (a :class:`kb.amend.Amendment`,
shown as HTML).

Line options: ``--base NAME`` amends the knowledge base bound to NAME in the notebook (default:
the one given to :func:`use`, else the built-in agreement), so amendments can be stacked;
``--scenario FILE`` (repeatable) compares only these scenario files; ``--brief`` shows the
verdict diff without the explanations (they stay in the returned report).
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

from .amend import Amendment, amend_rules, compare
from .errors import KbError
from .knowledge import KnowledgeBase, load_agreement

_state: dict[str, KnowledgeBase | Amendment | None] = {"base": None, "amended": None, "report": None}


def use(knowledge_base: KnowledgeBase | None) -> None:
    """Make ``knowledge_base`` the one ``%%kb_rules`` amends by default (None: the built-in agreement)."""
    _state["base"] = knowledge_base


def base() -> KnowledgeBase:
    """The knowledge base ``%%kb_rules`` amends by default."""
    return _state["base"] or load_agreement()


def amended() -> KnowledgeBase | None:
    """The knowledge base the last successful ``%%kb_rules`` cell built (None before)."""
    return _state["amended"]


def last_report() -> Amendment | None:
    """The verdict diff the last successful ``%%kb_rules`` cell showed (None before)."""
    return _state["report"]


def _parse_line(line: str) -> tuple[str | None, str | None, list[str], bool]:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise KbError(f"%%kb_rules: cannot read the magic line: {exc}") from None
    name = base_name = None
    scenarios: list[str] = []
    brief = False
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--brief":
            brief = True
            i += 1
            continue
        if word in ("--base", "--scenario"):
            if i + 1 >= len(words):
                raise KbError(f"%%kb_rules: {word} needs a value")
            if word == "--base":
                base_name = words[i + 1]
            else:
                scenarios.append(words[i + 1])
            i += 2
            continue
        if word.startswith("-") or name is not None or not word.isidentifier():
            raise KbError(f"%%kb_rules: unexpected '{word}' (usage: %%kb_rules [NAME] [--base NAME] "
                          f"[--scenario FILE ...] [--brief])")
        name = word
        i += 1
    return name, base_name, scenarios, brief


def kb_rules(line: str, cell: str, namespace: dict | None = None) -> Amendment | None:
    """The cell magic itself (callable without IPython: ``namespace`` is the notebook's names).
    Returns the verdict diff, or None after printing a bad input's one-line error on stderr."""
    namespace = namespace if namespace is not None else {}
    try:
        name, base_name, scenarios, brief = _parse_line(line)
        if base_name is not None:
            original = namespace.get(base_name)
            if not isinstance(original, KnowledgeBase):
                raise KbError(f"%%kb_rules: --base {base_name} is not a knowledge base in this notebook")
        else:
            original = base()
        new = amend_rules(original, cell)
        files = None
        if scenarios:  # a file name is looked up in the scenario library
            files = [Path(s) if Path(s).exists() or original.scenarios_dir is None else original.scenarios_dir / s
                     for s in scenarios]
        report = compare(original, new, scenarios=files)
    except KbError as exc:
        print(f"error: {str(exc).removeprefix('error: ')}", file=sys.stderr)
        return None
    report.explain_html = not brief
    _state["amended"], _state["report"] = new, report
    if name is not None:
        namespace[name] = new
    return report


def load_ipython_extension(ipython) -> None:
    """Register ``%%kb_rules`` (``%load_ext kb``)."""
    from IPython.core.magic import Magics, cell_magic, magics_class

    @magics_class
    class KbMagics(Magics):
        @cell_magic("kb_rules")
        def kb_rules_magic(self, line, cell):
            """Amend the knowledge base with the cell's rules; show the verdict diff (see kb.magic)."""
            return kb_rules(line, cell, self.shell.user_ns)

    ipython.register_magics(KbMagics)
