"""No value from the input reaches a text output raw (issue 15, output spoofing): a string holding
a newline and two spaces cannot print a line that looks like a derived conclusion, an ESC
sequence cannot reach the terminal, a right-to-left override cannot reorder what is shown. Values
are quoted and escaped (kb.textsafe) in answers, explanations, ``kb test``, the memo and error
lines; the escapes read back to the same value; ordinary values print unchanged."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import kb
from conftest import SMALL_VOCABULARY, write_kb
from kb.cli import main
from kb.errors import KbError, ScenarioError
from kb.textsafe import escape_unsafe, one_line, quoted_string, shown

RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

VOCABULARY = SMALL_VOCABULARY.replace("""  fee:
    args: {a: amount}""", """  note:
    args: {n: id, text: string}
    doc: A note the analyst recorded.
    area: graph
    says: "the note {n} reads {text}"
  fee:
    args: {a: amount}""").replace("""  flagged:
    args: {n: id}""", """  noted:
    args: {n: id, text: string}
    doc: A note is on record.
    area: graph
  flagged:
    args: {n: id}""")

RULES = {"graph": """
    @rule noted_note
    @cites 1.1
    @gloss A note is on record.
    @quote 1.1 "a path of links leads to it"
    noted(N, T) :- note(N, T).
    """}

# Facts as written in a scenario file (YAML single quotes: the rule language's escapes are read
# by the kit): n1's value closes its own atom and opens a second "conclusion" on a new line.
SPOOF = 'x").\n  noted(n2, "y'
FACTS = [r'note(n1, "x\").\n  noted(n2, \"y")', r'note(n3, "\x1b[2J")', r'note(n4, "\u202egnp.exe")']
SCENARIO = ("scenario: \"Spoofed title\\n  noted(n9, x).\"\nfacts:\n" + "".join(f"  - '{f}'\n" for f in FACTS)
            + "expect:\n  - does_not_hold: 'noted(n1, \"x\")'\n")

CONCLUSIONS = ['  noted(n1, "x\\").\\n  noted(n2, \\"y").',
               '  noted(n3, "\\x1b[2J").',
               '  noted(n4, "\\u202egnp.exe").']


@pytest.fixture(scope="module")
def spoof(tmp_path_factory) -> tuple[Path, Path]:
    root = write_kb(tmp_path_factory.mktemp("spoof") / "kb", RULES, vocabulary=VOCABULARY)
    scenario = root.parent / "spoof.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    return root, scenario


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean(text: str) -> None:
    assert RAW.search(text) is None, repr(RAW.search(text).group(0))
    assert '  noted(n2, "y").' not in text.splitlines()  # the spoofed conclusion line
    assert "  noted(n9, x)." not in text.splitlines()


def test_the_values_read_as_intended(spoof):
    root, scenario = spoof
    result = kb.load_knowledge_base(root).evaluate(scenario)
    values = sorted(c.args[1].removeprefix("\x1f") for c in result.conclusions)
    assert values == sorted([SPOOF, "\x1b[2J", "\u202egnp.exe"])


def test_ask_prints_each_value_quoted_and_escaped(spoof, capsys):
    root, scenario = spoof
    code, out, err = cli(capsys, "--kb", str(root), "ask", str(scenario))
    assert (code, err) == (0, "")
    assert out.splitlines()[:5] == [r"scenario: Spoofed title\n  noted(n9, x).",
                                    "conclusions from the facts (3):", *CONCLUSIONS]
    assert_clean(out)


def test_ask_explain_and_query_print_nothing_raw(spoof, capsys):
    root, scenario = spoof
    code, out, err = cli(capsys, "--kb", str(root), "ask", str(scenario), "--explain")
    assert (code, err) == (0, "")
    assert_clean(out)
    assert '  - the note n3 reads "\\x1b[2J"  (stated in the scenario, line 4)' in out.splitlines()
    code, out, err = cli(capsys, "--kb", str(root), "ask", str(scenario), "--query", "noted(N, T)")
    assert code == 0
    assert_clean(out + err)
    assert 'noted(n4, "\\u202egnp.exe")' in out


def test_kb_test_report_is_one_line_per_scenario(spoof, capsys):
    root, scenario = spoof
    code, out, err = cli(capsys, "--kb", str(root), "test", str(scenario))
    assert code == 0, out + err
    assert out.splitlines() == [f"ok   {scenario}: Spoofed title\\n  noted(n9, x).", "1 passed, 0 failed"]
    assert_clean(out + err)


def test_failed_expectation_on_a_spoofing_value_prints_it_escaped(spoof, capsys):
    root, scenario = spoof
    failing = scenario.parent / "failing.yaml"
    failing.write_text(SCENARIO.replace("- does_not_hold: 'noted(n1, \"x\")'",
                                        "- does_not_hold: '" + FACTS[1].replace("note(", "noted(") + "'"),
                       encoding="utf-8")
    code, out, err = cli(capsys, "--kb", str(root), "test", str(failing))
    assert code == 1
    assert_clean(out + err)
    assert any('noted(n3, "\\x1b[2J")' in line for line in out.splitlines()[1:-1]), out


def test_memo_to_stdout_prints_nothing_raw(spoof, capsys):
    root, scenario = spoof
    code, out, err = cli(capsys, "--kb", str(root), "memo", str(scenario), "--query", "noted(N, T)")
    assert (code, err) == (0, "")
    assert_clean(out)
    assert out.splitlines()[0] == r"# Memo: Spoofed title\\n  noted(n9, x)."
    assert r'- The note n3 reads "\\x1b\[2J". (`note(n3, "\x1b[2J")`)' in out.splitlines()


def test_error_line_quoting_an_esc_value_escapes_it(spoof, capsys):
    root, scenario = spoof
    bad = scenario.parent / "bad.yaml"
    bad.write_text("scenario: Bad\nfacts:\n  - 'fee(\"\\x1b[2J\\u202e\")'\n", encoding="utf-8")
    code, out, err = cli(capsys, "--kb", str(root), "ask", str(bad))
    assert (code, out) == (2, "")
    assert err == (f"error: {bad}:3: wrong type: argument 1 (a) of fee must be an amount such as 1200.50, "
                   f'got "\\x1b[2J\\u202e"\n')


def test_kb_error_str_escapes_raw_control_and_bidi_characters():
    exc = ScenarioError("title \x1b[2J\u202eabc\n  liable(jd_cloud, outage).\x7f\x85", file="s.yaml", line=2)
    assert str(exc) == r"s.yaml:2: scenario error: title \x1b[2J\u202eabc\n  liable(jd_cloud, outage).\x7f\x85"
    assert str(KbError("tab\there\rand")) == r"error: tab\there\rand"


def test_escapes_read_back_to_the_same_value(spoof):
    root, _ = spoof
    base = kb.load_knowledge_base(root)
    value = "a\n  b\t\x1b[2J\u202e\\ \"q\" \u00fcber \u4e2d"
    scenario = base.scenario([f"note(n1, {quoted_string(value)})"])
    (fact,) = scenario.facts
    assert fact.key == ("note", ("n1", "\x1f" + value))
    assert base.vocabulary.render(*fact.key) == \
        'note(n1, "a\\n  b\\t\\x1b[2J\\u202e\\\\ \\"q\\" \u00fcber \u4e2d")'


def test_explorer_save_keeps_a_spoofing_value_and_reloads_it(spoof, tmp_path):
    from widgets.explorer import Explorer

    root, scenario = spoof
    base = kb.load_knowledge_base(root)
    ex = Explorer(base, base.load_scenario(scenario), graph=False)
    path = ex.save(tmp_path / "saved.yaml", overwrite=False)
    assert RAW.search(path.read_text(encoding="utf-8")) is None
    again = base.load_scenario(path)
    assert sorted(f.key for f in again.facts) == sorted(f.key for f in base.load_scenario(scenario).facts)
    assert len(again.facts) == 3


def test_ordinary_values_print_unchanged(agreement):
    result = agreement.evaluate(["event(quake, earthquake)", "suffered(jd_cloud, quake)",
                                 "affects_performance(quake, impossible)", "breach(jd_cloud, outage)",
                                 "breach_caused_by(outage, quake)"])
    assert "exempt_from_liability(jd_cloud, outage)" in [c.text for c in result.conclusions]
    assert "JD Cloud is exempt from liability for the failure outage" in [c.sentence for c in result.conclusions]


@pytest.mark.parametrize("text, expected", [
    ("jd_cloud", "jd_cloud"), ("\u00fcber \u4e2d\u6587", "\u00fcber \u4e2d\u6587"), ("a b", "a b"),
    (" lead", '" lead"'), ("trail ", '"trail "'), ("", '""'), ("a\n  b", '"a\\n  b"'),
    ("\x1b[2J", '"\\x1b[2J"'), ("\u202eabc", '"\\u202eabc"'), ("\u2066x\u2069", '"\\u2066x\\u2069"'),
    ("tab\t", '"tab\\t"'), ("q\"\\", "q\"\\"), ("\x00\x7f\x9f", '"\\x00\\x7f\\x9f"'),
    ("\ud800", '"\\ud800"'),
])
def test_shown(text, expected):
    assert shown(text) == expected


def test_one_line_and_escape_unsafe():
    assert one_line("plain text, 1.1") == "plain text, 1.1"
    assert one_line("a\r\nb\u2028c") == r"a\r\nb\u2028c"
    assert escape_unsafe("back\\slash \x1b") == "back\\slash \\x1b"
    assert quoted_string('say "hi"\n') == '"say \\"hi\\"\\n"'


def test_a_surrogate_escape_is_read_as_its_letters(spoof):
    # no UTF-8 output can hold a lone surrogate: "\ud800" in a rule or fact reads as the text ud800
    root, _ = spoof
    base = kb.load_knowledge_base(root)
    (fact,) = base.scenario([r'note(n1, "a\ud800b\u00e9")']).facts
    assert fact.key == ("note", ("n1", "\x1fa" + "ud800b\u00e9"))
