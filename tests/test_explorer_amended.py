"""The explorer switches between the original and an amended agreement (kb.amend / %%kb_rules),
driven from Python as a user clicks: the facts stay, the answers follow the version chosen, and
the answers panel marks what the switch gained and lost."""
from __future__ import annotations

import pytest

from kb.amend import amend_rules, copy_agreement
from kb.errors import KbError
from kb.knowledge import load_knowledge_base
from widgets.explorer import Explorer, conclusions_text

from test_amend import RETENTION_30_CELL as RETENTION_30
from test_amend import comma_restored

DAY_8 = "data_retention_day_8.yaml"  # the Service Terms end on 1 March 2026


@pytest.fixture(scope="module")
def amended(agreement):
    return amend_rules(agreement, RETENTION_30)


def panel(ex) -> str:
    return conclusions_text(ex.conclusions_panel.value)


def test_use_agreement_recomputes_the_answers_and_marks_the_change(agreement, amended):
    ex = Explorer(agreement, DAY_8, graph=False)
    facts = ex.facts()
    assert ex.evaluation.holds("data_retention_last_day(2026-03-08)")
    assert ex.evaluation.holds("data_no_longer_retained_on(2026-03-09)")
    ex.use_agreement(amended)
    assert ex.kb is amended and ex.facts() == facts
    assert ex.evaluation.holds("data_retention_last_day(2026-03-31)")
    assert ex.evaluation.holds("must_store_data_on(2026-03-09)")
    assert not ex.evaluation.holds("data_no_longer_retained_on(2026-03-09)")
    text = panel(ex)
    assert text.splitlines()[0] == "+3 -3 since the last change"
    ex.use_agreement(agreement)  # and back
    assert ex.evaluation.holds("data_retention_last_day(2026-03-08)")
    assert panel(ex).splitlines()[0] == "+3 -3 since the last change"


def test_dropdown_of_versions_switches_like_a_click(agreement, amended):
    ex = Explorer(scenario=DAY_8, graph=False, agreements={"original": agreement, "30 days": amended})
    assert ex.kb is agreement
    assert [label for label, _ in ex.agreement_choice.options] == ["original", "30 days"]
    ex.agreement_choice.value = amended
    assert ex.kb is amended and ex.status.value == ""
    assert ex.evaluation.holds("data_retention_last_day(2026-03-31)")
    ex.use_agreement(agreement)
    assert ex.agreement_choice.value is agreement


def test_a_version_with_other_readings_is_refused_in_the_status_line(agreement, tmp_path):
    root = copy_agreement(None, tmp_path / "comma")
    comma_restored(root)
    other = load_knowledge_base(root)
    ex = Explorer(agreement, DAY_8, graph=False, agreements={"original": agreement, "comma": other})
    with pytest.raises(KbError, match="other facts or readings"):
        ex.use_agreement(other)
    ex.agreement_choice.value = other  # a click: the error is shown, the explorer stays as it was
    assert "other facts or readings" in ex.status.value and ex.kb is agreement
