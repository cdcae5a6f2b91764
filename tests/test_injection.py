"""An injection corpus: nothing from a rule file, a scenario or a query reaches Python eval/exec.

Every payload is tried (a) in a rule file (as a head, a body item, a fact
argument, and as a quoted string constant), (b) as a scenario fact (YAML file
and ``agreement.scenario([...])``), and (c) as a query pattern for ``ask``,
``why_not``, ``explain`` and ``python -m kb ask --query``. For each, either a
:class:`kb.KbError` is raised or the payload is inert data (a quoted string
that comes back verbatim as a value), and in every case the :class:`Guard`
proves that nothing ran:

* ``os.system``, ``os.popen`` and ``subprocess.Popen`` are replaced by
  recorders that raise; ``pyDatalog.load`` and ``pyDatalog.ask`` (which
  evaluate Python source) likewise;
* a process-wide audit hook (it sees the engine's worker thread too) records
  any source compiled by ``eval``/``exec``/``compile`` that contains a
  payload's token, any process spawn, and any ``open`` of a MARKER path;
* the working directory is tmp_path, and no MARKER file appears in it.

Recorders record before raising, so a forbidden call swallowed by the kit
(the engine wraps exceptions in EngineError) is still a failure.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import kb
from kb.cli import main as cli_main
from kb.errors import KbError
from kb.terms import STRING_PREFIX, render_value

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = ROOT / "kb" / "agreements" / "jcs_kubernetes"
EARTHQUAKE = BUILTIN / "scenarios" / "force_majeure_earthquake_outage_provider_not_liable.yaml"

TOKEN = "MARKER"  # every payload contains it; it must never reach a compiler, a shell or open()

PAYLOADS = {
    "import_system": "__import__('os').system('touch MARKER')",
    "open_write": "open('MARKER','w')",
    "subclasses": "().__class__.__base__.__subclasses__()[-1]('MARKER')",
    "exec_call": "exec(\"open('MARKER','w').close()\")",
    "os_system": "os.system('touch MARKER')",
    "lambda": "lambda: open('MARKER', 'w')",
    "backticks": "`touch MARKER`",
    "fstring": "f\"{open('MARKER', 'w')}\"",
    "newline_break": "x)\nimport os; os.system('touch MARKER')\n#",
    "quote_breakout": "'); import os; os.system('touch MARKER'); ('",
    "percent_and_quotes": "100% \"done\" %s %(MARKER)s {MARKER} %% 'single'",
    "shell_substitution": "$(touch MARKER)",
    "dunder_predicate": "__import__('MARKER')",
    "backslashes": "\\'); os.system('touch MARKER') #\\",
}
IDS = list(PAYLOADS)
VALUES = [PAYLOADS[k] for k in IDS]


def dl_string(text: str) -> str:
    """``text`` as a quoted string constant of the rule language."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def shown(text: str) -> str:
    """How the kit prints the string constant ``text`` in answers and conclusions."""
    return render_value(STRING_PREFIX + text)


# --- the guard --------------------------------------------------------------------------

_active_guard: "Guard | None" = None
_hook_installed = False


def _compiled_by_pytest() -> bool:
    """Whether the compile being audited was asked for by pytest itself (it parses the test
    file to report a failure) rather than by the code under test."""
    frame = sys._getframe(2)  # 0: this function, 1: the hook, 2: the caller of compile()
    while frame is not None and frame.f_code.co_filename.endswith(("/ast.py", "/inspect.py")):
        frame = frame.f_back
    return frame is not None and f"{os.sep}_pytest{os.sep}" in frame.f_code.co_filename


def _audit(event: str, args: tuple) -> None:
    guard = _active_guard
    if guard is None:
        return
    try:
        if event == "compile" and not _compiled_by_pytest():
            source = args[0]
            if isinstance(source, bytes):
                source = source.decode("utf-8", "replace")
            if isinstance(source, str) and TOKEN in source:
                guard.violations.append(f"compile of {source!r}")
        elif event == "exec":
            code = args[0]
            if getattr(code, "co_filename", None) in ("ask", "load"):  # pyDatalog's own entry points
                guard.violations.append(f"exec of pyDatalog {code.co_filename} code")
        elif event in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                       "os.forkpty", "pty.spawn"):
            guard.violations.append(f"{event}{args!r}")
        elif event == "open":
            path = args[0]
            if isinstance(path, (str, bytes, os.PathLike)) and TOKEN in os.fsdecode(path):
                guard.violations.append(f"open{args!r}")
    except Exception as exc:  # never let the hook break the code under test
        guard.violations.append(f"audit hook failed on {event}: {exc!r}")


