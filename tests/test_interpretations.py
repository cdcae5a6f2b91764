"""Named interpretations, vocabularies split over several files, and coverage folders."""
from __future__ import annotations

import textwrap

import pytest

import kb
from conftest import SMALL_TEXT

COMMON = """
areas:
  graph: Graph
types:
  colour:
    kind: enum
    doc: A colour.
    values:
      red: red
inputs:
  node:
    args: {n: id}
    doc: A node.
    area: graph
conclusions:
  flagged:
    args: {n: id}
    doc: Flagged.
    area: graph
interpretations:
  strict:
    clauses: ["1.2"]
    question: Is isolation strict?
    default: No, any node is flagged.
    alternative: Yes, only painted nodes are flagged.
"""

EXTRA = """
types:
  colour:
    kind: enum
    values:
      blue: blue
inputs:
  paint:
    args: {n: id, c: colour}
    doc: Painted.
    area: painting
areas:
  painting: Painting
"""

RULES = """
@rule flag_any
@cites 1.2
@gloss Every node is flagged unless the strict reading applies.
@quote 1.2 "A node is isolated"
flagged(N) :- node(N), not interpretation(strict).

@rule flag_painted
@cites 1.2
@gloss Under the strict reading only painted nodes are flagged.
@quote 1.2 "A node is isolated"
flagged(N) :- node(N), paint(N, _), interpretation(strict).
"""


def build(tmp_path, common=COMMON, extra=EXTRA, rules=RULES, coverage=None):
    root = tmp_path / "kb"
    (root / "vocabulary").mkdir(parents=True)
    (root / "rules").mkdir()
    (root / "terms.md").write_text(SMALL_TEXT, encoding="utf-8")
    (root / "vocabulary" / "graph.yaml").write_text(textwrap.dedent(common), encoding="utf-8")
    (root / "vocabulary" / "painting.yaml").write_text(textwrap.dedent(extra), encoding="utf-8")
    (root / "rules" / "graph.dl").write_text(rules, encoding="utf-8")
    manifest = "name: small\ntitle: Small\ntext: terms.md\nvocabulary: vocabulary\nrules: rules\n"
    if coverage is not None:
        (root / "coverage").mkdir()
        for name, body in coverage.items():
            (root / "coverage" / name).write_text(body, encoding="utf-8")
        manifest += "coverage: coverage\n"
    (root / "agreement.yaml").write_text(manifest, encoding="utf-8")
    return kb.load_knowledge_base(root)


def test_enumerations_merge_across_vocabulary_files(tmp_path):
    base = build(tmp_path)
    assert base.vocabulary.types["colour"].value_names == ("red", "blue")
    assert base.vocabulary.inputs["interpretation"].signature == "interpretation(reading: interpretation)"


def test_an_interpretation_switches_the_reading(tmp_path):
    base = build(tmp_path)
    facts = ["node(a)", "node(b)", "paint(b, blue)"]
    assert base.evaluate(facts).ask("flagged(N)") == [{"N": "a"}, {"N": "b"}]
    assert base.evaluate(facts + ["interpretation(strict)"]).ask("flagged(N)") == [{"N": "b"}]


