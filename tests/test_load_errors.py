"""Load-time errors of a knowledge base: one test (at least) per error class.

Each test writes a small knowledge base (the conftest vocabulary and text) with
one defect in ``rules/graph.dl`` and asserts the error's class, its file and
exact line, and the whole readable line ``str(error)`` that the CLI prints.
The working directory is the test's tmp_path, so the first knowledge base a
test makes is displayed as ``kb0/...``.
"""
from __future__ import annotations

import pytest

import kb
from kb.errors import (
    ArityError, CitationError, KbError, KbSyntaxError, OverrideError, StratificationError,
    UnknownClauseError, UnknownPredicateError, UnsafeVariableError, ValueTypeError,
)

RULE_FILE = "kb0/rules/graph.dl"


@pytest.fixture
def load_error(make_kb, tmp_path, monkeypatch):
    """load_error(rule_text, ErrorClass) -> the error raised loading a kb with that rule file."""
    monkeypatch.chdir(tmp_path)

    def run(text: str, error_type: type[KbError]) -> KbError:
        with pytest.raises(error_type) as info:
            make_kb({"graph": text})
        err = info.value
        assert type(err) is error_type  # not merely a subclass
        assert isinstance(err, KbError)
        return err

    return run


def test_the_small_knowledge_base_loads_when_nothing_is_wrong(make_kb, tmp_path, monkeypatch):
    """Control: the annotations used below are valid, so each test's error is its own defect."""
    monkeypatch.chdir(tmp_path)
    small = make_kb({"graph": """\
        @rule reach_by_link
        @cites 1.1
        @gloss A link makes its target reachable.
        @quote 1.1 "A node is reachable"
        reach(X, Y) :- link(X, Y).

        @rule reach_by_path
        @cites 1.1
        @gloss Reachability follows paths of links.
        @quote 1.1 "when a path of links leads to it"
        reach(X, Z) :- reach(X, Y), link(Y, Z).

        @param grace
        @cites 2.1
        @gloss Days before renewal the fee is due.
        @quote 2.1 "7 days"
        param grace = 7.
        """})
    result = small.evaluate(["link(a, b)", "link(b, c)"])
    assert [c.text for c in result.conclusions] == ["reach(a, b)", "reach(a, c)", "reach(b, c)"]


# --- syntax errors -------------------------------------------------------------------

def test_statement_missing_its_final_dot_is_a_syntax_error_at_the_statement_line(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Y) :- link(X, Y)
""", KbSyntaxError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == f"{RULE_FILE}:5: syntax error: statement starting with 'reach' is not terminated by '.'"


def test_missing_dot_before_the_next_annotation_points_at_that_annotation(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Y) :- link(X, Y)

@rule r2
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Z) :- reach(X, Y), link(Y, Z).
""", KbSyntaxError)
    assert (err.file, err.line) == (RULE_FILE, 7)
    assert str(err) == (f"{RULE_FILE}:7: syntax error: annotation inside an unfinished statement "
                        f"(missing '.' above?)")


def test_stray_character_is_a_syntax_error_naming_the_character_and_column(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Y) :- link(X, Y) & node(X).
""", KbSyntaxError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == f"{RULE_FILE}:5: syntax error: unexpected character '&' at column 27"


def test_unterminated_string_is_a_syntax_error_on_its_line(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
flagged(X) :-
    node(X),
    paint(X, "red).
""", KbSyntaxError)
    assert (err.file, err.line) == (RULE_FILE, 7)
    assert str(err) == f"{RULE_FILE}:7: syntax error: unterminated string"


def test_unknown_annotation_is_a_syntax_error_listing_the_known_ones(load_error):
    err = load_error("""\
@rule r1
@cite 1.1
reach(X, Y) :- link(X, Y).
""", KbSyntaxError)
    assert (err.file, err.line) == (RULE_FILE, 2)
    assert str(err) == (f"{RULE_FILE}:2: syntax error: unknown annotation '@cite' (expected one of: "
                        f"@rule, @param, @cites, @gloss, @quote, @overrides, @differs)")


def test_rule_without_rule_id_is_a_syntax_error(load_error):
    err = load_error("""\
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Y) :- link(X, Y).
""", KbSyntaxError)
    assert (err.file, err.line) == (RULE_FILE, 4)
    assert str(err) == f"{RULE_FILE}:4: syntax error: statement 'reach' has no @rule id above it"


def test_rule_id_used_twice_names_the_first_use(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Y) :- link(X, Y).

