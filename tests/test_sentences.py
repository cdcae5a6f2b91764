"""Sentences: every predicate reads as a sentence, every value by its label (kb.sentences)."""
from __future__ import annotations

import textwrap

import pytest

import kb
from kb.errors import VocabularyError
from kb.sentences import amount_phrase, date_phrase, template_problem
from kb.terms import Var, iso_to_day

from conftest import REACH_FLAG_PAID_RULES, SMALL_VOCABULARY, write_kb

LABELLED = SMALL_VOCABULARY.replace(
    "      red: red\n      blue: blue\n",
    "      red: {label: the colour red, doc: Red paint}\n      blue:\n        label: the colour blue\n").replace(
    "  paint:\n    args: {n: id, c: colour}\n", "  paint:\n    args: {n: id, c: colour}\n    says: \"{n} is painted {c}\"\n").replace(
    "  due:\n    args: {d: date}\n", "  due:\n    args: {d: date}\n    says: the fee falls due on {d}\n").replace(
    "  fee:\n    args: {a: amount}\n", "  fee:\n    args: {a: amount}\n    says: the fee is {a}\n")


@pytest.mark.parametrize("template, args, problem", [
    ("{party} is liable for the failure {breach}", ("party", "breach"), None),
    ("{party} is liable", ("party", "breach"), "argument 'breach' has no placeholder {breach}"),
    ("{party} is liable for {failure}", ("party", "breach"),
     "placeholder {failure} is not an argument (arguments: party, breach)"),
    ("{party is liable", ("party",), "its braces do not pair up"),
    ("the terms ended", (), None),
    ("the terms ended {x}", (), "placeholder {x} is not an argument (arguments: none)"),
])
def test_a_template_must_use_each_argument_once_named(template, args, problem):
    assert template_problem(template, args) == problem


def test_dates_and_amounts_read_as_an_analyst_writes_them():
    assert date_phrase(iso_to_day("2026-03-01")) == "1 March 2026"
    assert date_phrase(iso_to_day("2024-02-29")) == "29 February 2024"
    assert amount_phrase(120050) == "1,200.50" and amount_phrase(5) == "0.05" and amount_phrase(-5000) == "-50.00"
    assert amount_phrase(123456789) == "1,234,567.89"


def test_values_fill_their_placeholders_with_labels_dates_and_amounts(tmp_path):
    small = kb.load_knowledge_base(write_kb(tmp_path / "k", REACH_FLAG_PAID_RULES, vocabulary=LABELLED))
    v = small.vocabulary
    assert v.sentence("paint", ("n1", "red")) == "n1 is painted the colour red"
    assert v.sentence("due", (iso_to_day("2026-03-10"),)) == "the fee falls due on 10 March 2026"
    assert v.sentence("fee", (120000,)) == "the fee is 1,200.00"
    assert v.sentence("paint", (Var("N"), "blue")) == "N is painted the colour blue"
    # no template yet: the atom itself, never a half-filled sentence
    assert v.sentence("link", ("a", "b")) == "link(a, b)"
    assert v.types["colour"].label("red") == "the colour red"
    assert dict(v.types["colour"].values)["red"] == "Red paint" and dict(v.types["colour"].values)["blue"] == "the colour blue"
    marked = v.sentence("paint", ("n1", "red"), mark=lambda text, kind: f"<{kind}>{text}</{kind}>")
    assert marked == "<id>n1</id> is painted <enum>the colour red</enum>"


def test_missing_words_are_listed_with_their_file_and_line(tmp_path):
    small = kb.load_knowledge_base(write_kb(tmp_path / "k", REACH_FLAG_PAID_RULES, vocabulary=LABELLED))
    missing = small.vocabulary.missing_sentences()
    assert all(line.split(":")[0].endswith("vocabulary.yaml") and line.split(":")[1].isdigit() for line in missing)
    names = [line.split(": ", 1)[1] for line in missing]
    assert names == ["predicate 'node' has no sentence (says:)", "predicate 'link' has no sentence (says:)",
                     "predicate 'paid' has no sentence (says:)", "predicate 'reach' has no sentence (says:)",
                     "predicate 'isolated' has no sentence (says:)", "predicate 'on_time' has no sentence (says:)",
                     "predicate 'flagged' has no sentence (says:)"]


def test_a_template_that_does_not_fit_is_an_error_at_load_with_its_line(tmp_path):
    bad = LABELLED.replace('says: "{n} is painted {c}"', 'says: "{n} is painted {colour}"')
    with pytest.raises(VocabularyError) as info:
        kb.load_knowledge_base(write_kb(tmp_path / "k", REACH_FLAG_PAID_RULES, vocabulary=bad))
    line = textwrap.dedent(bad).split("\n").index('    says: "{n} is painted {colour}"') + 1
    assert str(info.value).endswith(f"vocabulary.yaml:{line}: vocabulary error: the sentence of 'paint' does not fit "
                                    "its arguments: placeholder {colour} is not an argument (arguments: n, c)")


def test_a_value_with_an_empty_label_is_an_error(tmp_path):
    bad = LABELLED.replace("label: the colour blue", "label: ''")
    with pytest.raises(VocabularyError, match="the label of 'blue' is empty"):
        kb.load_knowledge_base(write_kb(tmp_path / "k", REACH_FLAG_PAID_RULES, vocabulary=bad))


def test_the_built_in_agreement_reads_force_majeure_as_sentences(agreement):
    v = agreement.vocabulary
    assert v.sentence("event", ("quake", "earthquake")) == "the event quake is an earthquake (listed in 9.2)"
    assert v.sentence("criterion_not_met", ("flood1", "unforeseeable")) == "the event flood1 is found not to be unforeseeable"
    assert v.sentence("interpretation", ("hackers_listed",)) == \
        'the reading “"Hackers" and "network congestion" are two listed events” is adopted'


def test_html_sentences_escape_the_words_and_mark_each_value(tmp_path):
    vocab = LABELLED.replace('says: "{n} is painted {c}"', 'says: "{n} is painted <{c}> & done"')
    small = kb.load_knowledge_base(write_kb(tmp_path / "k", REACH_FLAG_PAID_RULES, vocabulary=vocab))
    assert small.vocabulary.sentence_html("paint", ("n1", "red")) == (
        '<span class="kb-value kb-id">n1</span> is painted &lt;<span class="kb-value kb-enum">the colour red'
        '</span>&gt; &amp; done')
    assert small.vocabulary.sentence_html("link", ("a", "b")) == '<code class="kb-atom">link(a, b)</code>'
