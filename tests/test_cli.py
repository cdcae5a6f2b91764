"""``python -m kb`` run as a separate process from the repository root."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import kb

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS_DIR = "kb/agreements/jcs_kubernetes/scenarios"
EARTHQUAKE = f"{SCENARIOS_DIR}/force_majeure_earthquake_outage_provider_not_liable.yaml"

TEXT_9_1 = ("When the Service Terms is impossibly performed or become unnecessary or meaningless due to force "
            "majeure or other accidents, the party suffering from force majeure or accident shall not be held liable.")
TEXT_9_2 = ("Force majeure or accidental events refer to unforeseeable, insurmountable and unavoidable objective "
            "events that have a significant impact on one or both parties, including but not limited to natural "
            "disasters such as floods, earthquakes, epidemics of plagues, and social events such as war, unrest, "
            "government actions, and interruption of China telecom trunk lines, hackers network congestion, "
            "telecommunications sector technology adjustment and government regulation.")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def assert_one_error_line(proc: subprocess.CompletedProcess, expected: str | None = None) -> str:
    """Exit code 2, nothing on stdout, one line on stderr starting with 'error:', no traceback."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.endswith("\n") and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: ")
    assert not proc.stderr.startswith("error: error:")
    line = proc.stderr.rstrip("\n")
    if expected is not None:
        assert line == expected
    return line


# --- ask ------------------------------------------------------------------------------

STANDING = [
    "agreed_court(daxing_district_peoples_court_beijing)",
    "forbidden(jd_cloud, disclose_user_data_outside_4_2)",
    "forbidden(jd_cloud, sue_before_negotiation_fails)",
    "forbidden(jd_cloud, sue_outside_agreed_court)",
    "forbidden(user, damage_jd_group_interests)",
    "forbidden(user, engage_in_other_unlawful_activity)",
    "forbidden(user, exploit_provided_ip_without_consent)",
    "forbidden(user, handle_prohibited_content)",
    "forbidden(user, install_pirated_software)",
    "forbidden(user, misuse_cloud_server)",
    "forbidden(user, modify_or_reverse_engineer_jd_software)",
    "forbidden(user, overload_cloud_platform)",
    "forbidden(user, send_spam_or_email_ads)",
    "forbidden(user, sue_before_negotiation_fails)",
    "forbidden(user, sue_outside_agreed_court)",
    "forbidden(user, tamper_with_jd_system)",
    "forbidden(user, undermine_network_security)",
    "governing_law(prc_law)",
    "integral_part_of_terms(order_page)",
    "integral_part_of_terms(payg_published_rules)",
    "integral_part_of_terms(web_service_description)",
    "obliged(jd_cloud, clear_non_human_faults)",
    "obliged(jd_cloud, comply_with_terms_in_service_provision)",
    "obliged(jd_cloud, keep_confidential_information_confidential)",
    "obliged(jd_cloud, maintain_service_bottom_part)",
    "obliged(jd_cloud, notify_fee_adjustment_in_advance)",
    "obliged(jd_cloud, protect_confidential_information)",
    "obliged(jd_cloud, provide_service_per_terms)",
    "obliged(jd_cloud, restrict_employee_access_to_confidential_information)",
    "obliged(jd_cloud, store_user_data_after_termination)",
    "obliged(jd_cloud, strictly_abide_by_confidentiality)",
    "obliged(jd_cloud, terminate_only_on_agreed_ground)",
    "obliged(user, back_up_user_data)",
    "obliged(user, keep_account_balance_sufficient)",
    "obliged(user, keep_confidential_information_confidential)",
    "obliged(user, keep_materials_and_use_non_infringing)",
    "obliged(user, keep_website_access_logs)",
    "obliged(user, maintain_system_upper_part)",
    "obliged(user, pay_full_fee)",
    "obliged(user, protect_confidential_information)",
    "obliged(user, provide_necessary_assistance)",
    "obliged(user, restrict_employee_access_to_confidential_information)",
    "obliged(user, safeguard_data_and_credentials)",
    "obliged(user, submit_contact_information)",
    "permitted(jd_cloud, adjust_fees_unilaterally)",
    "permitted(jd_cloud, charge_free_item_upkeep_fees)",
    "permitted(jd_cloud, terminate_terms_by_notice)",
    "permitted(jd_cloud, transfer_terms_to_affiliates)",
    "permitted(jd_cloud, use_user_data_for_services)",
    "permitted(user, choose_payment_mode)",
    "permitted(user, choose_service_type)",
    "prevailing_provision(dispute_court, daxing_district_peoples_court_beijing)",
    "prevailing_provision(governing_law, prc_law)",
    "specially_drawn_to_attention(court_selection_terms)",
    "specially_drawn_to_attention(restriction_and_exemption_terms)",
    "specially_drawn_to_attention(violation_handling_terms)",
]
FROM_FACTS = ["exempt_from_liability(jd_cloud, outage)", "force_majeure(quake)", "force_majeure_excuses(jd_cloud, quake)"]