@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Z) :- reach(X, Y), link(Y, Z).
""", KbSyntaxError)
    assert (err.file, err.line) == (RULE_FILE, 7)
    assert str(err) == f"{RULE_FILE}:7: syntax error: rule id 'r1' is already used at line 5"


# --- vocabulary: predicates, arity, types, parameters -----------------------------------

def test_unknown_predicate_in_a_body_suggests_the_closest_name(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Y) :- link(X, Y).

@rule r2
@cites 1.1
@gloss g.
@quote 1.1 "when a path of links leads to it"
reach(X, Z) :- reahc(X, Y), link(Y, Z).
""", UnknownPredicateError)
    assert (err.file, err.line) == (RULE_FILE, 11)
    assert (err.predicate, err.suggestion) == ("reahc", "reach")
    assert str(err) == (f"{RULE_FILE}:11: unknown predicate: 'reahc' is not in the vocabulary "
                        f"(did you mean 'reach'?)")


def test_wrong_arity_gives_the_declared_signature(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Y) :- link(X, Y, Y).
""", ArityError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == (f"{RULE_FILE}:5: wrong arity: 'link' takes 2 arguments (link(from: id, to: id)), got 3")


def test_wrong_arity_in_the_head(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
isolated(X, Y) :- link(X, Y).
""", ArityError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == f"{RULE_FILE}:5: wrong arity: 'isolated' takes 1 argument (isolated(n: id)), got 2"


