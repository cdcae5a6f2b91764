"""The blind review: the packet a reviewer reads, and the check of its files that shows no answer."""
from __future__ import annotations

from pathlib import Path

import pytest

import kb
from kb.errors import KbError
from kb.review import PACKET_FILES, write_review_packet

from test_cli import EARTHQUAKE, ROOT, assert_one_error_line, run


def test_the_packet_holds_the_text_the_vocabulary_the_readings_and_a_brief_but_no_rule(agreement, tmp_path):
    written = write_review_packet(agreement, tmp_path / "packet", minimum=70)
    folder = tmp_path / "packet"
    assert [p.name for p in written] == ["BRIEF.md", "interpretations.txt", "terms.md", "vocabulary.txt"]
    assert (folder / "cases").is_dir() and not any((folder / "cases").iterdir())
    terms = (folder / "terms.md").read_text(encoding="utf-8")
    assert terms == (ROOT / "kb/agreements/jcs_kubernetes/terms.md").read_text(encoding="utf-8")
    brief = (folder / "BRIEF.md").read_text(encoding="utf-8")
    assert brief.startswith('# Blind review of JD Cloud "JCS for Kubernetes" Service Terms\n')
    assert "At least 70 cases" in brief and "python -m kb test --load-only cases/*.yaml" in brief
    readings = (folder / "interpretations.txt").read_text(encoding="utf-8")
    assert "strict_force_majeure_list [9.2]\n  question:" in readings
    vocabulary = (folder / "vocabulary.txt").read_text(encoding="utf-8")
    assert "exempt_from_liability(party: party, breach: id)" in vocabulary
    # the reviewer learns what the kit may conclude, never how the rules are cut
    rule_names = {rule.id for rule in agreement.program.all_rules()}
    assert "fm_listed_event" in rule_names
    packet_text = readings + vocabulary + brief
    assert [name for name in sorted(rule_names) if f" {name}," in packet_text or f" {name}\n" in packet_text] == []


def test_the_packet_never_overwrites_a_file(agreement, tmp_path):
    (tmp_path / "terms.md").write_text("someone's notes", encoding="utf-8")
    with pytest.raises(KbError) as info:
        write_review_packet(agreement, tmp_path)
    assert str(info.value) == (f"error: {tmp_path / 'terms.md'} already exists: the review packet never overwrites a "
                               f"file; choose an empty folder")
    assert (tmp_path / "terms.md").read_text(encoding="utf-8") == "someone's notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["terms.md"]  # nothing else written either


def test_review_packet_command_writes_the_files_and_refuses_a_second_time(tmp_path):
    proc = run("review-packet", str(tmp_path / "p"))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == [str(tmp_path / "p" / name) for name in sorted(PACKET_FILES)]
    again = run("review-packet", str(tmp_path / "p"))
    assert_one_error_line(again)
    assert "already exist: the review packet never overwrites a file" in again.stderr


def test_load_only_checks_the_files_without_showing_an_answer(tmp_path):
    bad = tmp_path / "review_002_bad.yaml"
    bad.write_text("scenario: s\nfacts:\n  - event(quake, earthquak)\nexpect:\n  - holds: liable(jd_cloud, b)\n",
                   encoding="utf-8")
    empty = tmp_path / "review_003_no_expectation.yaml"
    empty.write_text("scenario: s\nfacts:\n  - event(quake, earthquake)\n", encoding="utf-8")
    proc = run("test", "--load-only", EARTHQUAKE, str(bad), str(empty))
    assert proc.returncode == 2 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == f"loads   {EARTHQUAKE}"
    assert lines[1].startswith(f"invalid {bad}:3: wrong type: argument 2 (kind) of event must be one of the "
                               f"event_kind values (")
    assert lines[1].endswith("got earthquak (did you mean 'earthquake'?)")
    assert lines[2] == (f"invalid {empty}: the scenario has no expectations "
                        f"(add expect: holds / does_not_hold / open)")
    assert lines[3:] == ["1 load, 2 invalid"]
    assert "holds" not in proc.stdout.replace("does_not_hold", "").replace("holds / ", "")  # no answer leaks


def test_load_only_exits_0_when_every_file_loads():
    proc = run("test", "--load-only", EARTHQUAKE)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"loads   {EARTHQUAKE}\n1 load, 0 invalid\n", "")
