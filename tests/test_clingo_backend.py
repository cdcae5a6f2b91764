"""The clingo back end (kb.clingo_engine, kb.asp): the same answers as the pyDatalog engine, ASP
text built from the parsed program only, aggregates and built-in functions with the kit's
semantics, and clingo's 32-bit integers guarded: a value or a result beyond them is refused with
a clear EngineError instead of wrapping silently."""
from __future__ import annotations

import clingo
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kb
from kb.asp import INT_MAX, INT_MIN, AspContext, asp_string, check_int, decode_string, encode_string
from kb.clingo_engine import ClingoEngine, model_differences
from kb.engine import Engine
from kb.errors import EngineError

# --- a small knowledge base with amounts, dates, integers and strings --------------------

TEXT = """**1. Fees**
1.1. The fees of a service are the sum of its payments.
1.2. The largest and the smallest payment are recorded.
1.3. A fee is charged per month, for the months started.
"""

VOCABULARY = """
areas:
  fees: Fees
types:
  signed_amount:  # input amounts are 0 or more unless their type says otherwise (issue 15)
    kind: amount
    min: -99999999999.99
    doc: An amount that may be negative (a payment reversed), to test clingo's 32-bit bounds on both sides.
inputs:
  service:
    args: {s: id}
    doc: A service.
    area: fees
  payment:
    args: {p: id, s: id, a: signed_amount}
    doc: A payment for the service.
    area: fees
  monthly_fee:
    args: {s: id, a: amount}
    doc: The monthly fee of the service.
    area: fees
  months:
    args: {s: id, n: integer}
    doc: Months of service.
    area: fees
  period:
    args: {s: id, from: date, to: date}
    doc: The service period.
    area: fees
  note:
    args: {s: id, text: string}
    doc: A note on the service.
    area: fees
conclusions:
  total_paid:
    args: {s: id, a: amount}
    doc: What was paid for the service in all.
    area: fees
  payment_count:
    args: {s: id, n: integer}
    doc: How many payments the service had.
    area: fees
  largest_payment:
    args: {s: id, a: amount}
    doc: The largest payment.
    area: fees
  smallest_payment:
    args: {s: id, a: amount}
    doc: The smallest payment.
    area: fees
  fee_due:
    args: {s: id, a: amount}
    doc: The fee for the months of service.
    area: fees
  months_charged:
    args: {s: id, n: integer}
    doc: Months started in the period.
    area: fees
  period_end_plus_week:
    args: {s: id, d: date}
    doc: A week after the period ends.
    area: fees
  shares:
    args: {s: id, a: amount}
    doc: A third of the monthly fee.
    area: fees
  noted:
    args: {s: id, text: string}
    doc: The service carries the note.
    area: fees
"""

HEAD = '@cites {c}\n@gloss g.\n@quote {c} "{q}"\n'
Q = {"1.1": "the sum of its payments", "1.2": "The largest and the smallest payment", "1.3": "per month"}


def rule(rid: str, clause: str, text: str) -> str:
    return f"@rule {rid}\n" + HEAD.format(c=clause, q=Q[clause]) + text + "\n"


RULES = "".join([
    rule("total", "1.1", "total_paid(S, T) :- service(S), T = sum(A, P : payment(P, S, A))."),
    rule("count_payments", "1.1", "payment_count(S, N) :- service(S), N = count(P : payment(P, S, _))."),
    rule("largest", "1.2", "largest_payment(S, M) :- service(S), M = max(A, P : payment(P, S, A))."),
    rule("smallest", "1.2", "smallest_payment(S, M) :- service(S), M = min(A, P : payment(P, S, A))."),
    rule("fee", "1.3", "fee_due(S, F) :- monthly_fee(S, M), months(S, N), F = M * N."),
    rule("charged", "1.3", "months_charged(S, N) :- period(S, A, B), N = months_started(A, B)."),
    rule("week", "1.3", "period_end_plus_week(S, E) :- period(S, _, D), E = D + 7."),
    rule("third", "1.3", "shares(S, T) :- monthly_fee(S, M), T = prorate(M, 1, 3)."),
    rule("noted", "1.1", "noted(S, T) :- note(S, T)."),
])