def test_a_scenario_file_switches_interpretations_on(tmp_path):
    base = build(tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text("scenario: strict reading\ninterpretations: [strict]\nfacts:\n  - node(a)\n", encoding="utf-8")
    scenario = base.load_scenario(path)
    assert scenario.interpretations == ("strict",)
    assert base.evaluate(scenario).ask("flagged(N)") == []


def test_an_unknown_interpretation_in_a_scenario_suggests_the_declared_one(tmp_path):
    base = build(tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text("scenario: s\ninterpretations: [strickt]\nfacts: []\n", encoding="utf-8")
    with pytest.raises(kb.KbError) as info:
        base.load_scenario(path)
    assert str(info.value).endswith(
        "s.yaml:2: wrong type: argument 1 (reading) of interpretation must be one of the interpretation values "
        "(strict), got strickt (did you mean 'strict'?)")


def test_an_interpretation_no_rule_consults_is_an_error(tmp_path):
    rules = RULES.split("@rule flag_painted")[0].replace("not interpretation(strict)", "node(N)")
    with pytest.raises(kb.KbError) as info:
        build(tmp_path, rules=rules)
    assert "graph.yaml:" in str(info.value)
    assert "interpretation 'strict' is consulted by no rule: switching it on would change nothing" in str(info.value)


def test_a_predicate_outside_the_file_of_its_area_is_an_error(tmp_path):
    extra = EXTRA.replace("area: painting", "area: graph")
    with pytest.raises(kb.KbError) as info:
        build(tmp_path, extra=extra)
    assert str(info.value).endswith(
        "painting.yaml:9: vocabulary error: predicate 'paint' of area 'graph' is declared in painting.yaml: "
        "declare it in graph.yaml (one file per area)")


def test_an_enumeration_value_declared_twice_is_an_error(tmp_path):
    extra = EXTRA.replace("blue: blue", "red: red again")
    with pytest.raises(kb.KbError) as info:
        build(tmp_path, extra=extra)
    assert "painting.yaml:6: vocabulary error: enumeration 'colour' declares 'red' again" in str(info.value)


def test_coverage_folder_merges_and_rejects_duplicates(tmp_path):
    base = build(tmp_path, coverage={"a.yaml": '"1": "heading"\n', "b.yaml": '"2.1": "pending: later"\n'})
    statuses = {e.clause: e.status for e in base.coverage().entries}
    assert statuses == {"1": "omitted", "1.1": "unaccounted", "1.2": "encoded", "2": "unaccounted",
                        "2.1": "pending"}
    with pytest.raises(kb.KbError) as info:
        build(tmp_path / "dup", coverage={"a.yaml": '"1": "heading"\n', "b.yaml": '"1": "again"\n'})
    assert "b.yaml:1: citation error: clause 1 is listed twice as not encoded" in str(info.value)


def test_the_cli_lists_interpretations_with_the_rules_that_consult_them(agreement):
    listing = agreement.interpretations()
    names = [i["name"] for i in listing]
    assert names == sorted(names) and "start_day_counts" in names
    start = listing[names.index("start_day_counts")]
    assert start["rules"] == ["$period_start_offset"]
    assert start["clauses"] == ["2.2.1.2", "3.1.3.12", "3.2.6", "4.3", "7.1", "7.3.5", "10.1"]


def test_the_knowledge_base_documentation_is_generated_from_the_vocabulary(agreement):
    """The README lists every interpretation, area and omitted clause exactly as the vocabulary
    and the coverage files say (``python -m kb interpretations --markdown`` prints the list)."""
    from kb.cli import interpretations_markdown

    readme = (agreement.root / "README.md").read_text(encoding="utf-8")
    listing = agreement.interpretations()
    assert len(listing) >= 6
    assert interpretations_markdown(listing) in readme
    for area, title in agreement.vocabulary.areas.items():
        assert f"- `{area}`: {title}\n" in readme
    for cid, reason in agreement.omissions.items():
        assert f"- **{cid}**: {reason}\n" in readme


def test_every_interpretation_has_scenarios_for_it(agreement):
    switched = set()
    for path in agreement.scenario_files():
        switched.update(agreement.load_scenario(path).interpretations)
    assert switched == {i["name"] for i in agreement.interpretations()}


def test_a_scenario_written_as_yaml_reads_back_to_the_same_facts(agreement, tmp_path):
    from kb.scenario import scenario_to_yaml

    original = agreement.load_scenario("force_majeure_flood_and_own_equipment_failure_full_exemption_interpretation.yaml")
    assert original.interpretations == ("concurrent_cause_full_exemption",)
    path = tmp_path / "round_trip.yaml"
    path.write_text(scenario_to_yaml(original, agreement.vocabulary), encoding="utf-8")
    again = agreement.load_scenario(path)
    assert (again.name, again.interpretations, again.fact_keys()) == (
        original.name, original.interpretations, original.fact_keys())
    assert [c.text for c in agreement.evaluate(again).conclusions] == \
        [c.text for c in agreement.evaluate(original).conclusions]


def test_explanations_say_whether_an_interpretation_is_switched_on(tmp_path):
    base = build(tmp_path)
    default = base.evaluate(["node(a)"])
    assert "  - the interpretation strict is not adopted" in default.explain("flagged(a)").to_text().splitlines()
    assert "  - the interpretation strict is not switched on" in \
        default.explain("flagged(a)").to_text(atoms=True).splitlines()
    strict = base.evaluate(["node(a)", "interpretation(strict)"])
    details = sorted(r.detail for r in strict.why_not("flagged(a)").reasons)
    assert details == ["paint(a, _) is not a fact of the scenario", "the interpretation strict is switched on"]
