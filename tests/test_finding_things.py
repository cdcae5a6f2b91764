"""Finding things: the vocabulary catalogue (CLI and notebook), and input messages that say what
was meant (dates not written YYYY-MM-DD, thousands separators, misspelt or shortened names)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import kb

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def error_of(agreement, fact: str) -> str:
    with pytest.raises(kb.KbError) as info:
        agreement.scenario([fact])
    return str(info.value)


# --- input messages ---------------------------------------------------------------------------

@pytest.mark.parametrize("written, message", [
    ("30-06-2024", "'30-06-2024' is not a date written YYYY-MM-DD: write 2024-06-30"),
    ("2024-4-17", "'2024-4-17' is not a date written YYYY-MM-DD: write 2024-04-17"),
    ("10/04/2024", "'10/04/2024' is not a date written YYYY-MM-DD (is it 2024-04-10 or 2024-10-04?)"),
    ("31.12.2024", "'31.12.2024' is not a date written YYYY-MM-DD: write 2024-12-31"),
    ("2024-06", "'2024-06' is a month, not a date: write the day too, as YYYY-MM-DD (e.g. 2024-06-01)"),
    ("2024-02-30", "'2024-02-30' is not a valid date (YYYY-MM-DD)"),
])
def test_a_date_not_written_yyyy_mm_dd_says_the_format(agreement, written, message):
    assert error_of(agreement, f"jd_cloud_terminated(t1, {written})") == f"<scenario>:1: syntax error: {message}"


def test_thousands_separators_are_refused_with_the_number_to_write(agreement):
    assert error_of(agreement, "user_claims_damages(outage, direct_damages, 5,000.00)") == (
        "<scenario>:1: syntax error: '5,000.00': thousands separators are not allowed in numbers: write 5000.00")
    # arguments separated by a comma and a space are not a number
    assert agreement.scenario(["breach(jd_cloud, outage)"]).facts


def test_an_enumeration_value_is_suggested_from_a_shortened_name(agreement):
    assert error_of(agreement, "event(attack, ddos)").endswith("got ddos (did you mean 'ddos_attack'?)")
    assert error_of(agreement, "event(attack, quake)").endswith("got quake (did you mean 'earthquake'?)")


def test_a_predicate_is_suggested_from_a_shortened_name(agreement):
    assert error_of(agreement, "user_consent(d1)") == (
        "<scenario>:1: unknown predicate: 'user_consent' is not in the vocabulary "
        "(did you mean 'user_consented_to_disclosure'?)")


def test_a_misspelt_predicate_still_gets_the_closest_spelling(agreement):
    assert error_of(agreement, "breech(jd_cloud, outage)").endswith("(did you mean 'breach'?)")


# --- the catalogue ----------------------------------------------------------------------------

def test_the_catalogue_lists_an_area_with_types_docs_clauses_and_values(agreement):
    text = agreement.catalogue(area="force_majeure").to_text()
    lines = text.splitlines()
    assert lines[0] == "force_majeure: Force majeure (9.1, 9.2)"
    assert lines[1] == "  Inputs: facts a scenario states, denies or leaves in question"
    assert "    suffered(party: party, event: id)  [7.3.4, 9.1]" in lines
    assert "  Conclusions: what the rules derive" in lines
    assert "    force_majeure(event: id)  [9.2]" in lines
    at = lines.index("    force_majeure(event: id)  [9.2]")
    assert lines[at + 1] == "        reads: \u201cthe event {event} is force majeure\u201d"
    assert "  Values" in lines
    assert any(line.split() == ["earthquake", "An", "earthquake", "(listed", "in", "9.2,", "natural", "disaster)"]
               for line in lines)


def test_the_catalogue_search_finds_names_docs_and_values(agreement):
    found = agreement.catalogue(search="ddos")
    names = [e.name for s in found.sections for es in s.entries.values() for e in es]
    assert "event" in names
    values = [v for s in found.sections for _, vs in s.types for v, _ in vs]
    assert "ddos_attack" in values and "earthquake" not in values
    assert agreement.catalogue(search="no such word at all").to_text() == \
        "nothing in the vocabulary matches 'no such word at all'"


def test_the_catalogue_is_an_html_table_in_a_notebook(agreement):
    page = agreement.catalogue(area="jurisdiction")._repr_html_()
    assert page.startswith("<div class='kb-catalogue'><h4>jurisdiction: ")
    assert ("<th>predicate</th><th>role</th><th>arguments</th><th>what it says</th><th>clauses</th>"
            "<th>reads as</th>") in page
    page = agreement.catalogue(area="force_majeure")._repr_html_()
    assert "<tr><td><code>earthquake</code></td><td>an earthquake (listed in 9.2)</td>" in page
    data = agreement.catalogue(area="force_majeure").to_json()[0]
    assert data["labels"]["event_kind"]["earthquake"] == "an earthquake (listed in 9.2)"
    assert {"force_majeure": "the event {event} is force majeure"}.items() <= {
        p["name"]: p["says"] for p in data["predicates"]}.items()


def test_the_vocabulary_command_prints_the_catalogue_and_rejects_an_unknown_area():
    proc = run("vocabulary", "--area", "force_majeure")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("force_majeure: Force majeure (9.1, 9.2)\n")
    proc = run("vocabulary", "--area", "forcemajeure")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: no area 'forcemajeure' (areas: ")
    assert proc.stderr.endswith("(did you mean 'force_majeure'?)\n")


def test_each_area_has_one_vocabulary_file_named_as_the_area(agreement):
    folder = agreement.root / "vocabulary"
    stems = sorted(p.stem for p in folder.glob("*.yaml"))
    areas = sorted({d.area for d in agreement.vocabulary.all_decls()} - {"interpretation"})
    assert stems == areas