@pytest.fixture
def fees_kb(make_kb):
    return make_kb({"fees": RULES}, vocabulary=VOCABULARY, text=TEXT)


def both(knowledge_base, facts: list[str], only=None):
    """The model of both back ends (they must agree) for the fact strings."""
    keys = [f.key for f in knowledge_base.scenario(facts).facts]
    engine = ClingoEngine(knowledge_base.program)
    clingo_model = engine.evaluate(keys, only=only)
    pyd_model = knowledge_base.engine.evaluate(keys, only=only)
    assert model_differences(pyd_model, clingo_model) == []
    return clingo_model


# --- aggregates and functions: the kit's semantics ---------------------------------------

def test_sum_count_min_max_of_nothing(fees_kb):
    model = both(fees_kb, ["service(s1)"])
    assert model["total_paid"] == {("s1", 0)}  # sum of nothing is 0
    assert model["payment_count"] == {("s1", 0)}  # count of nothing is 0
    assert model["largest_payment"] == frozenset()  # max of nothing: no value, no conclusion
    assert model["smallest_payment"] == frozenset()


def test_aggregates_over_distinct_tuples_keep_equal_amounts_of_different_items(fees_kb):
    model = both(fees_kb, ["service(s1)", "payment(p1, s1, 100.00)", "payment(p2, s1, 100.00)",
                           "payment(p3, s1, -20.50)", "payment(p4, s2, 7.00)"])
    assert model["total_paid"] == {("s1", 17950)}
    assert model["payment_count"] == {("s1", 3)}
    assert model["largest_payment"] == {("s1", 10000)}
    assert model["smallest_payment"] == {("s1", -2050)}


def test_builtin_functions_run_the_kits_python_functions(fees_kb):
    model = both(fees_kb, ['period(s1, 2026-01-15, 2026-02-16)', 'period(s2, 2026-03-01, 2026-02-01)',
                           "monthly_fee(s1, 100.00)", "monthly_fee(s2, 0.02)"])
    assert model["months_charged"] == {("s1", 2)}  # s2 ends before it starts: no value
    assert model["shares"] == {("s1", 3333), ("s2", 1)}  # rounded half up: 0.666... -> 1 cent


def test_string_values_come_back_verbatim(fees_kb):
    notes = ['a "quoted" word', "back\\slash", "new\nline", "per%cent", "中文", "nul\x00byte", "\x1f", "", "%25"]
    facts = [f'note(s{i}, "' + n.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '")'
             for i, n in enumerate(notes) if "\x00" not in n and "\x1f" not in n]
    model = both(fees_kb, facts)
    assert {t for _, t in model["noted"]} == {kb.terms.STRING_PREFIX + n for n in notes
                                             if "\x00" not in n and "\x1f" not in n}
    # values the parser would not produce, straight to the engine: still kept apart, verbatim
    engine = ClingoEngine(fees_kb.program)
    odd = [("note", (f"s{i}", n)) for i, n in enumerate(notes)]
    assert engine.evaluate(odd)["noted"] == {args for _, args in odd}


def test_only_gives_the_same_answer_as_the_whole_model(fees_kb):
    facts = ["service(s1)", "payment(p1, s1, 100.00)", "monthly_fee(s1, 3.00)", "months(s1, 4)"]
    model = both(fees_kb, facts, only=["fee_due"])
    assert model["fee_due"] == {("s1", 1200)}
    assert "total_paid" not in model
    assert both(fees_kb, facts)["fee_due"] == model["fee_due"]


# --- clingo's 32-bit integers ------------------------------------------------------------

