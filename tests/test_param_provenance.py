"""A parameter's value must be a number the text it quotes states (issue 15, provenance): changing
``param disposal_days = 30`` to 31, 300 or 0 while its @quote still reads "Within 30 days" is a
one-line error at load time; the shipped values pass; a number in words ("seven natural days")
passes; ``@differs "reason"`` accepts a value the text does not state, and is refused where the
text does state it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kb
from conftest import SMALL_TEXT
from kb.errors import CitationError, KbSyntaxError
from kb.provenance import stated_numbers

ROOT = Path(__file__).resolve().parents[1]
DPA = ROOT / "kb" / "agreements" / "sample_dpa"
DELETION = "rules/deletion.dl"


@pytest.fixture
def dpa_copy(tmp_path) -> Path:
    return Path(shutil.copytree(DPA, tmp_path / "sample_dpa"))


def set_disposal_days(root: Path, value: str) -> Path:
    path = root / DELETION
    text = path.read_text(encoding="utf-8")
    assert text.count("param disposal_days = 30.\n") == 1
    path.write_text(text.replace("param disposal_days = 30.\n", f"param disposal_days = {value}.\n"), encoding="utf-8")
    return path


@pytest.mark.parametrize("value", ["31", "300", "0"])
def test_a_changed_value_with_the_old_quote_is_refused(dpa_copy, value):
    path = set_disposal_days(dpa_copy, value)
    with pytest.raises(CitationError) as info:
        kb.load_knowledge_base(dpa_copy)
    err = info.value
    assert (err.file, err.line) == (str(path), 17)
    assert str(err) == (f"{path}:17: citation error: parameter 'disposal_days' = {value}, but its @quote of "
                        f"clause 7 states 30: 7 \"Within 30 days after the end of the services\" (give the value "
                        f"the text states, or say why it differs with @differs \"reason\")")


def test_kb_check_reports_it_on_one_line_with_exit_2(dpa_copy):
    path = set_disposal_days(dpa_copy, "31")
    proc = subprocess.run([sys.executable, "-m", "kb", "--kb", str(dpa_copy), "check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"error: {path}:17: citation error: parameter 'disposal_days' = 31, but its "
                                  f"@quote of clause 7 states 30: ")
    assert proc.stderr.count("\n") == 1


def test_the_value_passes_again_with_differs(dpa_copy):
    path = set_disposal_days(dpa_copy, "31")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("param disposal_days = 31.", '@differs "counted inclusively by agreement"\n'
                                                             "param disposal_days = 31."), encoding="utf-8")
    loaded = kb.load_knowledge_base(dpa_copy)
    assert loaded.program.params["disposal_days"].value == 31
    assert loaded.program.params["disposal_days"].differs == "counted inclusively by agreement"


def test_differs_on_a_value_the_quote_states_is_refused(dpa_copy):
    path = dpa_copy / DELETION
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("param disposal_days = 30.", '@differs "no reason"\nparam disposal_days = 30.'),
                    encoding="utf-8")
    with pytest.raises(CitationError) as info:
        kb.load_knowledge_base(dpa_copy)
    assert str(info.value) == (f"{path}:18: citation error: parameter 'disposal_days' = 30 has @differs, but its "
                               f"@quote of clause 7 states 30: remove the @differs")


def test_the_shipped_parameters_pass_with_their_values(agreement):
    dpa = kb.load_knowledge_base(DPA)
    assert {n: p.value for n, p in dpa.program.params.items()} == {
        "audit_interval_days": 365, "audit_notice_days": 30, "breach_notification_hours": 48, "disposal_days": 30,
        "objection_days": 14, "request_forwarding_days": 5}
    assert {n: (p.value, bool(p.differs)) for n, p in agreement.program.params.items()} == {
        "data_retention_days": (7, False), "migration_notice_days": (7, False), "period_start_offset": (1, True),
        "renewal_fee_lead_days": (7, False)}
    (variant,) = agreement.program.param_variants["period_start_offset"]
    assert (variant.value, variant.reading, bool(variant.differs)) == (0, "start_day_counts", True)


WORD_TEXT = SMALL_TEXT.replace("2.1. The fee is due 7 days before the renewal date.",
                               "2.1. The fee is due seven natural days before the renewal date, and three times "
                               "the fee is owed for a late payment.")


def param_kb(make_kb, value: int, quote: str, extra: str = ""):
    return make_kb({"fees": f"""
        @param notice_days
        @cites 2.1
        @gloss Days before the renewal date by which the fee is due.
        @quote 2.1 "{quote}"
        {extra}param notice_days = {value}.
        """}, text=WORD_TEXT)


def test_a_number_in_words_passes(make_kb):
    loaded = param_kb(make_kb, 7, "The fee is due seven natural days")
    assert loaded.program.params["notice_days"].value == 7
    assert param_kb(make_kb, 3, "three times the fee").program.params["notice_days"].value == 3


def test_a_number_in_words_is_checked_too(make_kb):
    with pytest.raises(CitationError, match=r"parameter 'notice_days' = 8, but its @quote of clause 2\.1 states 7: "):
        param_kb(make_kb, 8, "The fee is due seven natural days")


def test_a_quote_without_a_number_needs_differs(make_kb):
    with pytest.raises(CitationError, match=r"parameter 'notice_days' = 7, but its @quote of clause 2\.1 states "
                                            r"no number: 2\.1 \"before the renewal date\""):
        param_kb(make_kb, 7, "before the renewal date")
    ok = param_kb(make_kb, 7, "before the renewal date", '@differs "a week, from the order page"\n        ')
    assert ok.program.params["notice_days"].differs == "a week, from the order page"


def test_differs_needs_a_quoted_reason_and_belongs_to_parameters(make_kb):
    with pytest.raises(KbSyntaxError, match=r'@differs needs the reason in double quotes: @differs "\.\.\."'):
        param_kb(make_kb, 7, "before the renewal date", "@differs because\n        ")
    with pytest.raises(KbSyntaxError, match="@differs annotates a 'param' statement, not a rule"):
        make_kb({"graph": """
            @rule reach_link
            @cites 1.1
            @gloss A link makes a node reachable.
            @quote 1.1 "a path of links leads to it"
            @differs "no"
            reach(X, Y) :- link(X, Y).
            """})


@pytest.mark.parametrize("text, numbers", [
    ("Within 30 days after the end of the services", [30]),
    ("JD Cloud shall continue to store your data within 7 natural days", [7]),
    ("seven natural days", [7]), ("three times the fee", [3]), ("at most once in any period of 365 days", [1, 365]),
    ("three hundred and sixty-five days", [365]), ("twenty-one days", [21]), ("a hundred days", [100]),
    ("one thousand two hundred yuan", [1200]), ("1,000 yuan", [1000]), ("seven (7) days", [7]),
    ("fifteen, twenty", [15, 20]), ("before the renewal date", []),
])
def test_stated_numbers(text, numbers):
    assert stated_numbers(text) == numbers