class Guard:
    """Records every forbidden call while active (see the module doc)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, directory: Path):
        self.monkeypatch = monkeypatch
        self.directory = directory
        self.violations: list[str] = []

    def _forbid(self, name: str):
        def forbidden(*args, **kwargs):
            self.violations.append(f"{name}{args!r}")
            raise AssertionError(f"{name} must not be called (args {args!r})")
        return forbidden

    def __enter__(self) -> "Guard":
        global _active_guard, _hook_installed
        from pyDatalog import pyDatalog, pyParser

        mp = self.monkeypatch
        mp.chdir(self.directory)
        mp.setattr(os, "system", self._forbid("os.system"))
        mp.setattr(os, "popen", self._forbid("os.popen"))
        mp.setattr(subprocess, "Popen", self._forbid("subprocess.Popen"))
        mp.setattr(pyDatalog, "load", self._forbid("pyDatalog.load"))
        mp.setattr(pyDatalog, "ask", self._forbid("pyDatalog.ask"))
        mp.setattr(pyParser, "load", self._forbid("pyParser.load"))
        mp.setattr(pyParser, "ask", self._forbid("pyParser.ask"))
        if not _hook_installed:
            sys.addaudithook(_audit)  # cannot be removed: inert while no guard is active
            _hook_installed = True
        _active_guard = self
        return self

    def __exit__(self, *exc) -> None:
        global _active_guard
        _active_guard = None
        self.monkeypatch.undo()

    def markers(self) -> list[str]:
        return sorted(str(p.relative_to(self.directory)) for p in self.directory.rglob(f"*{TOKEN}*"))


@pytest.fixture
def guard(tmp_path):
    """Active for the whole test; at teardown nothing forbidden happened and no MARKER file exists."""
    mp = pytest.MonkeyPatch()
    with Guard(mp, tmp_path) as g:
        yield g
    assert g.violations == []
    assert g.markers() == []


def test_the_guard_detects_each_kind_of_forbidden_call(tmp_path):
    """The detectors are real: a deliberate shell call, eval of a payload, open of MARKER and
    pyDatalog.load are each recorded, even when the exception they raise is swallowed."""
    from pyDatalog import pyDatalog

    mp = pytest.MonkeyPatch()
    with Guard(mp, tmp_path) as g:
        for attempt in (lambda: os.system("true"), lambda: subprocess.Popen(["true"]),
                        lambda: pyDatalog.load("p(a)"), lambda: pyDatalog.ask("p(X)")):
            with pytest.raises(AssertionError):
                attempt()
        assert eval("'MAR' + 'KER'") == "MARKER"  # source without the token: allowed
        eval("'MARKER'")
        (Path("MARKER.txt")).write_text("x")
    assert [v.split("(")[0].split(" of ")[0] for v in g.violations] == [
        "os.system", "subprocess.Popen", "pyDatalog.load", "pyDatalog.ask", "compile", "open"]
    assert g.markers() == ["MARKER.txt"]


# --- a small knowledge base with string-typed arguments --------------------------------

VOCABULARY = """
areas:
  notes: Notes
inputs:
  node:
    args: {n: id}
    doc: A node.
    area: notes
  note:
    args: {n: id, text: string}
    doc: A note attached to a node.
    area: notes
conclusions:
  noted:
    args: {n: id, text: string}
    doc: The node carries this note.
    area: notes
  labelled:
    args: {n: id, text: string}
    doc: The node has this label.
    area: notes
  flagged:
    args: {n: id}
    doc: The node is flagged.
    area: notes