FROM_FACTS_SENTENCES = ["JD Cloud is exempt from liability for the failure outage.", "The event quake is force majeure.",
                        "The force majeure event quake excuses JD Cloud."]


def test_ask_prints_the_conclusions_as_sentences_by_default():
    proc = run("ask", EARTHQUAKE)
    assert (proc.returncode, proc.stderr) == (0, "")
    lines = proc.stdout.splitlines()
    assert lines[:5] == ["scenario: earthquake outage: provider not liable, 9.1", "conclusions from the facts (3):",
                         *(f"  {s}" for s in FROM_FACTS_SENTENCES)]
    assert lines[5] == f"standing conclusions, which hold without any fact ({len(STANDING)}):"
    assert len(lines) == 6 + len(STANDING)
    assert lines[7:10] == ["  JD Cloud must refrain from disclosing the user's data outside the circumstances of 4.2.",
                           "  JD Cloud must refrain from suing before the negotiation of the dispute has failed.",
                           "  JD Cloud must refrain from suing in a court other than the agreed court."]
    assert not any(re.search(r"\b[a-z_]+\([a-z_, ]*\)", line) for line in lines[1:])  # no atom anywhere


@pytest.mark.parametrize("where", ["global", "command"])
def test_ask_atoms_flag_prints_the_atoms(where):
    args = ("--atoms", "ask", EARTHQUAKE) if where == "global" else ("ask", EARTHQUAKE, "--atoms")
    proc = run(*args)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == (
        "scenario: earthquake outage: provider not liable, 9.1\n"
        "conclusions from the facts (3):\n"
        "  exempt_from_liability(jd_cloud, outage)\n"
        "  force_majeure(quake)\n"
        "  force_majeure_excuses(jd_cloud, quake)\n"
        f"standing conclusions, which hold without any fact ({len(STANDING)}):\n"
        + "".join(f"  {c}\n" for c in STANDING)
    )


def test_ask_finds_a_scenario_by_name_in_the_agreements_scenario_folder():
    proc = run("ask", "force_majeure_earthquake_outage_provider_not_liable.yaml")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == "scenario: earthquake outage: provider not liable, 9.1"


def test_ask_query_with_no_answer_prints_no():
    proc = run("ask", EARTHQUAKE, "--query", "liable(jd_cloud, B)")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "No: it does not follow that JD Cloud is liable for some failure.\n", "")
    proc = run("ask", EARTHQUAKE, "--query", "liable(jd_cloud, B)", "--atoms")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "liable(jd_cloud, B): no\n", "")


def test_ask_query_prints_each_variable_binding():
    proc = run("ask", EARTHQUAKE, "--query", "exempt_from_liability(P, B)")
    assert (proc.returncode, proc.stdout) == (
        0, "Yes: some party is exempt from liability for some failure.\n"
           "  - JD Cloud is exempt from liability for the failure outage (P = jd_cloud, B = outage)\n")
    proc = run("--atoms", "ask", EARTHQUAKE, "--query", "exempt_from_liability(P, B)")
    assert (proc.returncode, proc.stdout) == (0, "exempt_from_liability(P, B): P = jd_cloud, B = outage\n")


