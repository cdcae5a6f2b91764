"""Property tests (hypothesis, issue 15): random bytes and random token sequences fed to the rule
parser (and the program's checks), the scenario reader and the query parser. Every outcome is a
result or a KbError whose message is one line; never another exception (a traceback), never a
hang (each example has a deadline). Derandomized, so CI sees the same examples every run."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kb
from kb.errors import KbError
from kb.program import build_program
from kb.scenario import load_scenario
from kb.syntax import parse_rule_file
from kb.yamlio import decode_source

BASE_KB = Path(__file__).parent / "bad_input" / "base_kb"
SETTINGS = settings(max_examples=300, deadline=dt.timedelta(seconds=2), derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

RULE_TOKENS = ["reach(", "link(", "node(", "flagged(", "fee(", "X", "Y", "A", "_", ")", ",", ":-", ".", "not ", "param ",
               "grace_days", "= ", "$grace_days", "1", "7", "1.50", "-", "+", "*", "(", "<", "<=", "!=", "2026-03-01",
               '"s"', '"', "sum(", "count(", "least(", "months_started(", ":", "\n", " ", "% c\n",
               "@rule r1\n", "@rule r2\n", "@cites 1.1\n", '@quote 1.1 "A node is reachable"\n', "@gloss g.\n",
               "@overrides r1\n", "@param grace_days\n", "under ", "9" * 20, "١٢", "\x00", "\x1b", "__x", "'", "\ufeff",
               "é", "\t", "\r"]
QUERY_TOKENS = ["refund_due(", "liable(", "event(", "t1", "c1", "X", "_", ")", ",", "(", ".", "800.00", "-", "1" * 30,
                "2026-02-30", "2026-03-01", '"x', '"x"', "not ", "Liable", "__import__", "١", "\x1b", " ", "quake",
                "earthquake", "jd_cloud", ":-", "$p", "9" * 5000]
YAML_TOKENS = ["scenario: ", "facts:", "denied:", "unknown:", "expect:", "interpretations:", "\n", "  - ", "    ",
               "holds: ", "does_not_hold: ", "open: ", "cites: ", "[", "]", "{", "}", ", ", "&a ", "*a", "&b ", "*b",
               "event(quake, earthquake)", "suffered(jd_cloud, quake)", "force_majeure(quake)", "9.1", "x", '"', "'",
               "---", "#", "!!python/object:os.system ", "? ", ": ", "|", ">", "\t", "\x1b", "\ufeff", "٣", "- ",
               "service_monthly_fee(c1, -5)", "user_claims_damages(outage, direct_damages, " + "9" * 40 + ")"]


@pytest.fixture(scope="module")
def small():
    return kb.load_knowledge_base(BASE_KB)


@pytest.fixture(scope="module")
def agreement():
    return kb.load_agreement()


def one_line_or_result(call):
    """Run ``call``: a result, or a KbError that prints as one line; anything else fails the test."""
    try:
        return call()
    except KbError as exc:
        text = str(exc)
        assert "\n" not in text and "\r" not in text, repr(text)
        assert text.strip(), "an empty error message"
        return exc


def _rule_file(text: str, small):
    def run():
        parsed = parse_rule_file(text, "zz.dl", area="graph")
        base = parse_rule_file((BASE_KB / "rules" / "graph.dl").read_text(encoding="utf-8"), "graph.dl", area="graph")
        return build_program([base, parsed], small.vocabulary, small.clauses)
    return one_line_or_result(run)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_as_a_rule_file(small, data):
    text = one_line_or_result(lambda: decode_source(data, "zz.dl"))
    if isinstance(text, str):
        _rule_file(text, small)


@SETTINGS
@given(st.lists(st.sampled_from(RULE_TOKENS), max_size=60))
def test_random_token_sequences_as_a_rule_file(small, tokens):
    _rule_file("".join(tokens), small)


@SETTINGS
@given(st.lists(st.sampled_from(RULE_TOKENS), max_size=40))
def test_random_rules_after_a_valid_header(small, tokens):
    """Statements that reach the program's checks: a valid header, then random tokens."""
    header = '@rule r9\n@cites 1.1\n@gloss g.\n@quote 1.1 "A node is reachable"\nflagged(X) :- node(X)'
    _rule_file(header + "".join(tokens) + ".\n", small)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_as_a_scenario_file(agreement, data):
    text = one_line_or_result(lambda: decode_source(data, "s.yaml"))
    if isinstance(text, str):
        one_line_or_result(lambda: load_scenario(text, agreement.vocabulary, file="s.yaml"))