def test_amounts_up_to_the_32_bit_limit_are_exact(fees_kb):
    model = both(fees_kb, ["service(s1)", "payment(p1, s1, 21474836.47)", "monthly_fee(s1, 21474836.47)",
                           "months(s1, 1)", "payment(p2, s2, -21474836.48)"])
    assert model["total_paid"] == {("s1", INT_MAX)}
    assert model["fee_due"] == {("s1", INT_MAX)}
    assert model["shares"] == {("s1", 715827882)}  # prorate in Python: INT_MAX/3, no overflow inside


@pytest.mark.parametrize("fact", ["payment(p1, s1, 21474836.48)", "payment(p1, s1, -21474836.49)",
                                  "months(s1, 2147483648)", "months(s1, -2147483649)"])
def test_a_value_beyond_32_bits_is_refused_before_it_reaches_clingo(fees_kb, fact):
    engine = ClingoEngine(fees_kb.program)
    keys = [f.key for f in fees_kb.scenario(["service(s1)", fact]).facts]
    with pytest.raises(EngineError) as info:
        engine.evaluate(keys)
    message = info.value.message
    assert "outside the range of the clingo back end (32-bit integers" in message
    assert "use the default back end" in message and "\n" not in message
    fees_kb.engine.evaluate(keys)  # the pyDatalog engine has no such limit


def test_a_product_that_overflows_is_refused_not_wrapped(fees_kb):
    engine = ClingoEngine(fees_kb.program)
    ok = [f.key for f in fees_kb.scenario(["monthly_fee(s1, 10737418.23)", "months(s1, 2)"]).facts]
    assert engine.evaluate(ok)["fee_due"] == {("s1", 2147483646)}
    over = [f.key for f in fees_kb.scenario(["monthly_fee(s1, 10737418.24)", "months(s1, 2)"]).facts]
    with pytest.raises(EngineError) as info:
        engine.evaluate(over)
    assert info.value.message.startswith("the product 1073741824 * 2 is 2147483648, outside the range")
    assert fees_kb.engine.evaluate(over)["fee_due"] == {("s1", 2 ** 31)}  # what pyDatalog computes


def test_a_sum_that_overflows_is_refused_not_wrapped(fees_kb):
    engine = ClingoEngine(fees_kb.program)
    exact = ["service(s1)", "payment(p1, s1, 21474836.00)", "payment(p2, s1, 0.47)"]
    assert engine.evaluate([f.key for f in fees_kb.scenario(exact).facts])["total_paid"] == {("s1", INT_MAX)}
    over = ["service(s1)", "payment(p1, s1, 21474836.00)", "payment(p2, s1, 0.48)"]
    with pytest.raises(EngineError) as info:
        engine.evaluate([f.key for f in fees_kb.scenario(over).facts])
    assert info.value.message.startswith("a sum is 2147483648, outside the range of the clingo back end")
    low = ["service(s1)", "payment(p1, s1, -21474836.48)", "payment(p2, s1, -0.01)"]
    with pytest.raises(EngineError):
        engine.evaluate([f.key for f in fees_kb.scenario(low).facts])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(INT_MIN, INT_MAX), max_size=6))
def test_the_sliced_sum_is_exact_or_refused(values):
    """A #sum adds 11-bit slices of its weights: recombined, it is the exact sum, or an error."""
    facts = "".join(f"v({i},{x})." for i, x in enumerate(values))
    prog = (facts + "#defined v/2. s(@kb_sum(H,M,L)) :- L=#sum{X\\2048,X,I:v(I,X)}, "
            "M=#sum{(X/2048)\\2048,X,I:v(I,X)}, H=#sum{(X/2048)/2048,X,I:v(I,X)}.")
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], prog)
    total = sum(values)
    if INT_MIN <= total <= INT_MAX:
        ctl.ground([("base", [])], context=AspContext())
        found = []
        ctl.solve(on_model=lambda m: found.extend(m.symbols(atoms=True)))
        assert [s.arguments[0].number for s in found if s.name == "s"] == [total]
    else:
        with pytest.raises(EngineError):
            ctl.ground([("base", [])], context=AspContext())