def test_ask_ground_query_that_holds_prints_yes():
    proc = run("ask", EARTHQUAKE, "--query", "force_majeure(quake)")
    assert (proc.returncode, proc.stdout) == (0, "Yes: the event quake is force majeure.\n")
    proc = run("ask", EARTHQUAKE, "--query", "force_majeure(quake)", "--atoms")
    assert (proc.returncode, proc.stdout) == (0, "force_majeure(quake): yes\n")


def test_ask_explain_cites_9_1_and_9_2_with_their_text():
    proc = run("ask", EARTHQUAKE, "--explain")
    assert (proc.returncode, proc.stderr) == (0, "")
    lines = [line.strip() for line in proc.stdout.splitlines()]
    assert lines[:5] == ["scenario: earthquake outage: provider not liable, 9.1", "conclusions from the facts (3):",
                         *FROM_FACTS_SENTENCES]
    assert "JD Cloud is exempt from liability for the failure outage." in lines[5 + len(STANDING):]
    assert f"9.1: {TEXT_9_1}" in lines
    assert f"9.2: {TEXT_9_2}" in lines
    # the rules relied on, with the clauses they cite and the quotes they carry
    assert ("because a party whose failure to perform was caused by force majeure that excuses it (directly, or "
            "at the start of the chain of causes of its stated cause) shall not be held liable for that failure "
            "[9.1; rule fm_exempts_breach]") in lines
    assert "because an event of a kind 9.2 lists is force majeure [9.2; rule fm_listed_event]" in lines
    assert '9.1: "the party suffering from force majeure or accident shall not be held liable"' in lines
    # the exceptions that did not apply: one line (every reason only with --verbose)
    assert "- none of the 2 exceptions applies: 9.2 lacks quality, 9.2 strict reading" in lines
    verbose = [line.strip() for line in run("ask", EARTHQUAKE, "--explain", "--verbose").stdout.splitlines()]
    assert ("- 9.2 lacks quality: the event quake is found not to be some criterion: not stated in the scenario "
            "[9.2; rule fm_listed_event_lacks_quality]") in verbose
    assert ("- 9.2 strict reading: the reading \u201cA listed event must still show every quality of 9.2\u201d "
            "(strict_force_majeure_list) is not adopted [9.2; rule fm_listed_event_strict_reading]") in verbose
    assert not any(line.startswith("- 9.2 lacks quality: ") for line in lines)


def test_ask_query_explain_without_answers_says_why_not_and_names_the_defeating_exception():
    proc = run("ask", EARTHQUAKE, "--query", "liable(jd_cloud, B)", "--explain")
    assert proc.returncode == 0
    assert proc.stdout.startswith("No: it does not follow that JD Cloud is liable for some failure.\n\n"
                                  "JD Cloud is liable for some failure: does not hold.\n"
                                  "  - by the rule: a party that breaches the Service Terms is liable for the breach "
                                  "according to the law [8.1; rule liable_for_breach]\n")
    assert ("    - fails: its conditions hold, but the exception 9.1 force majeure (rule fm_no_liability) defeats it\n"
            in proc.stdout)


def test_ask_json_parses_and_lists_the_conclusions():
    proc = run("ask", EARTHQUAKE, "--json")
    assert proc.returncode == 0
    payload = json.loads(proc.stdout)
    assert {k: payload[k] for k in ("scenario", "conclusions", "standing")} == {
        "scenario": "earthquake outage: provider not liable, 9.1",
        "conclusions": sorted(FROM_FACTS + STANDING),
        "standing": STANDING,
    }
    # both forms of every conclusion
    assert [c["atom"] for c in payload["conclusion_sentences"]] == payload["conclusions"]
    assert [c["atom"] for c in payload["standing_sentences"]] == STANDING
    assert {"atom": "force_majeure(quake)", "sentence": "the event quake is force majeure"} in payload["conclusion_sentences"]
    assert {"atom": "exempt_from_liability(jd_cloud, outage)",
            "sentence": "JD Cloud is exempt from liability for the failure outage"} in payload["conclusion_sentences"]


def test_ask_json_query_gives_the_answers():
    proc = run("ask", EARTHQUAKE, "--query", "exempt_from_liability(P, B)", "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {
        "scenario": "earthquake outage: provider not liable, 9.1",
        "answers": [{"query": "exempt_from_liability(P, B)", "value": "yes", "in_question": [],
                     "sentence": "some party is exempt from liability for some failure",
                     "headline": "Yes: some party is exempt from liability for some failure.",
                     "answers": [{"answer": "exempt_from_liability(jd_cloud, outage)", "value": "yes",
                                  "atom": "exempt_from_liability(jd_cloud, outage)",
                                  "sentence": "JD Cloud is exempt from liability for the failure outage",
                                  "bindings": {"P": "jd_cloud", "B": "outage"}}]}],
    }


def test_ask_answers_every_query_given_in_order():
    proc = run("ask", EARTHQUAKE, "--query", "liable(jd_cloud, B)", "--query", "force_majeure(quake)",
               "--query", "exempt_from_liability(P, B)")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == ("No: it does not follow that JD Cloud is liable for some failure.\n"
                           "Yes: the event quake is force majeure.\n"
                           "Yes: some party is exempt from liability for some failure.\n"
                           "  - JD Cloud is exempt from liability for the failure outage (P = jd_cloud, B = outage)\n")




def test_ask_an_open_question_says_what_decides_it(open_scenario_file):
    path = open_scenario_file
    proc = run("ask", str(path), "--query", "liable(jd_cloud, outage)", "--query", "breach(jd_cloud, B)")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == (
        "Open: whether JD Cloud is liable for the failure outage depends on the facts in question.\n"
        "  holds if it is not established that the event attack is found to be unforeseeable\n"
        "  does not hold if it is established that the event attack is found to be unforeseeable\n"
        "Yes: JD Cloud failed to perform an obligation of the Service Terms (some failure).\n"
        "  - JD Cloud failed to perform an obligation of the Service Terms (the failure outage) (B = outage)\n")
    proc = run("ask", str(path), "--query", "liable(jd_cloud, outage)", "--query", "breach(jd_cloud, B)", "--atoms")
    assert proc.stdout == (
        "liable(jd_cloud, outage): open\n"
        "  holds if criterion_met(attack, unforeseeable) is not established\n"
        "  does not hold if criterion_met(attack, unforeseeable) is established\n"
        "breach(jd_cloud, B): B = outage\n")
    payload = json.loads(run("ask", str(path), "--query", "exempt_from_liability(jd_cloud, outage)", "--json").stdout)
    assert payload["answers"][0]["value"] == "open"
    assert payload["answers"][0]["holds_if"] == [[{"fact": "criterion_met(attack, unforeseeable)",
                                                  "sentence": "the event attack is found to be unforeseeable",
                                                  "established": True}]]


def test_ask_lists_the_facts_in_question_and_the_open_conclusions(open_scenario_file):
    path = open_scenario_file
    lines = run("ask", str(path)).stdout.splitlines()
    assert lines[1:3] == ["facts in question (1):", "  The event attack is found to be unforeseeable."]
    start = lines.index("open conclusions, which depend on the facts in question (4):")
    assert lines[start + 1:start + 4] == [
        "  JD Cloud is exempt from liability for the failure outage.",
        "    holds if it is established that the event attack is found to be unforeseeable",
        "    does not hold if it is not established that the event attack is found to be unforeseeable"]
    assert "  JD Cloud is liable for the failure outage." in lines[start:]
    lines = run("ask", str(path), "--atoms").stdout.splitlines()
    assert lines[1:3] == ["facts in question (1):", "  criterion_met(attack, unforeseeable)"]
    start = lines.index("open conclusions, which depend on the facts in question (4):")
    assert lines[start + 1:start + 4] == [
        "  exempt_from_liability(jd_cloud, outage)",
        "    holds if criterion_met(attack, unforeseeable) is established",
        "    does not hold if criterion_met(attack, unforeseeable) is not established"]
    assert "  liable(jd_cloud, outage)" in lines[start:]