"""

NOTED_RULE = """\
@rule noted_from_note
@cites 1.1
@gloss A note is noted.
@quote 1.1 "A node is reachable"
noted(N, T) :- note(N, T).
"""


def payload_rules(payload: str) -> str:
    """Rules with the payload as a quoted string constant in a head, a body and a fact."""
    s = dl_string(payload)
    return NOTED_RULE + textwrap.dedent(f"""
        @rule label_every_node
        @cites 1.1
        @gloss Every node is labelled.
        @quote 1.1 "A node is reachable"
        labelled(N, {s}) :- node(N).

        @rule flag_the_payload_note
        @cites 1.1
        @gloss A node with this note is flagged.
        @quote 1.1 "A node is reachable"
        flagged(N) :- note(N, {s}).

        @rule fixed_note
        @cites 1.1
        @gloss A fixed note.
        @quote 1.1 "A node is reachable"
        noted(fixed, {s}).
        """)


ANNOTATIONS = "@rule r1\n@cites 1.1\n@gloss g.\n@quote 1.1 \"A node is reachable\"\n"
RAW_PLACEMENTS = {
    "head": "{p} :- node(X).\n",
    "body": "flagged(X) :- node(X), {p}.\n",
    "fact_argument": "flagged({p}).\n",
    "head_argument": "noted(N, {p}) :- node(N).\n",
    "body_argument": "flagged(N) :- note(N, {p}).\n",
}


@pytest.fixture
def notes_kb(tmp_path):
    """notes_kb(rules_text) -> a KnowledgeBase from tmp_path/kbN with the string-typed vocabulary."""
    from conftest import write_kb

    counter = iter(range(1000))

    def make(rules: str) -> kb.KnowledgeBase:
        return kb.load_knowledge_base(write_kb(tmp_path / f"kb{next(counter)}", {"notes": rules},
                                               vocabulary=VOCABULARY))

    return make


# --- (a) rule files -----------------------------------------------------------------

@pytest.mark.parametrize("placement", list(RAW_PLACEMENTS))
@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_raw_payload_in_a_rule_file_is_rejected_with_a_kberror(guard, notes_kb, payload, placement):
    with pytest.raises(KbError) as info:
        notes_kb(ANNOTATIONS + RAW_PLACEMENTS[placement].format(p=payload))
    assert str(info.value).startswith("kb0/rules/notes.dl:")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_quoted_payload_in_a_rule_file_is_inert_string_data(guard, notes_kb, payload):
    small = notes_kb(payload_rules(payload))
    result = small.evaluate(["node(n1)", f"note(n2, {dl_string(payload)})", 'note(n3, "harmless")'])
    assert [c.text for c in result.conclusions] == [
        "flagged(n2)",
        f"labelled(n1, {shown(payload)})",
        f"noted(fixed, {shown(payload)})",
        f"noted(n2, {shown(payload)})",
        'noted(n3, "harmless")',
    ]
    assert result.ask("labelled(N, T)") == [{"N": "n1", "T": shown(payload)}]
    assert result.ask(f"flagged(N)") == [{"N": "n2"}]
    text = result.explain(f"labelled(n1, {dl_string(payload)})").to_text()
    assert f"labelled(n1, {shown(payload)})" in text
    assert "label_every_node" in text


def test_predicate_named_import_is_rejected_in_the_vocabulary(guard, tmp_path):
    from conftest import write_kb

    vocabulary = VOCABULARY + "  __import__:\n    args: {n: id}\n    doc: x.\n    area: notes\n"
    with pytest.raises(kb.errors.VocabularyError) as info:
        kb.load_knowledge_base(write_kb(tmp_path / "kb0", {"notes": NOTED_RULE}, vocabulary=vocabulary))
    assert info.value.file.endswith("kb0/vocabulary.yaml")
    assert info.value.message == "predicate name '__import__' must be a lowercase identifier"


def test_predicate_named_import_is_rejected_in_a_rule_file(guard, notes_kb):
    with pytest.raises(KbError) as info:
        notes_kb(ANNOTATIONS + "__import__(X) :- node(X).\n")
    assert str(info.value) == ("kb0/rules/notes.dl:5: syntax error: '__import__': names may not start with '_' "
                               "(use '_' alone for an anonymous variable)")
    with pytest.raises(KbError) as info:
        notes_kb(ANNOTATIONS + "flagged(X) :- node(X), os__system(X).\n")
    assert str(info.value) == ("kb1/rules/notes.dl:5: syntax error: 'os__system': names may not contain '__' "
                               "(reserved for the kit)")


def test_rule_named_like_an_internal_predicate_is_rejected(guard, notes_kb):
    with pytest.raises(KbError) as info:
        notes_kb("@rule blocked__x\n@cites 1.1\n@gloss g.\n@quote 1.1 \"A node is reachable\"\n"
                 "flagged(X) :- node(X).\n")
    assert str(info.value) == "kb0/rules/notes.dl:1: syntax error: rule id 'blocked__x' must be a lowercase identifier"


# --- (b) scenario facts -------------------------------------------------------------

def write_scenario(facts: list[str], name: str = "s.yaml") -> Path:
    path = Path(name)
    text = yaml.safe_dump({"scenario": "injection", "facts": facts}, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_raw_payload_as_a_scenario_fact_is_rejected(guard, agreement, payload):
    # the line is the fact's (its position in a list); a payload with a line break is reported on
    # the line of the fact text where the parser stopped
    extra = 1 if "\n" in payload else 0
    for facts in ([payload], [f"event(quake, {payload})"], [f"event({payload}, earthquake)"]):
        with pytest.raises(KbError) as info:
            agreement.scenario(facts)
        assert str(info.value).startswith(f"<scenario>:{1 + extra}: ")
        with pytest.raises(KbError) as info:
            agreement.load_scenario(write_scenario(facts))
        assert str(info.value).startswith(f"s.yaml:{3 + extra}: ")
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_quoted_payload_for_a_symbol_argument_is_a_type_error(guard, agreement, payload):
    with pytest.raises(kb.errors.ValueTypeError) as info:
        agreement.scenario([f"event(quake, {dl_string(payload)})"])
    assert str(info.value).startswith("<scenario>:1: wrong type: argument 2 (kind) of event must be one of the "
                                      "event_kind values")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_quoted_payload_as_a_string_fact_is_inert_data(guard, notes_kb, payload):
    small = notes_kb(NOTED_RULE)
    fact = f"note(n1, {dl_string(payload)})"
    from_list = small.evaluate(small.scenario([fact]))
    from_file = small.evaluate(small.load_scenario(write_scenario([fact])))
    for result in (from_list, from_file):
        assert [c.text for c in result.conclusions] == [f"noted(n1, {shown(payload)})"]
        assert result.ask("noted(N, T)") == [{"N": "n1", "T": shown(payload)}]
        assert result.ask(f"noted(N, {dl_string(payload)})") == [{"N": "n1"}]
    assert from_file.scenario.facts[0].line == 3


YAML_TAGS = {
    "apply_in_fact": 'scenario: s\nfacts:\n  - !!python/object/apply:os.system ["touch MARKER"]\n',
    "apply_as_name": 'scenario: !!python/object/apply:os.system ["touch MARKER"]\nfacts: []\n',
    "apply_as_document": '--- !!python/object/apply:os.system ["touch MARKER"]\n',
    "popen_in_fact": 'scenario: s\nfacts:\n  - !!python/object/apply:subprocess.Popen [["touch", "MARKER"]]\n',
    "new_as_facts": 'scenario: s\nfacts: !!python/object/new:os.system ["touch MARKER"]\n',
    "name_tag": 'scenario: s\nfacts:\n  - !!python/name:os.system\n',
    "open_in_fact": 'scenario: s\nfacts:\n  - !!python/object/apply:builtins.open ["MARKER", "w"]\n',
    "apply_in_expectation": ('scenario: s\nfacts: []\nexpect:\n'
                             '  - holds: !!python/object/apply:os.system ["touch MARKER"]\n'),
    "apply_with_args_mapping": 'scenario: s\nfacts:\n  - !!python/object/apply:os.system\n    args: ["touch MARKER"]\n',
    "module_tag": 'scenario: s\nfacts:\n  - !!python/module:os\n',
    "custom_tag_key": 'scenario: s\nfacts: []\n!!python/object/apply:os.system ["touch MARKER"]: x\n',
}


@pytest.mark.parametrize("text", list(YAML_TAGS.values()), ids=list(YAML_TAGS))
def test_python_yaml_tags_in_a_scenario_construct_nothing(guard, agreement, text):
    Path("s.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(KbError) as info:
        agreement.load_scenario("s.yaml")
    assert str(info.value).startswith("s.yaml:")


def test_python_yaml_tag_on_a_plain_fact_is_ignored_and_the_fact_stays_data(guard, agreement):
    """A tag on a scalar constructs nothing: the scalar is read as the text that was written
    (or, should tags be rejected one day, the file is refused)."""
    Path("s.yaml").write_text(
        "scenario: s\nfacts:\n  - !!python/object/apply:os.system event(quake, earthquake)\n", encoding="utf-8")
    try:
        scenario = agreement.load_scenario("s.yaml")
    except KbError as err:
        assert str(err).startswith("s.yaml:3: ")
    else:
        assert [f.key for f in scenario.facts] == [("event", ("quake", "earthquake"))]


# --- (c) queries ----------------------------------------------------------------------

@pytest.fixture
def earthquake(agreement):
    return agreement.evaluate(["event(quake, earthquake)", "suffered(jd_cloud, quake)",
                               "affects_performance(quake, impossible)", "breach(jd_cloud, outage)",
                               "breach_caused_by(outage, quake)"])


@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_raw_payload_as_a_query_is_rejected_by_ask_why_not_explain_and_holds(guard, earthquake, payload):
    for pattern in (payload, f"liable(jd_cloud, {payload})", f"liable({payload}, B)"):
        for question in (earthquake.ask, earthquake.why_not, earthquake.explain, earthquake.holds,
                         earthquake.matching):
            with pytest.raises(KbError) as info:
                question(pattern)
            assert str(info.value).startswith("<query>")
            assert "\n" not in str(info.value)


@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_quoted_payload_in_a_query_is_a_type_error_for_a_symbol_argument(guard, earthquake, payload):
    for question in (earthquake.ask, earthquake.why_not, earthquake.explain):
        with pytest.raises(kb.errors.ValueTypeError) as info:
            question(f"liable(jd_cloud, {dl_string(payload)})")
        assert str(info.value).startswith("<query>:1: wrong type: argument 2 (breach) of liable must be a lowercase "
                                          "name such as quake1, got ")


@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_quoted_payload_in_a_query_over_a_string_argument_is_inert(guard, notes_kb, payload):
    small = notes_kb(NOTED_RULE)
    result = small.evaluate([f"note(n1, {dl_string(payload)})", 'note(n2, "other")'])
    assert result.ask(f"noted(N, {dl_string(payload)})") == [{"N": "n1"}]
    assert result.ask(f"noted(n2, {dl_string(payload)})") == []
    assert result.holds(f"noted(n1, {dl_string(payload)})")
    explanation = result.explain(f"noted(n1, {dl_string(payload)})")
    assert f"noted(n1, {shown(payload)})" in explanation.to_text()
    why_not = result.why_not(f"noted(n2, {dl_string(payload)})")
    assert f"noted(n2, {shown(payload)})" in why_not.to_text()


# --- (c) the CLI's --query, in process so that the guard sees everything -----------------

@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_raw_payload_as_cli_query_exits_2_with_one_error_line(guard, capsys, payload):
    code = cli_main(["ask", str(EARTHQUAKE), "--query", payload])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("error: <query>") and err.endswith("\n") and err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("payload", VALUES, ids=IDS)
def test_quoted_payload_as_cli_query_is_answered_as_data(guard, capsys, tmp_path, payload):
    from conftest import write_kb

    root = write_kb(tmp_path / "kb0", {"notes": NOTED_RULE}, vocabulary=VOCABULARY)
    write_scenario([f"note(n1, {dl_string(payload)})"])
    query = f"noted(N, {dl_string(payload)})"
    code = cli_main(["--kb", str(root), "ask", "s.yaml", "--query", query, "--explain"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    # the small vocabulary has no sentence templates: the atoms are shown as written
    assert out.startswith(f"Yes: noted(N, {shown(payload)}).\n  - noted(n1, {shown(payload)}) (N = n1)\n\n"
                          f"noted(n1, {shown(payload)}).\n")
    code = cli_main(["--kb", str(root), "--atoms", "ask", "s.yaml", "--query", query, "--explain"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.startswith(f"{query}: N = n1\n\nnoted(n1, {shown(payload)}).\n  because a note is noted ")


# --- loading and evaluating never hand text to pyDatalog ---------------------------------

def test_loading_and_evaluating_the_builtin_agreement_never_calls_pydatalog_load_or_ask(guard):
    fresh = kb.load_knowledge_base(BUILTIN)  # not the cached one: its engine is compiled under the guard
    scenarios = fresh.scenario_files()
    assert len(scenarios) >= 150
    for path in scenarios:
        result = fresh.evaluate(path)
        for c in result.conclusions:
            result.explain(c)
        result.why_not("liable(P, B)")
    result = fresh.evaluate(EARTHQUAKE)
    assert [c.text for c in result.specific] == [
        "exempt_from_liability(jd_cloud, outage)", "force_majeure(quake)", "force_majeure_excuses(jd_cloud, quake)"]


# --- the CLI as a separate process (the guard cannot reach into it: MARKER and exit code only) --

@pytest.mark.parametrize("payload", [PAYLOADS[k] for k in ("import_system", "newline_break", "quote_breakout",
                                                           "shell_substitution")],
                         ids=["import_system", "newline_break", "quote_breakout", "shell_substitution"])
def test_cli_process_rejects_payload_queries_and_creates_no_marker(tmp_path, payload):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "kb", "ask", str(EARTHQUAKE), "--query", payload],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: <query>") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []
