"""The legal memo (Evaluation.memo, python -m kb memo): classic order, sentences, quoted clauses,
the other readings, the open points; Markdown and HTML; deterministic; never overwrites a file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import kb
from conftest import REACH_FLAG_PAID_RULES

ROOT = Path(__file__).resolve().parents[1]
EARTHQUAKE = "kb/agreements/jcs_kubernetes/scenarios/force_majeure_earthquake_outage_provider_not_liable.yaml"
EXEMPT = "exempt_from_liability(jd_cloud, outage)"
SECTIONS = ["Question", "Short answer", "Facts", "Rules applied", "Interpretations", "Open points"]



def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.fixture(scope="module")
def quake_memo(agreement):
    return agreement.evaluate(agreement.load_scenario(EARTHQUAKE)).memo(EXEMPT)


def sections(markdown: str) -> dict[str, str]:
    parts = markdown.split("\n## ")
    return {p.split("\n", 1)[0]: p.split("\n", 1)[1].strip() for p in parts[1:]}


def test_the_memo_is_in_the_classic_order(quake_memo):
    md = quake_memo.to_markdown()
    assert md.startswith("# Memo: earthquake outage: provider not liable, 9.1\n\n"
                         "*On the JD Cloud \"JCS for Kubernetes\" Service Terms.*\n\n## Question\n")
    assert [line[3:] for line in md.splitlines() if line.startswith("## ")] == SECTIONS


def test_question_short_answer_and_facts_are_sentences(quake_memo):
    found = sections(quake_memo.to_markdown())
    assert found["Question"] == ("Does it follow from the facts below that JD Cloud is exempt from liability for the "
                                 "failure outage? (`exempt_from_liability(jd_cloud, outage)`)")
    assert found["Short answer"] == ("**Yes: JD Cloud is exempt from liability for the failure outage.**\n\n"
                                     "The answer rests on clauses 8.1, 9.1, 9.2.")
    assert found["Facts"] == (
        "Stated in the scenario:\n\n"
        "- Because of the event quake, performing the Service Terms became impossible. "
        "(`affects_performance(quake, impossible)`)\n"
        "- JD Cloud failed to perform an obligation of the Service Terms (the failure outage). "
        "(`breach(jd_cloud, outage)`)\n"
        "- The failure outage was caused by the event quake. (`breach_caused_by(outage, quake)`)\n"
        "- The event quake is an earthquake (listed in 9.2). (`event(quake, earthquake)`)\n"
        "- JD Cloud suffered the event quake. (`suffered(jd_cloud, quake)`)")


def test_rules_applied_quote_the_deciding_clauses(quake_memo):
    rules = sections(quake_memo.to_markdown())["Rules applied"].splitlines()
    assert rules[:4] == [
        "**JD Cloud is exempt from liability for the failure outage.**",
        "",
        "because a party whose failure to perform was caused by force majeure that excuses it (directly, or at the "
        "start of the chain of causes of its stated cause) shall not be held liable for that failure "
        "\\[9.1; rule `fm_exempts_breach`\\]",
        "> **9.1** \u201cthe party suffering from force majeure or accident shall not be held liable\u201d"]
    assert "      - none of the 2 exceptions applies: 9.2 lacks quality, 9.2 strict reading" in rules
    assert "  - the event quake is force majeure *(shown above)*" in rules
    assert "- JD Cloud failed to perform an obligation of the Service Terms (the failure outage) " \
           "*(stated in the scenario, line 9)*" in rules
    # the clauses relied on, whole
    assert ("> **9.1** When the Service Terms is impossibly performed or become unnecessary or meaningless due to "
            "force majeure or other accidents, the party suffering from force majeure or accident shall not be held "
            "liable.") in rules


def test_the_other_reading_that_changes_the_answer_is_named(quake_memo):
    text = sections(quake_memo.to_markdown())["Interpretations"]
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "The scenario reads every ambiguous passage by its default reading."
    assert paragraphs[1] == ("The question depends on 14 interpretations; the scenario was evaluated again under the "
                             "other reading of each (2 consulted by the rules above, the others nearest the question "
                             "first).")
    assert paragraphs[2] == "Readings that would change the answer:"
    assert paragraphs[3].startswith("- **strict\\_force\\_majeure\\_list** (9.2): Is an event of a kind 9.2 lists")
    assert paragraphs[3].endswith("**the answer would be no: it does not follow that JD Cloud is exempt from "
                                  "liability for the failure outage**.")
    assert "Under the alternative \u201cA listed event must still show every quality of 9.2\u201d" in paragraphs[3]
    assert paragraphs[4].startswith(
        "Under the other reading of each of these, the answer stays yes: "
        "complaint\\_requires\\_contrary\\_evidence, concurrent\\_cause\\_full\\_exemption, ")
    assert len(paragraphs) == 5


def test_a_cap_on_the_readings_is_stated(agreement):
    memo = agreement.evaluate(agreement.load_scenario(EARTHQUAKE)).memo(EXEMPT, max_readings=2)
    text = sections(memo.to_markdown())["Interpretations"]
    assert ("The question depends on 14 interpretations; the scenario was evaluated again under the other reading "
            "of 2 of them (2 consulted by the rules above, the others nearest the question first).") in text
    assert "Not evaluated (12; at most 2 are): " in text


def test_open_points_are_the_changes_that_would_flip_the_answer(quake_memo):
    text = sections(quake_memo.to_markdown())["Open points"]
    assert text.splitlines()[:7] == [
        "What would make it stop holding that JD Cloud is exempt from liability for the failure outage:",
        "",
        "1. Add: the event quake is found not to be any of these 4: insurmountable; of significant impact; unavoidable; "
        "unforeseeable.",
        "2. Remove: JD Cloud failed to perform an obligation of the Service Terms (the failure outage).",
        "3. Remove: the failure outage was caused by the event quake.",
        "4. Remove: the event quake is an earthquake (listed in 9.2).",
        ""]
    assert text.splitlines()[7].startswith("Tried ")


def test_an_open_answer_names_the_facts_that_decide_it(agreement, open_scenario_file):
    path = open_scenario_file
    memo = agreement.evaluate(agreement.load_scenario(path)).memo("liable(jd_cloud, outage)")
    found = sections(memo.to_markdown())
    assert found["Short answer"].splitlines()[:4] == [
        "**Open: whether JD Cloud is liable for the failure outage depends on the facts in question.**",
        "",
        "- It holds if it is not established that the event attack is found to be unforeseeable.",
        "- It does not hold if it is established that the event attack is found to be unforeseeable."]
    assert "In question (may be either):\n\n- The event attack is found to be unforeseeable. " \
           "(`criterion_met(attack, unforeseeable)`)" in found["Facts"]
    assert found["Open points"] == ("The answer turns on the facts in question:\n\n"
                                    "- The event attack is found to be unforeseeable. (`criterion_met(attack, unforeseeable)`)")
    # listing DDoS among the events of 9.2 (hackers_listed) would decide it
    assert "- **hackers\\_listed** (9.2): " in found["Interpretations"]
    assert ("**the answer would be no: it does not follow that JD Cloud is liable for the failure outage**."
            in found["Interpretations"])


def test_several_questions_each_get_their_part(agreement):
    memo = agreement.evaluate(agreement.load_scenario(EARTHQUAKE)).memo(["liable(jd_cloud, B)", EXEMPT])
    found = sections(memo.to_markdown())
    assert found["Question"] == (
        "1. Does it follow from the facts below that JD Cloud is liable for some failure? (`liable(jd_cloud, B)`)\n\n"
        "2. Does it follow from the facts below that JD Cloud is exempt from liability for the failure outage? "
        "(`exempt_from_liability(jd_cloud, outage)`)")
    assert found["Short answer"].startswith(
        "### Question 1\n\n**No: it does not follow that JD Cloud is liable for some failure.**\n\n"
        "The rules considered cite clauses 8.1, 9.1, 9.2.\n\n### Question 2\n\n**Yes: ")
    assert found["Open points"].startswith(
        "### Question 1\n\nThe question names no particular case (it has variables)")
    assert [m.value for m in memo.answers] == ["no", "yes"]


def test_the_memo_on_the_small_test_kb(make_kb):
    small = make_kb(REACH_FLAG_PAID_RULES)
    result = small.evaluate(small.scenario(["node(a)", "node(b)", "link(a, b)"], name="two nodes"))
    md = result.memo("flagged(a)").to_markdown()
    found = sections(md)
    assert [line[3:] for line in md.splitlines() if line.startswith("## ")] == SECTIONS
    # no sentence templates in the small vocabulary: the atoms are shown as written, once
    assert found["Question"] == "Does it follow from the facts below that flagged(a)? (`flagged(a)`)"
    assert found["Short answer"] == "**Yes: flagged(a).**\n\nThe answer rests on clauses 1.1, 1.2."
    assert found["Facts"] == "Stated in the scenario:\n\n- `link(a, b)`\n- `node(a)`\n- `node(b)`"
    assert found["Interpretations"] == (
        "The scenario reads every ambiguous passage by its default reading.\n\n"
        "The question depends on no interpretation: no other reading could change the answer.")
    assert found["Open points"].splitlines()[:3] == ["What would make it stop holding that flagged(a):", "",
                                                     "1. Remove: link(a, b)."]


def test_html_is_escaped_and_keeps_the_atoms_in_tooltips(quake_memo):
    page = quake_memo.to_html()
    assert page.startswith("<article class='kb-memo'>\n<h1>Memo: earthquake outage: provider not liable, 9.1</h1>\n"
                           "<p><i>On the JD Cloud &quot;JCS for Kubernetes&quot; Service Terms.</i></p>\n")
    assert [part.split("</h2>")[0] for part in page.split("<h2>")[1:]] == SECTIONS
    assert ("<li><span class='kb-sentence' title='event(quake, earthquake)'>The event quake is an earthquake "
            "(listed in 9.2).</span></li>") in page
    assert ("<blockquote class='kb-quote'><b>9.1</b> &ldquo;the party suffering from force majeure or accident shall "
            "not be held liable&rdquo;</blockquote>") in page
    assert "<b>the answer would be no: it does not follow that JD Cloud is exempt from liability" in page
    assert quake_memo._repr_html_() == page
    assert "<script" not in page and " at 0x" not in page


def test_html_escapes_what_a_scenario_names(agreement):
    scenario = agreement.scenario(["event(quake, earthquake)"], name="<b>bold</b> & co")
    page = agreement.evaluate(scenario).memo("force_majeure(quake)").to_html()
    assert "<h1>Memo: &lt;b&gt;bold&lt;/b&gt; &amp; co</h1>" in page and "<b>bold</b>" not in page


# --- the command ----------------------------------------------------------------------------

def test_memo_command_prints_markdown_without_out(quake_memo):
    proc = run("memo", EARTHQUAKE, "--query", EXEMPT)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == quake_memo.to_markdown()


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_memo_command_writes_the_format_of_the_extension(tmp_path, quake_memo, suffix):
    out = tmp_path / f"memo{suffix}"
    proc = run("memo", EARTHQUAKE, "--query", EXEMPT, "--out", str(out))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"wrote {out}\n", "")
    expected = quake_memo.to_html() if suffix == ".html" else quake_memo.to_markdown()
    assert out.read_text(encoding="utf-8") == expected


def test_memo_command_refuses_to_overwrite_a_file(tmp_path):
    out = tmp_path / "memo.md"
    out.write_text("someone else's notes\n", encoding="utf-8")
    proc = run("memo", EARTHQUAKE, "--query", EXEMPT, "--out", str(out))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"error: {out} exists: the memo does not overwrite a file (add --force to replace it)\n"
    assert out.read_text(encoding="utf-8") == "someone else's notes\n"
    forced = run("memo", EARTHQUAKE, "--query", EXEMPT, "--out", str(out), "--force")
    assert forced.returncode == 0 and out.read_text(encoding="utf-8").startswith("# Memo: earthquake outage")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memo.md"]  # no temporary file left


def test_memo_command_refuses_an_unknown_format(tmp_path):
    proc = run("memo", EARTHQUAKE, "--query", EXEMPT, "--out", str(tmp_path / "memo.pdf"))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (f"error: {tmp_path / 'memo.pdf'}: the memo is written as Markdown (.md) or HTML (.html); "
                           f"give a file name ending in one of them\n")
    assert not (tmp_path / "memo.pdf").exists()


def test_memo_save_never_replaces_a_file_without_force(quake_memo, tmp_path):
    out = tmp_path / "memo.html"
    out.write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError):
        quake_memo.save(out)
    assert out.read_text(encoding="utf-8") == "mine"
    quake_memo.save(out, force=True)
    assert out.read_text(encoding="utf-8") == quake_memo.to_html()


def test_memo_html_is_identical_across_hash_seeds(tmp_path):
    pages = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"memo{seed}.html"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = run("memo", EARTHQUAKE, "--query", EXEMPT, "--query", "liable(jd_cloud, B)", "--out", str(out),
                   env=env)
        assert proc.returncode == 0, proc.stderr
        pages.append(out.read_text(encoding="utf-8"))
    assert pages[0] == pages[1] == pages[2]


def test_a_memo_needs_a_question(agreement):
    with pytest.raises(kb.KbError, match="a memo needs a question"):
        agreement.evaluate([]).memo([])