def test_ask_json_explain_has_one_explanation_per_conclusion():
    payload = json.loads(run("ask", EARTHQUAKE, "--json", "--explain").stdout)
    assert len(payload["explanations"]) == len(payload["conclusions"]) == 3 + len(STANDING)
    assert all(e["holds"] and e["clauses"] for e in payload["explanations"])


# --- test -------------------------------------------------------------------------------

def test_test_passes_on_the_builtin_scenarios():
    files = sorted((ROOT / SCENARIOS_DIR).glob("*.yaml"))
    expectations = sum(len(yaml.safe_load(p.read_text(encoding="utf-8")).get("expect") or []) for p in files)
    proc = run("test")
    assert (proc.returncode, proc.stderr) == (0, "")
    lines = proc.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [f"ok   {SCENARIOS_DIR}/{p.name}" for p in files]
    assert lines[-1] == f"{expectations} passed, 0 failed"
    assert expectations >= 800


def test_test_fails_with_exit_1_on_a_wrong_expectation(tmp_path):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "scenario: earthquake, wrongly expected liable\n"
        "facts:\n"
        "  - event(quake, earthquake)\n"
        "  - suffered(jd_cloud, quake)\n"
        "  - affects_performance(quake, impossible)\n"
        "  - breach(jd_cloud, outage)\n"
        "  - breach_caused_by(outage, quake)\n"
        "expect:\n"
        "  - holds: force_majeure(quake)\n"
        "  - holds: liable(jd_cloud, outage)\n"
        "  - does_not_hold: exempt_from_liability(jd_cloud, B)\n", encoding="utf-8")
    proc = run("test", str(wrong))
    assert (proc.returncode, proc.stderr) == (1, "")
    assert proc.stdout.splitlines() == [
        f"FAIL {wrong}: earthquake, wrongly expected liable",
        "     line 10: expected liable(jd_cloud, outage) to hold, but it does not",
        "       in words, expected to hold: JD Cloud is liable for the failure outage",
        "     line 11: expected exempt_from_liability(jd_cloud, B) not to hold, but it does: "
        "exempt_from_liability(jd_cloud, outage)",
        "       in words, expected not to hold: JD Cloud is exempt from liability for some failure",
        "1 passed, 2 failed",
    ]
    atoms = run("test", "--atoms", str(wrong)).stdout.splitlines()
    assert [line for line in atoms if "in words" in line] == [] and len(atoms) == 4


def test_test_fails_with_exit_1_on_wrong_cites(tmp_path):
    wrong = tmp_path / "cites.yaml"
    wrong.write_text("scenario: cites\nfacts:\n  - event(quake, earthquake)\nexpect:\n"
                     "  - holds: force_majeure(quake)\n    cites: [9.1]\n", encoding="utf-8")
    proc = run("test", str(wrong))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"FAIL {wrong}: cites",
        "     line 5: force_majeure(quake) holds, but its explanation cites [9.2], expected [9.1]",
        "       in words, expected to hold: the event quake is force majeure",
        "0 passed, 1 failed",
    ]