@SETTINGS
@given(st.lists(st.sampled_from(YAML_TOKENS), max_size=60))
def test_random_token_sequences_as_a_scenario_file(agreement, tokens):
    one_line_or_result(lambda: load_scenario("".join(tokens), agreement.vocabulary, file="s.yaml"))


@SETTINGS
@given(st.text(max_size=80))
def test_random_text_as_a_query(agreement, text):
    one_line_or_result(lambda: agreement.parse_pattern(text))


@SETTINGS
@given(st.lists(st.sampled_from(QUERY_TOKENS), max_size=30))
def test_random_token_sequences_as_a_query(agreement, tokens):
    result = one_line_or_result(lambda: agreement.parse_pattern("".join(tokens)))
    if not isinstance(result, KbError):  # a pattern that parses names a declared predicate
        assert result.pred in agreement.vocabulary.all_predicates()


# --- structured: well-formed shapes with random parts, so that examples reach the deeper checks

VALUES = ["quake", "earthquake", "jd_cloud", "user", "outage", "c1", "t1", "X", "_", "2026-03-01", "2026-02-30",
          "100.00", "100.005", "-5", "0", "23", "24", "99", "1" * 16, "١٢", '"s"', "direct_damages", "__x", ""]
INPUTS = ["event", "suffered", "breach", "breach_caused_by", "service_monthly_fee", "user_claims_damages",
          "fee_payment", "service_created_on", "other_retention_period_days", "refund_due", "liable", "nope"]


def _atoms(preds):
    return st.builds(lambda p, args: f"{p}({', '.join(args)})", st.sampled_from(preds),
                     st.lists(st.sampled_from(VALUES), min_size=0, max_size=4))


@SETTINGS
@given(st.lists(_atoms(INPUTS), max_size=6), st.lists(_atoms(INPUTS), max_size=3),
       st.lists(st.sampled_from(["holds", "does_not_hold", "open"]), max_size=3))
def test_structured_scenarios(agreement, facts, expected, kinds):
    lines = ["scenario: structured", "facts:"] + [f'  - "{f}"' for f in facts] + ["expect:"]
    lines += [f'  - {k}: "{a}"' for k, a in zip(kinds, expected)]
    result = one_line_or_result(lambda: load_scenario("\n".join(lines) + "\n", agreement.vocabulary, file="s.yaml"))
    if not isinstance(result, KbError):
        one_line_or_result(lambda: agreement.evaluate(result).conclusions)


@SETTINGS
@given(_atoms(INPUTS))
def test_structured_queries(agreement, text):
    result = one_line_or_result(lambda: agreement.parse_pattern(text))
    if not isinstance(result, KbError):
        assert result.pred in agreement.vocabulary.all_predicates()


BODY = ["node(X)", "link(X, Y)", "link(Y, X)", "fee(A)", "not flagged(X)", "not link(X, X)", "A > 1.00", "A > 1",
        "A = sum(B, Z : fee(B), node(Z))", "N = count(Z : node(Z))", "D = 2026-03-01 + $grace_days", "due(D)",
        "least(A, 2.00) >= 0.00", "X != Y", "reach(X, Y)", "paid(P)", "P <= D", "X = 1"]
HEADS = ["flagged(X)", "isolated(X)", "reach(X, Y)", "on_time(D)", "not reach(X, Y)", "node(X)"]


@SETTINGS
@given(st.sampled_from(HEADS), st.lists(st.sampled_from(BODY), min_size=1, max_size=5))
def test_structured_rules(small, head, body):
    text = '@rule r9\n@cites 1.1\n@gloss g.\n@quote 1.1 "A node is reachable"\n'
    if head.startswith("not "):
        text += "@overrides reach_link\n"
    _rule_file(text + f"{head} :- {', '.join(body)}.\n", small)