def test_input_predicate_as_a_rule_head_is_rejected(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
node(X) :- link(X, _).
""", UnknownPredicateError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert err.predicate == "node"
    assert str(err) == (f"{RULE_FILE}:5: unknown predicate: 'node' is an input that scenarios assert; "
                        f"rules may not conclude it (declare a conclusion in the vocabulary instead)")


def test_misspelt_enum_value_in_a_rule_is_a_type_error_with_suggestion(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
flagged(X) :- paint(X, rde).
""", ValueTypeError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert err.suggestion == "red"
    assert str(err) == (f"{RULE_FILE}:5: wrong type: argument 2 (c) of paint must be one of the colour values "
                        f"(red, blue), got rde (did you mean 'red'?)")


def test_symbol_where_a_date_is_declared_is_a_type_error(load_error):
    err = load_error("""\
@rule r1
@cites 2.1
@gloss g.
@quote 2.1 "The fee is due"
on_time(D) :- paid(D), due(tomorrow).
""", ValueTypeError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == (f"{RULE_FILE}:5: wrong type: argument 1 (d) of due must be a date written YYYY-MM-DD, "
                        f"got tomorrow")


def test_unknown_parameter_suggests_the_closest_parameter(load_error):
    err = load_error("""\
@param grace
@cites 2.1
@gloss g.
@quote 2.1 "7 days"
param grace = 7.

@rule r1
@cites 2.1
@gloss g.
@quote 2.1 "The fee is due"
on_time(D) :- paid(D), due(E), D <= E - $grcae.
""", KbSyntaxError)
    assert (err.file, err.line) == (RULE_FILE, 11)
    assert err.suggestion == "$grace"
    assert str(err) == (f"{RULE_FILE}:11: syntax error: rule 'r1' uses unknown parameter '$grcae' "
                        f"(did you mean '$grace'?)")


# --- safety -----------------------------------------------------------------------

def test_head_variable_not_bound_by_the_body_is_unsafe(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Y) :- node(X).
""", UnsafeVariableError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == (f"{RULE_FILE}:5: unsafe variable: rule 'r1': variable Y in the head does not occur in a "
                        f"positive body atom (every head variable must be bound by the body)")


def test_variable_only_under_not_is_unsafe(load_error):
    err = load_error("""\
@rule r1
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
isolated(X) :- node(X), not link(X, Y).
""", UnsafeVariableError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == (f"{RULE_FILE}:5: unsafe variable: rule 'r1': variable Y in 'not link(X, Y)' is not "
                        f"bound by a positive body atom.")


def test_anonymous_variable_under_not_is_unsafe_and_the_message_says_how_to_fix_it(load_error):
    err = load_error("""\
@rule r1
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
isolated(X) :- node(X), not link(X, _).
""", UnsafeVariableError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    # the atom is shown as written: '_', not the kit's internal name for the anonymous variable
    assert str(err) == (
        f"{RULE_FILE}:5: unsafe variable: rule 'r1': variable _ in 'not link(X, _)' is not bound by a positive "
        f"body atom. An anonymous '_' under 'not' is not allowed: define a helper conclusion "
        f"(has_x(A) :- x(A, _).) and negate that.")


def test_comparison_on_an_unbound_variable_is_unsafe(load_error):
    err = load_error("""\
@rule r1
@cites 2.1
@gloss g.
@quote 2.1 "The fee is due"
on_time(D) :- paid(D), D <= E.
""", UnsafeVariableError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == (f"{RULE_FILE}:5: unsafe variable: rule 'r1': variable E in 'D <= E' is not bound by a "
                        f"positive body atom")


# --- stratification ------------------------------------------------------------------

def test_predicate_negating_itself_is_negation_through_recursion(load_error):
    err = load_error("""\
@rule r1
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
flagged(X) :- node(X), not flagged(X).
""", StratificationError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert err.predicate == "flagged"
    assert str(err) == (f"{RULE_FILE}:5: negation through recursion: rule 'r1': flagged depends on "
                        f"'not flagged', and flagged depends back on flagged (recursive cycle through negation: "
                        f"flagged); such a program has no well-defined answer")


def test_two_predicates_negating_each_other_is_negation_through_recursion(load_error):
    err = load_error("""\
@rule r1
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
flagged(X) :- node(X), not isolated(X).

@rule r2
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
isolated(X) :- node(X), not flagged(X).
""", StratificationError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == (f"{RULE_FILE}:5: negation through recursion: rule 'r1': flagged depends on "
                        f"'not isolated', and isolated depends back on flagged (recursive cycle through "
                        f"negation: flagged, isolated); such a program has no well-defined answer")


def test_positive_recursion_is_not_a_stratification_error(make_kb):
    small = make_kb({"graph": """\
        @rule reach_by_link
        @cites 1.1
        @gloss g.
        @quote 1.1 "A node is reachable"
        reach(X, Y) :- link(X, Y).

        @rule reach_by_path
        @cites 1.1
        @gloss g.
        @quote 1.1 "when a path of links leads to it"
        reach(X, Z) :- reach(X, Y), link(Y, Z).

        @rule isolated_node
        @cites 1.2
        @gloss g.
        @quote 1.2 "A node is isolated when nothing is reachable from it"
        isolated(X) :- node(X), not reach(X, X).
        """})
    assert small.evaluate(["node(a)", "link(b, b)", "node(b)"]).ask("isolated(N)") == [{"N": "a"}]


# --- overrides -----------------------------------------------------------------------

def test_override_cycle_is_rejected(load_error):
    err = load_error("""\
@rule x
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
@overrides y
flagged(X) :- node(X).

@rule y
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
@overrides x
not flagged(X) :- paint(X, red).
""", OverrideError)
    assert (err.file, err.line) == (RULE_FILE, 6)
    assert str(err) == f"{RULE_FILE}:6: override error: override cycle: x overrides y overrides x"


def test_override_naming_an_unknown_rule_suggests_the_closest_rule(load_error):
    err = load_error("""\
@rule base
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
flagged(X) :- node(X).

@rule exc
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
@overrides bsae
not flagged(X) :- paint(X, red).
""", OverrideError)
    assert (err.file, err.line) == (RULE_FILE, 12)
    assert err.suggestion == "base"
    assert str(err) == (f"{RULE_FILE}:12: override error: rule 'exc' overrides 'bsae', which is not a rule "
                        f"(did you mean 'base'?)")


def test_not_head_without_overrides_is_an_override_error(load_error):
    err = load_error("""\
@rule exc
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
not flagged(X) :- paint(X, red).
""", OverrideError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert str(err) == (f"{RULE_FILE}:5: override error: rule 'exc' concludes 'not flagged' but overrides "
                        f"nothing: a 'not' head is an exception and must name the rule it defeats with @overrides")


def test_exception_with_the_same_polarity_as_its_target_is_an_override_error(load_error):
    err = load_error("""\
@rule base
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
flagged(X) :- node(X).

@rule exc
@cites 1.2
@gloss g.
@quote 1.2 "A node is isolated"
@overrides base
flagged(X) :- paint(X, red).
""", OverrideError)
    assert (err.file, err.line) == (RULE_FILE, 12)
    assert str(err) == (f"{RULE_FILE}:12: override error: exception 'exc' must conclude the opposite of 'base' "
                        f"(both conclude 'flagged')")


# --- citations -----------------------------------------------------------------------

def test_citing_a_clause_that_does_not_exist_suggests_the_closest_clause(load_error):
    err = load_error("""\
@rule r1
@cites 2.2
@gloss g.
@quote 2.1 "The fee is due"
reach(X, Y) :- link(X, Y).
""", UnknownClauseError)
    assert (err.file, err.line) == (RULE_FILE, 5)
    assert (err.clause, err.suggestion) == ("2.2", "2.1")
    assert str(err) == (f"{RULE_FILE}:5: unknown clause: rule 'r1' cites clause '2.2', which does not exist "
                        f"(did you mean '2.1'?)")


def test_parameter_without_cites_is_a_citation_error(load_error):
    err = load_error("""\
@param grace
@gloss Days before renewal the fee is due.
@quote 2.1 "7 days"
param grace = 7.
""", CitationError)
    assert (err.file, err.line) == (RULE_FILE, 4)
    assert str(err) == (f"{RULE_FILE}:4: citation error: parameter 'grace' has no @cites: every parameter "
                        f"must cite the clause(s) it encodes")


def test_rule_without_cites_is_a_citation_error(load_error):
    err = load_error("""\
@rule r1
@gloss g.
@quote 1.1 "A node is reachable"
reach(X, Y) :- link(X, Y).
""", CitationError)
    assert (err.file, err.line) == (RULE_FILE, 4)
    assert str(err) == (f"{RULE_FILE}:4: citation error: rule 'r1' has no @cites: every rule must cite the "
                        f"clause(s) it encodes")


def test_quote_that_does_not_match_the_clause_text_points_at_the_quote_line(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "A node is unreachable"
reach(X, Y) :- link(X, Y).
""", CitationError)
    assert (err.file, err.line, err.clause) == (RULE_FILE, 4, "1.1")
    assert str(err) == (f"{RULE_FILE}:4: citation error: @quote does not match the text of clause 1.1: "
                        f"\"A node is unreachable\"")


def test_quote_fragments_out_of_order_do_not_match(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.1 "a path of links ... A node is reachable"
reach(X, Y) :- link(X, Y).
""", CitationError)
    assert (err.file, err.line) == (RULE_FILE, 4)
    assert str(err) == (f"{RULE_FILE}:4: citation error: @quote does not match the text of clause 1.1: "
                        f"\"A node is reachable\"")


def test_quote_from_a_clause_the_rule_does_not_cite_is_a_citation_error(load_error):
    err = load_error("""\
@rule r1
@cites 1.1
@gloss g.
@quote 1.2 "A node is isolated"
reach(X, Y) :- link(X, Y).
""", CitationError)
    assert (err.file, err.line) == (RULE_FILE, 4)
    assert str(err) == f"{RULE_FILE}:4: citation error: @quote is from clause 1.2, which the rule 'r1' does not @cite"


def test_every_load_error_is_a_kberror_and_never_another_exception(make_kb, tmp_path, monkeypatch):
    """A handful of malformed files: each raises a KbError subclass (never a bare Python error)."""
    monkeypatch.chdir(tmp_path)
    broken = [
        "reach(X, Y) :- link(X, Y).\n",                       # no annotations at all
        "@rule r1\n",                                           # annotations with no statement
        "@rule r1\n@cites 1.1\n@gloss g.\n@quote 1.1 \"A node is reachable\"\nreach(X, Y) :- .\n",
        "@rule r1\n@cites 1.1\n@gloss g.\n@quote 1.1 \"A node is reachable\"\n:- link(X, Y).\n",
        "@rule r1\n@cites 1.1\n@gloss g.\n@quote 1.1 \"A node is reachable\"\nReach(X, Y) :- link(X, Y).\n",
        "@rule r1\n@cites 1.1\n@gloss g.\n@quote 1.1 \"A node is reachable\"\nreach(X, Y) :- link(X, Y)).\n",
        "@rule r1\n@cites x.y\n@gloss g.\n@quote 1.1 \"A node is reachable\"\nreach(X, Y) :- link(X, Y).\n",
        "@rule r1\n@cites 1.1\n@gloss g.\n@quote 1.1 unquoted\nreach(X, Y) :- link(X, Y).\n",
        "@param p\n@cites 2.1\n@gloss g.\n@quote 2.1 \"7 days\"\nparam p = seven.\n",
        "@rule r1\n@cites 2.1\n@gloss g.\n@quote 2.1 \"The fee\"\non_time(D) :- paid(D), D < 2026-02-30.\n",
    ]
    for i, text in enumerate(broken):
        with pytest.raises(KbError) as info:
            make_kb({"graph": text})
        assert str(info.value).startswith(f"kb{i}/rules/graph.dl:"), (text, str(info.value))
        assert "Traceback" not in str(info.value)