def test_test_reports_an_invalid_scenario_file_as_bad_input_exit_2_with_its_error_on_stderr(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: bad\nfacts:\n  - sufered(jd_cloud, quake)\n", encoding="utf-8")
    proc = run("test", str(bad))
    assert proc.returncode == 2
    assert proc.stdout.splitlines() == [f"FAIL {bad}: (invalid)", "0 passed, 0 failed, 1 invalid"]
    assert proc.stderr == (f"error: {bad}:3: unknown predicate: 'sufered' is not in the vocabulary "
                           f"(did you mean 'suffered'?)\n")


def test_test_exits_2_for_an_invalid_file_even_next_to_a_failed_expectation(tmp_path):
    wrong = tmp_path / "a_wrong.yaml"
    wrong.write_text("scenario: wrong\nfacts:\n  - event(quake, earthquake)\nexpect:\n"
                     "  - does_not_hold: force_majeure(quake)\n", encoding="utf-8")
    both = tmp_path / "b_both.yaml"
    both.write_text("scenario: both\nfacts: []\nexpect:\n  - holds: force_majeure(quake)\n"
                    "    does_not_hold: force_majeure(quake)\n", encoding="utf-8")
    proc = run("test", str(wrong), str(both))
    assert proc.returncode == 2
    assert proc.stdout.splitlines()[-1] == "0 passed, 1 failed, 1 invalid"
    assert proc.stderr == (f"error: {both}:4: scenario error: an expectation needs exactly one of 'holds', "
                           f"'does_not_hold' or 'open'\n")


def test_test_on_a_missing_file_is_an_error():
    assert_one_error_line(run("test", "no_such_scenario.yaml"),
                          "error: no_such_scenario.yaml: scenario error: file not found")


# --- check, clause, schema ------------------------------------------------------------------

def test_check_reports_all_checks_passed_and_the_coverage():
    proc = run("check")
    assert (proc.returncode, proc.stderr) == (0, "")
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r'JD Cloud "JCS for Kubernetes" Service Terms: 97 numbered clauses, \d+ rules, '
                        r'\d+ parameters, \d+ inputs, \d+ conclusions: all checks passed', lines[0])
    assert "  8.1          encoded by disc_liability_for_4_2_breach, " \
           "disc_liability_for_confidentiality_breach, disc_use_outside_service_purposes_liability, " \
           "fee_any_unpaid_fee_legal_action, fm_party_cause_between, liab_attributable_behind, liab_attributable_between, " \
           "liab_attributable_jd_cloud_side, liab_event_behind, liab_event_behind_chain, " \
           "liab_event_has_cause, liab_failure_traced_through_chain, liab_failure_traced_to_cause, " \
           "liab_jd_cloud_answers_for_part, liab_jd_cloud_answers_for_third_party, " \
           "liab_jd_cloud_cause_contributed, liab_jd_cloud_event_kinds, liab_jd_cloud_side_event, " \
           "liab_liability_for_uncleared_fault, liab_no_liability_user_reasons, " \
           "liab_operative_attributable_cause, liab_operative_first_event, " \
           "liab_reduced_for_missing_backup, liab_reduced_for_user_contribution, " \
           "liab_third_party_act_after_user_cause, liab_third_party_event_kinds, liab_user_bears_whole_failure, liab_user_cause_whole_alone, " \
           "liable_for_breach, ret_liability_for_early_deletion, " \
           "term_liability_for_measure_without_ground, term_liability_for_termination_without_ground" in lines
    start = lines.index("clauses: 98 (preamble and numbered clauses)")
    assert lines[start + 1:start + 3] == ["encoded: 84, omitted with a reason: 14, pending: 0, unaccounted: 0",
                                          "accounted: 100.0%"]
    assert lines[1] == ("sentences: 433 predicates, 360 values and 50 interpretations have their words "
                        "(says:, label:, title:)")
    assert lines[2].startswith("areas (15): each has vocabulary/<area>.yaml")
    assert any(line.split()[:4] == ["force_majeure", "5", "inputs,", "6"] for line in lines[3:start])
    assert "  9.1          encoded by fm_cause_excused_force_majeure, " \
           "fm_concurrent_cause_no_full_exemption, fm_excuses_failure_it_caused, fm_excuses_party, " \
           "fm_excuses_through_chain, fm_exempts_breach, fm_jd_cloud_answers_for_cause, fm_no_liability, " \
           "fm_partly_exempt, " \
           "fm_suffered_by_failing_party, fm_suffered_input, fm_unexcused_concurrent_cause, " \
           "fm_user_answers_for_cause, liab_attributable_force_majeure, " \
           "term_breach_excused_by_force_majeure" in lines