def test_check_int_bounds():
    assert check_int(INT_MAX) == INT_MAX and check_int(INT_MIN) == INT_MIN
    for bad in (INT_MAX + 1, INT_MIN - 1, True, "1"):
        with pytest.raises(EngineError):
            check_int(bad)


def test_date_arithmetic_is_native_and_amount_arithmetic_is_checked(fees_kb):
    text = ClingoEngine(fees_kb.program).asp_text
    week = next(line for line in text.splitlines() if line.startswith("period_end_plus_week("))
    assert "@kb_" not in week and "+7" in week  # a date plus 7 days cannot leave 32 bits
    fee = next(line for line in text.splitlines() if line.startswith("fee_due("))
    assert "@kb_mul(" in fee


# --- the ASP text: built from the parsed program, nothing from input closes a term -----------

HOSTILE = [
    '"). #script (python) import os; os.system("touch MARKER") #end. p("',
    "x\" :- a. #include \"/etc/passwd\". p(\"",
    "%* block comment", "% line comment", "\\\"", "\\", "a\nb. q.", "\x00", "#show. #const x=1.",
    "é中文🙂", "%", "%2522", "\ud800",
]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_encoding_round_trips_through_clingo(value):
    encoded = encode_string(value)
    assert all(0x20 <= ord(c) < 0x7F and c not in '"\\' for c in encoded)
    assert decode_string(encoded) == value
    assert decode_string(clingo.String(encoded).string) == value
    parsed = clingo.parse_term(asp_string(value))
    assert decode_string(parsed.string) == value


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_are_single_string_constants(value):
    text = asp_string(value)
    assert text.count('"') == 2 and text.startswith('"') and text.endswith('"')
    assert decode_string(clingo.parse_term(text).string) == value


