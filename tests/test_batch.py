"""kb.batch (issue 16): records -> scenarios by a mapping, many worlds per clingo solve, local pool,
Dask, bad records as error rows, and agreement with the pyDatalog engine record by record."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import kb
from kb.errors import KbError
from kb.mapping import load_mapping
from kb.tickets import COLUMNS, TICKET_MAPPING, generate_tickets, ticket_mapping_file, write_tickets

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["liable(jd_cloud, B)", "exempt_from_liability(jd_cloud, B)", "recoverable_amount(B, A)",
           "force_majeure(E)"]


@pytest.fixture(scope="module")
def agreement():
    return kb.load_agreement()


@pytest.fixture(scope="module")
def sample():
    return generate_tickets(2000, seed=16)


@pytest.fixture(scope="module")
def sequential(sample):
    return kb.batch(sample, TICKET_MAPPING, QUERIES, workers=0, progress=False)


def _ticket(**changes) -> dict:
    base = {"ticket": "t1", "opened_on": "2026-03-01", "event_kind": "earthquake", "suffered_by": "jd_cloud",
            "lacks_quality": "", "breach_type": "service_interruption", "outage_hours": "3.0", "service": "s1",
            "purchased_on": "2026-01-01", "price": "6000.00", "paid_on": "2026-01-01", "paid": "6000.00",
            "claim_kind": "direct_damages", "claim": "3000.00", "readings": ""}
    base.update(changes)
    return base


# --- the generator ---------------------------------------------------------------------------

def test_tickets_are_seeded_and_cover_the_event_kinds():
    first = generate_tickets(3, seed=7)
    assert first == generate_tickets(3, seed=7)
    assert first[0]["ticket"] == "t000001" and set(first[0]) == set(COLUMNS)
    year = generate_tickets(2000, seed=16)
    kinds = {t["event_kind"] for t in year}
    assert {"earthquake", "ddos_attack", "hacker_attack", "network_congestion", "jd_cloud_staff_error",
            "user_act", "equipment_failure"} <= kinds
    assert {t["opened_on"][:4] for t in year} == {"2026"}
    assert len({t["opened_on"][5:7] for t in year}) == 12


# --- agreement with the pyDatalog engine, record by record ------------------------------------

@pytest.mark.parametrize("size", [300, pytest.param(2000, marks=pytest.mark.slow)])
def test_batched_worlds_agree_with_pydatalog(agreement, sample, sequential, size):
    """Every answer of the batch (one clingo solve per 1,000 records) equals the answer of the
    default engine evaluating the record's scenario alone: value, matching atoms, sentence. The
    2,000-record sample takes about 45 s (marked slow); its first 300 records always run."""
    render = agreement.vocabulary.render
    mapping = load_mapping(TICKET_MAPPING, agreement.vocabulary)
    got = sequential.set_index(["record", "query"])
    assert sequential.attrs == {"records": 2000, "failed": 0}
    values = {q: set() for q in QUERIES}
    for number, record in enumerate(sample[:size], start=1):
        facts = mapping.facts_of(record)
        evaluation = agreement.evaluate(agreement.scenario([render(*f) for f in facts]))
        for query in QUERIES:
            answer = evaluation.answer(query)
            row = got.loc[(number, query)]
            assert row["answer"] == answer.value, (record["ticket"], query)
            assert row["sentence"] == answer.headline()
            assert row["answers"] == "; ".join(sorted(r.text for r in answer.rows)), (record["ticket"], query)
            values[query].add(answer.value)
    assert all(v == {"yes", "no"} for v in values.values()), values


def test_deciding_clauses_are_the_last_step_and_within_the_explanation(agreement, sample, sequential):
    quake = kb.batch([_ticket()], TICKET_MAPPING, QUERIES, workers=0, progress=False).set_index("query")
    assert quake.loc["liable(jd_cloud, B)", ["answer", "clauses"]].tolist() == ["no", "9.1"]
    assert quake.loc["exempt_from_liability(jd_cloud, B)", ["answer", "answers", "clauses"]].tolist() == \
        ["yes", "exempt_from_liability(jd_cloud, t1_outage)", "9.1"]
    assert quake.loc["force_majeure(E)", ["answer", "clauses"]].tolist() == ["yes", "9.2"]
    staff = kb.batch([_ticket(event_kind="jd_cloud_staff_error", suffered_by="")], TICKET_MAPPING, QUERIES,
                     workers=0, progress=False).set_index("query")
    assert staff.loc["liable(jd_cloud, B)", ["answer", "clauses"]].tolist() == ["yes", "8.1"]
    assert staff.loc["recoverable_amount(B, A)", ["answers", "clauses"]].tolist() == \
        ["recoverable_amount(t1_outage, 3000.00)", "8.4"]
    # for a yes, the clauses are among those the full explanation cites
    mapping = load_mapping(TICKET_MAPPING, agreement.vocabulary)
    render = agreement.vocabulary.render
    yes = sequential[(sequential.answer == "yes") & (sequential["query"] == "liable(jd_cloud, B)")].head(40)
    assert len(yes) == 40
    for _, row in yes.iterrows():
        record = sample[row["record"] - 1]
        evaluation = agreement.evaluate(agreement.scenario([render(*f) for f in mapping.facts_of(record)]))
        atom = row["answers"].split("; ")[0]
        assert set(row["clauses"].split(", ")) <= set(evaluation.explain(atom).clause_ids())


def test_hackers_listed_reading_per_run_and_per_record():
    attack = _ticket(event_kind="hacker_attack", breach_type="data_leak")
    default = kb.batch([attack], TICKET_MAPPING, ["exempt_from_liability(jd_cloud, B)"], workers=0, progress=False)
    assert default["answer"].tolist() == ["no"]
    per_run = kb.batch([attack], TICKET_MAPPING, ["exempt_from_liability(jd_cloud, B)"], workers=0, progress=False,
                       interpretations=["hackers_listed"])
    assert per_run[["answer", "clauses"]].values.tolist() == [["yes", "9.1"]]
    per_record = kb.batch([attack, dict(attack, ticket="t2", readings="hackers_listed")], TICKET_MAPPING,
                          ["exempt_from_liability(jd_cloud, B)"], workers=0, progress=False)
    assert per_record["answer"].tolist() == ["no", "yes"]


# --- the same results however it runs ----------------------------------------------------------

def test_local_pool_equals_sequential(sample, sequential):
    pooled = kb.batch(sample, TICKET_MAPPING, QUERIES, workers=2, chunk_size=300, progress=False)
    assert pooled.equals(sequential)
    assert pooled["record"].tolist() == sorted(pooled["record"].tolist())


@pytest.mark.slow
def test_dask_local_cluster_equals_sequential(sample, sequential):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        on_dask = kb.batch(sample, TICKET_MAPPING, QUERIES, client, chunk_size=250, progress=False)
        pids = client.run(lambda: __import__("os").getpid())
    assert len(pids) == 2
    assert on_dask.equals(sequential)


def test_file_formats_give_the_same_results(tmp_path):
    mapping = ticket_mapping_file(tmp_path)
    frames = []
    for suffix in (".csv", ".jsonl", ".parquet"):
        path = write_tickets(tmp_path / f"tickets{suffix}", 150, seed=4)
        frames.append(kb.batch(path, mapping, QUERIES[:2], workers=0, chunk_size=40, progress=False))
    assert frames[0].equals(frames[1]) and frames[0].equals(frames[2])
    assert len(frames[0]) == 300
    import pandas as pd

    kb.batch(tmp_path / "tickets.csv", mapping, QUERIES[:2], workers=0, progress=False, out=tmp_path / "r.parquet")
    kb.batch(tmp_path / "tickets.csv", mapping, QUERIES[:2], workers=0, progress=False, out=tmp_path / "r.csv")
    assert pd.read_parquet(tmp_path / "r.parquet").equals(frames[0])
    assert pd.read_csv(tmp_path / "r.csv", keep_default_na=False, dtype={"clauses": str}).equals(frames[0])


# --- bad records, bad input --------------------------------------------------------------------

BAD = [
    (_ticket(ticket="t2", event_kind="earthqake"),
     "record error: column 'event_kind': 'earthqake' is not one of the event_kind values (did you mean 'earthquake'?)"),
    (_ticket(ticket="t3", purchased_on="2026-02-30"),
     "record error: column 'purchased_on': '2026-02-30' is not a real date (YYYY-MM-DD)"),
    (_ticket(ticket="t4", paid_on="01/03/2026"),
     "record error: column 'paid_on': '01/03/2026' is not a date written YYYY-MM-DD"),
    (_ticket(ticket=""), "record error: the id column 'ticket' is missing or empty"),
    (_ticket(ticket="t6", claim="12.345"),
     "record error: column 'claim': '12.345' is not an amount such as 1200.50 (at most two decimals)"),
    (_ticket(ticket="t7", readings="hackers_lsted"),
     "record error: column 'readings': no interpretation 'hackers_lsted' (did you mean 'hackers_listed'?)"),
    (_ticket(ticket="T-8"),
     "record error: column 'ticket': 'T-8' is not a name: lowercase letters, digits and _, starting with a letter"),
    (_ticket(ticket="t9", claim="30000000.00"),
     "engine error: user_claims_damages: the value 3000000000 is beyond the 32-bit numbers of the batch's clingo "
     "engine (amounts up to 21,474,836.47): evaluate this case alone with the default engine (agreement.evaluate)"),
]


def test_bad_records_get_their_error_row_and_the_others_are_answered():
    records = [_ticket()] + [r for r, _ in BAD] + [_ticket(ticket="t10")]
    frame = kb.batch(records, TICKET_MAPPING, QUERIES[:2], workers=0, progress=False)
    assert len(frame) == 2 * len(records)
    assert frame.attrs == {"records": len(records), "failed": len(BAD)}
    errors = frame[frame["query"] == QUERIES[0]]["error"].tolist()
    assert errors == [""] + [message for _, message in BAD] + [""]
    assert frame[frame.error != ""]["answer"].unique().tolist() == [""]
    assert frame[frame["id"] == "t10"]["answer"].tolist() == ["no", "yes"]
    missing = kb.batch([{"event_kind": "flood"}], TICKET_MAPPING, QUERIES[:1], workers=0, progress=False)
    assert missing["error"].tolist() == ["record error: the id column 'ticket' is missing or empty"]


def test_cli_exit_codes_and_error_rows(tmp_path, capsys):
    from kb.cli import main

    mapping = ticket_mapping_file(tmp_path)
    records = tmp_path / "tickets.jsonl"
    rows = [_ticket(), BAD[0][0], BAD[1][0]]
    records.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n", encoding="utf-8")
    out = tmp_path / "results.csv"
    assert main(["batch", str(records), "--map", str(mapping), "--query", QUERIES[0], "--out", str(out),
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err == f"3 of 4 records failed: their rows in {out} give the reason\n"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "record,id,query,answer,sentence,answers,clauses,error"
    assert lines[4].startswith("4,,") and lines[4].endswith(
        "record error: line 4 is not JSON: Expecting value: line 1 column 1 (char 0)")
    # the results file exists: refused without --force (exit 2, one line), replaced with it
    assert main(["batch", str(records), "--map", str(mapping), "--query", QUERIES[0], "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"error: {out}: scenario error: exists already: give --force to replace it\n"
    good = tmp_path / "good.csv"
    good.write_text("ticket,event_kind\nt1,flood\n", encoding="utf-8")
    small = tmp_path / "small.yaml"
    small.write_text("id: ticket\nfacts:\n  - event({ticket}, {event_kind})\n", encoding="utf-8")
    assert main(["batch", str(good), "--map", str(small), "--query", "force_majeure(E)", "--out", str(out),
                 "--force", "--quiet"]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[1] == \
        "1,t1,force_majeure(E),yes,Yes: some event is force majeure.,force_majeure(t1),9.2,"  # listed in 9.2


@pytest.mark.parametrize("text, message", [
    ("id: ticket\nfacts:\n  - event({ticket}, {event_kind})\n  - liable(jd_cloud, {ticket})\n",
     "m.yaml:4: scenario error: liable is a conclusion the rules derive, not an input"),
    ("id: ticket\nfacts:\n  - evnt({ticket}, {event_kind})\n",
     "m.yaml:3: scenario error: evnt is not an input predicate of the vocabulary (did you mean 'event'?)"),
    ("id: ticket\nfacts:\n  - event({ticket})\n",
     "m.yaml:3: scenario error: event takes 2 arguments (event(event: id, kind: event_kind)), the template gives 1"),
    ("id: ticket\nfacts:\n  - fee_payment(p, s, {paid_on}_x, 10.00)\n",
     "m.yaml:3: scenario error: argument 'paid_on' of fee_payment is date: only an id may join columns and text "
     "('{paid_on}_x'); write '{column}' alone"),
    ("id: ticket\nfacts:\n  - event({ticket}, earthqake)\n",
     "m.yaml:3: wrong type: argument 'kind' of event must be one of the event_kind values"),
    ("id: ticket\nfacts:\n  - event({ticket}, flood)\ninterpretations: [hackers_lsted]\n",
     "m.yaml:4: scenario error: no interpretation 'hackers_lsted' (python -m kb interpretations lists them) "
     "(did you mean 'hackers_listed'?)"),
    ("facts:\n  - event({ticket}, flood)\n", "m.yaml:1: scenario error: a mapping needs the key 'id'"),
    ("id: ticket\nfacts:\n  - interpretation({r})\n", "m.yaml:3: scenario error: readings are set with"),
])
def test_mapping_errors_are_one_line_with_file_and_line(agreement, text, message):
    with pytest.raises(KbError) as info:
        load_mapping(text, agreement.vocabulary, file="m.yaml")
    shown = str(info.value)
    assert "\n" not in shown
    assert shown.startswith(message), shown


def test_mapping_checks_columns_before_any_record_runs(tmp_path):
    records = tmp_path / "r.csv"
    records.write_text("ticket,kind\nt1,flood\n", encoding="utf-8")
    with pytest.raises(KbError) as info:
        kb.batch(records, {"id": "ticket", "facts": ["event({ticket}, {event_kind})"]}, "force_majeure(E)",
                 workers=0, progress=False)
    assert str(info.value) == (f"{records}: scenario error: the records have no column 'event_kind' "
                               f"(columns: kind, ticket)")


# --- isolation and a light import ---------------------------------------------------------------

def test_batch_leaves_no_state_in_the_callers_knowledge_base():
    own = kb.load_knowledge_base(ROOT / "kb" / "agreements" / "jcs_kubernetes")
    frame = kb.batch([_ticket()], TICKET_MAPPING, QUERIES[:1], knowledge_base=own, workers=0, progress=False)
    assert frame["answer"].tolist() == ["no"]
    assert own._engine is None  # never evaluated with the caller's engine
    assert own.evaluate(own.scenario(["event(q, earthquake)"])).answer("force_majeure(q)").value == "yes"


def test_import_kb_stays_light_and_kb_batch_is_callable():
    code = ("import sys, kb; light = 'pandas' not in sys.modules and 'distributed' not in sys.modules; "
            "import kb.batch; print(light, callable(kb.batch), kb.batch.COLUMNS[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["True", "True", "record"]


def test_ids_are_renamed_per_world_except_the_names_rules_write(agreement):
    from kb.asp_worlds import WorldProgram, _id_renaming

    rename, kept = _id_renaming(agreement.program)
    assert rename and {"governing_law", "dispute_court", "all_services_closed"} <= kept
    worlds = WorldProgram(agreement.program, ["force_majeure", "liable"])
    # an event named like a rule's constant keeps its name; the others are renamed and restored
    facts = [[("event", ("governing_law", "earthquake")), ("breach", ("jd_cloud", "x_outage")),
              ("breach_caused_by", ("x_outage", "governing_law")), ("suffered", ("jd_cloud", "governing_law"))],
             [("event", ("q", "jd_cloud_staff_error")), ("breach", ("jd_cloud", "q_outage")),
              ("breach_caused_by", ("q_outage", "q"))]]
    first, second = worlds.solve(facts)
    assert first.rows == {"force_majeure": {("governing_law",)}, "liable": set()}
    assert second.rows == {"force_majeure": set(), "liable": {("jd_cloud", "q_outage")}}
    for world, answers in zip(facts, (first, second)):  # as the default engine says
        model = agreement.evaluate(agreement.scenario([agreement.vocabulary.render(*f) for f in world])).model
        assert {p: set(model[p]) for p in ("force_majeure", "liable")} == answers.rows
    assert second.fired["liable"] == {("liable_for_breach", ("jd_cloud", "q_outage"))}
    assert first.defeated["liable"] == {("fm_no_liability", ("jd_cloud", "x_outage"))}


def test_scenario_of_a_record_is_the_scenario_the_batch_evaluates(agreement):
    scenario = kb.batch.scenario_of(_ticket(readings="hackers_listed"), TICKET_MAPPING, agreement)
    assert scenario.name == "record t1"
    assert scenario.interpretations == ("hackers_listed",)
    assert "event(t1, earthquake)" in agreement.facts_of(scenario)
    assert agreement.evaluate(scenario).answer("liable(jd_cloud, t1_outage)").value == "no"


def test_typed_columns_dates_and_float_amounts_read_like_text(tmp_path):
    """A Parquet file or DataFrame with real date and float columns gives the same answers as text."""
    import pandas as pd

    text = pd.DataFrame(generate_tickets(120, seed=5))
    typed = text.copy()
    for column in ("purchased_on", "paid_on", "opened_on"):
        typed[column] = pd.to_datetime(typed[column])
    for column in ("price", "paid", "claim"):
        typed[column] = pd.to_numeric(typed[column].replace("", None))
    typed.to_parquet(tmp_path / "typed.parquet")
    queries = ["liable(jd_cloud, B)", "recoverable_amount(B, A)"]
    expected = kb.batch(text, TICKET_MAPPING, queries, workers=0, progress=False)
    assert expected.attrs["failed"] == 0
    assert kb.batch(typed, TICKET_MAPPING, queries, workers=0, progress=False).equals(expected)
    assert kb.batch(tmp_path / "typed.parquet", TICKET_MAPPING, queries, workers=0, progress=False).equals(expected)