def test_clause_prints_the_text_of_9_2():
    proc = run("clause", "9.2")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == f"9.2  (kb/agreements/jcs_kubernetes/terms.md:115)\n{TEXT_9_2}\n"


def test_clause_of_a_section_prints_its_heading_and_clauses():
    proc = run("clause", "9")
    assert proc.returncode == 0
    assert proc.stdout == (f"9 Force Majeure  (kb/agreements/jcs_kubernetes/terms.md:113)\n"
                           f"  9.1: {TEXT_9_1}\n  9.2: {TEXT_9_2}\n")


def test_schema_prints_a_json_schema_for_scenarios():
    proc = run("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["scenario", "facts"]
    titles = [v["title"] for v in schema["properties"]["facts"]["items"]["anyOf"]]
    assert "event(event: id, kind: event_kind)" in titles
    assert sorted(titles) == titles and len(titles) == len(kb.load_agreement().vocabulary.inputs)


# --- errors: exit code 2 and one line on stderr --------------------------------------------

def test_unknown_clause_suggests_the_closest():
    assert_one_error_line(run("clause", "9.3"), "error: unknown clause: no clause '9.3' in "
                                                "kb/agreements/jcs_kubernetes/terms.md (did you mean '9.2'?)")


def test_missing_scenario_file():
    assert_one_error_line(run("ask", "no_such_scenario.yaml"),
                          "error: no_such_scenario.yaml: scenario error: file not found")


def test_bad_query_syntax():
    assert_one_error_line(run("ask", EARTHQUAKE, "--query", "liable(jd_cloud"),
                          "error: <query>:1: syntax error: expected ')' but found end of input")


def test_unknown_predicate_in_a_query_suggests_the_closest():
    line = assert_one_error_line(run("ask", EARTHQUAKE, "--query", "liabel(jd_cloud, B)"))
    assert line.startswith("error: <query>")
    assert line.endswith("unknown predicate: 'liabel' is not in the vocabulary (did you mean 'liable'?)")


def test_wrong_arity_in_a_query():
    line = assert_one_error_line(run("ask", EARTHQUAKE, "--query", "liable(jd_cloud)"))
    assert line.endswith("wrong arity: 'liable' takes 2 arguments (liable(party: party, breach: id)), got 1")


def test_scenario_with_an_error_reports_its_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: bad\nfacts:\n  - event(quake, earthquak)\n", encoding="utf-8")
    line = assert_one_error_line(run("ask", str(bad)))
    assert line.startswith(f"error: {bad}:3: wrong type: argument 2 (kind) of event must be one of the event_kind "
                           f"values (")
    assert line.endswith("got earthquak (did you mean 'earthquake'?)")


def test_unknown_builtin_agreement_suggests_the_closest():
    assert_one_error_line(run("--agreement", "jcs_kubernets", "check"),
                          "error: no built-in agreement 'jcs_kubernets' (available: jcs_kubernetes, sample_dpa) "
                          "(did you mean 'jcs_kubernetes'?)")


def test_broken_rule_file_in_another_knowledge_base_reports_file_and_line(tmp_path):
    from conftest import write_kb

    root = write_kb(tmp_path / "small", {"graph": "@rule r1\n@cites 1.1\n@gloss g.\n"
                                                  "@quote 1.1 \"A node is reachable\"\nreach(X, Y) :- lnk(X, Y).\n"})
    assert_one_error_line(run("--kb", "small", "check", cwd=tmp_path),
                          "error: small/rules/graph.dl:5: unknown predicate: 'lnk' is not in the vocabulary "
                          "(did you mean 'link'?)")


def test_missing_knowledge_base_folder():
    assert_one_error_line(run("--kb", "/nonexistent/kb", "check"),
                          "error: /nonexistent/kb/agreement.yaml: vocabulary error: file not found")


def test_asking_a_folder_instead_of_a_scenario_file(tmp_path):
    assert_one_error_line(run("ask", str(tmp_path)), f"error: {tmp_path}: scenario error: is a folder, not a YAML file")