def test_hostile_strings_in_rules_and_facts_stay_data(fees_kb, make_kb, tmp_path):
    """Payloads as string constants of a rule (head and body) and as scenario facts: both back
    ends answer with the payload verbatim, and nothing ran (no MARKER file)."""
    import os

    def dl(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    usable = [h for h in HOSTILE if "\x00" not in h and "\ud800" not in h]
    rules = RULES + "".join(
        rule(f"payload_{i}", "1.1", f"noted(S, {dl(h)}) :- service(S), note(S, {dl(h)}).")
        for i, h in enumerate(usable))
    small = make_kb({"fees": rules}, vocabulary=VOCABULARY, text=TEXT)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        facts = ["service(s1)"] + [f"note(s1, {dl(h)})" for h in usable]
        model = both(small, facts)
    finally:
        os.chdir(cwd)
    assert {t for _, t in model["noted"]} == {kb.terms.STRING_PREFIX + h for h in usable}
    assert not list(tmp_path.rglob("*MARKER*"))
    assert "#script" not in ClingoEngine(small.program).asp_text.replace(encode_string("#script"), "")


def test_the_compiled_program_has_one_statement_per_line(agreement):
    engine = ClingoEngine(agreement.program)
    text = engine.asp_text
    assert "#script" not in text and "#include" not in text
    assert len(engine._statements) == len(engine._compiler.lines)


# --- errors --------------------------------------------------------------------------------

def test_errors_are_engine_errors_with_one_line(fees_kb):
    engine = ClingoEngine(fees_kb.program)
    with pytest.raises(EngineError, match=r"^engine error: nonexistent/1 is not an input predicate of this "
                                          r"knowledge base$"):
        engine.evaluate([("nonexistent", ("x",))])
    with pytest.raises(EngineError, match=r"^engine error: service/2 is not an input predicate"):
        engine.evaluate([("service", ("x", "y"))])
    with pytest.raises(EngineError, match=r"^engine error: service is not a derived predicate"):
        engine.evaluate([], only=["service"])
    with pytest.raises(EngineError, match=r"^engine error: period: day number 0 is not a date$"):
        engine.evaluate([("period", ("s1", 0, 5))])
    engine.close()
    with pytest.raises(EngineError, match="closed"):
        engine.evaluate([])


def test_the_clingo_engine_serves_a_knowledge_base(fees_kb):
    """Behind a KnowledgeBase (its engine swapped), answers and explanations are the same."""
    facts = ["service(s1)", "payment(p1, s1, 100.00)", "payment(p2, s1, 50.00)"]
    expected = fees_kb.evaluate(facts)
    fees_kb._engine = ClingoEngine(fees_kb.program)
    result = fees_kb.evaluate(facts)
    assert [c.text for c in result.conclusions] == [c.text for c in expected.conclusions]
    assert result.explain("total_paid(s1, 150.00)").to_text() == expected.explain("total_paid(s1, 150.00)").to_text()


def test_both_engines_share_the_interface():
    for name in ("evaluate", "close"):
        assert callable(getattr(ClingoEngine, name)) and callable(getattr(Engine, name))


def test_a_number_in_a_rule_beyond_32_bits_is_refused_when_compiling(make_kb):
    rules = RULES + rule("huge", "1.1", "noted(S, \"big\") :- service(S), T > 30000000.00, total_paid(S, T).")
    small = make_kb({"fees": rules}, vocabulary=VOCABULARY, text=TEXT)
    with pytest.raises(EngineError) as info:
        ClingoEngine(small.program)
    assert info.value.message.startswith("a number in a rule is 3000000000, outside the range of the clingo back end")
    assert small.evaluate(["service(s1)"]).conclusions  # the pyDatalog engine takes it


def test_negative_numbers_and_subtraction_compile(make_kb):
    rules = RULES + rule("negative", "1.3", "shares(S, T) :- T = M - -1.00 * 2 - -0.50, monthly_fee(S, M).")
    small = make_kb({"fees": rules}, vocabulary=VOCABULARY, text=TEXT)
    model = both(small, ["monthly_fee(s1, 10.00)"])
    assert ("s1", 1250) in model["shares"]


# --- choosing the back end ----------------------------------------------------------------

def test_make_engine_and_check_backend(fees_kb):
    from kb.clingo_engine import BACKENDS, check_backend, make_engine

    assert BACKENDS == ("pydatalog", "clingo")
    assert isinstance(make_engine(fees_kb.program, "clingo"), ClingoEngine)
    assert isinstance(make_engine(fees_kb.program), Engine)
    with pytest.raises(kb.KbError) as info:
        check_backend("clingoo")
    assert str(info.value) == "error: no back end 'clingoo' (available: pydatalog, clingo) (did you mean 'clingo'?)"


def test_load_agreement_and_the_cli_take_a_backend(capsys):
    """kb.load_agreement(backend="clingo") and python -m kb --backend clingo (once wired in)."""
    import inspect

    from kb.cli import main as cli_main

    if "backend" not in inspect.signature(kb.load_agreement).parameters:
        pytest.skip("the backend hooks are not applied to kb/knowledge.py and kb/cli.py yet")
    agreement = kb.load_agreement(backend="clingo")
    assert isinstance(agreement.engine, ClingoEngine) and agreement is not kb.load_agreement()
    assert kb.load_agreement(backend="clingo") is agreement
    assert isinstance(kb.load_agreement().engine, Engine)
    earthquake = "kb/agreements/jcs_kubernetes/scenarios/force_majeure_earthquake_outage_provider_not_liable.yaml"
    outputs = []
    for backend in ("pydatalog", "clingo"):
        assert cli_main(["--backend", backend, "ask", earthquake, "--atoms"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and "exempt_from_liability(jd_cloud, outage)" in outputs[0]
