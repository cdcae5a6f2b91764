"""Tests of kb.clauses against the JCS for Kubernetes terms and small synthetic agreements."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.clauses import Clause, ClauseTree, parse_agreement, parse_agreement_text  # noqa: E402
from kb.errors import KbSyntaxError, UnknownClauseError  # noqa: E402

TERMS = ROOT / "kb" / "agreements" / "jcs_kubernetes" / "terms.md"


@pytest.fixture(scope="module")
def tree() -> ClauseTree:
    return parse_agreement(TERMS)


# -- counts and order ------------------------------------------------------

def test_numbered_count_is_86_clauses_plus_11_sections(tree):
    numbered = tree.numbered_ids()
    assert len(numbered) == 97
    assert [c for c in numbered if "." not in c] == [str(n) for n in range(1, 12)]
    # preamble + 97 numbered + 7 derived (3.1.3.1.a-g)
    assert len(tree) == 105
    assert tree.ids()[:4] == ["preamble", "1", "1.1", "1.2"]
    assert tree.ids()[-1] == "11.3"
    assert [c.id for c in tree] == tree.ids()


def test_source_is_the_path_as_given(tree):
    assert tree.source == str(TERMS)


# -- preamble ----------------------------------------------------------------

def test_preamble(tree):
    pre = tree["preamble"]
    assert pre.kind == "preamble" and pre.numbered is False
    assert pre.parent is None and pre.heading is None and pre.line == 1
    assert pre.text.startswith(
        'This service term is a valid agreement between the owner of the JD Cloud website '
        '(referred to in this Agreement as "JD Cloud" website:www.jdcloud.com) and you'
    )
    assert pre.text.endswith(
        "cannot accurately understand the interpretation of these terms made by JD Cloud, "
        "please do not continue the operation."
    )
    assert pre.section == "preamble"


# -- exact texts and quirks --------------------------------------------------

def test_text_of_9_2(tree):
    c = tree["9.2"]
    assert c.text == (
        "Force majeure or accidental events refer to unforeseeable, insurmountable and "
        "unavoidable objective events that have a significant impact on one or both parties, "
        "including but not limited to natural disasters such as floods, earthquakes, epidemics "
        "of plagues, and social events such as war, unrest, government actions, and interruption "
        "of China telecom trunk lines, hackers network congestion, telecommunications sector "
        "technology adjustment and government regulation."
    )
    assert c.line == 115 and c.parent == "9" and c.kind == "clause" and c.numbered


def test_text_of_8_2_2(tree):
    assert tree["8.2.2"].text == (
        "The speed of your website access is reduced due to path blocking on the Internet."
    )


def test_text_of_3_1_10_not_confused_with_3_1_1(tree):
    assert tree["3.1.10"].text == (
        "Data backup is your obligation and responsibility. The Virtual Machines of JD Cloud may "
        "be configured with the necessary tools with daily data backup function, which does not "
        "mean that data backup is an obligation of JD Cloud. JD Cloud does not guarantee full "
        "backup of user data, nor does it assume any responsibility for user data backup work or "
        "results."
    )
    assert tree["3.1.10"].parent == "3.1"


def test_trailing_dot_quirk_3_1_3_10(tree):
    c = tree["3.1.3.10"]
    assert c.line == 51 and c.parent == "3.1.3"
    assert c.text.startswith(
        "Do not use the services provided by JD Cloud to engage in acts that damage the "
        "legitimate rights and interests of JD Cloud,"
    )
    assert c.text.endswith("the fair trading environment or normal trading order of JD Group;")


def test_leading_space_quirk_3_1_3_2(tree):
    c = tree["3.1.3.2"]
    assert c.line == 35 and c.parent == "3.1.3"
    assert c.text == (
        "Except for the expressive permission of JD Cloud, the services or software provided by "
        "JD Cloud shall not be modified, translated, adapted, leased, transferred, or transmitted "
        "on the information networks, and the source code of services or software provided by "
        "JD Cloud shall not be discovered through reverse engineering, decompiling or other ways;"
    )


def test_double_space_quirk_7_3_4(tree):
    c = tree["7.3.4"]
    assert c.text.startswith("You understand and fully recognize that although JD Cloud has established")
    assert c.text.endswith("and the remaining amount (if any) will be refunded.")
    assert "  " not in c.text


def test_heading_with_paragraph_2_2_2(tree):
    c = tree["2.2.2"]
    assert c.heading == "Pay-As-You-Go" and c.title == "2.2.2 Pay-As-You-Go"
    assert c.text == (
        "You can select the pay-as-you-go mode. Please refer to the announcement on "
        "www.jdcloud.com for the specific deduction rules and the existing valid billing model "
        "and standards for pay-as-you-go service published on the page shall prevail."
    )
    assert c.children == () and c.line == 15


def test_heading_only_2_2_1(tree):
    c = tree["2.2.1"]
    assert c.heading == "Pay-In-Advance" and c.text == ""
    assert c.children == ("2.2.1.1", "2.2.1.2")
    assert tree["2.2.1.1"].text == "After you pay, JD Cloud will start to provide service for you."


def test_sections_and_heading_clauses(tree):
    nine = tree["9"]
    assert (nine.heading, nine.text, nine.kind, nine.parent, nine.numbered) == (
        "Force Majeure", "", "section", None, True)
    assert nine.title == "9 Force Majeure"
    assert tree["4"].heading == "Saving, Destruction and Download of User's Data"
    assert tree["3.1"].heading == "Your Rights and Obligations" and tree["3.1"].text == ""
    assert tree["3.2"].heading == "Rights and Obligations of JD Cloud" and tree["3.2"].text == ""
    assert tree["9.2"].heading is None and tree["9.2"].title == "9.2"


def test_colon_clause_keeps_its_text(tree):
    assert tree["3.1.3"].text == "You promise:" and tree["3.1.3"].heading is None


# -- parents and children ----------------------------------------------------

@pytest.mark.parametrize(
    "clause_id, parent",
    [("3.1.3.6.1", "3.1.3.6"), ("9", None), ("3.1.3.1.c", "3.1.3.1"), ("2.2.1.2", "2.2.1"),
     ("preamble", None)],
)
def test_parents(tree, clause_id, parent):
    assert tree[clause_id].parent == parent


def test_children_of_3_1_3_1_and_8_2(tree):
    assert tree["3.1.3.1"].children == tuple(f"3.1.3.1.{x}" for x in "abcdefg")
    assert tree["8.2"].children == ("8.2.1", "8.2.2")


def test_section_property(tree):
    assert tree["3.1.3.6.1"].section == "3"
    assert tree["3.1.3.1.g"].section == "3"
    assert tree["10.2"].section == "10"


# -- derived items of 3.1.3.1 ------------------------------------------------

def test_item_a_text(tree):
    a = tree["3.1.3.1.a"]
    assert a.text == (
        "If your website provides non-operating Internet information services, you must fill "
        "the non-operating website on the record, and ensure that all the filling information "
        "submitted is true and effective, and submit the updated information in the filing "
        "system in a timely manner when the filing information changes;"
    )
    assert (a.kind, a.numbered, a.heading, a.line) == ("item", False, None, 28)


def test_items_and_closing_paragraph_kinds(tree):
    kinds = [tree[f"3.1.3.1.{x}"].kind for x in "abcdefg"]
    assert kinds == ["item"] * 6 + ["paragraph"]
    g = tree["3.1.3.1.g"]
    assert g.heading is None and g.numbered is False and g.line == 34
    assert g.text.startswith("You understand and acknowledge that the above list does not cover")
    # the items are not glued onto the parent's own text
    assert tree["3.1.3.1"].text.endswith("including but not limited to the following:")


# -- lookup and errors -------------------------------------------------------

@pytest.mark.parametrize("raw", ["9.2.", " 9.2 ", "9.2"])
def test_normalise_id(tree, raw):
    assert tree.normalise_id(raw) == "9.2"
    assert tree[raw].id == "9.2"
    assert raw in tree


def test_unknown_id_suggests_closest(tree):
    with pytest.raises(UnknownClauseError) as info:
        tree["9.3"]
    assert info.value.clause == "9.3" and info.value.suggestion == "9.2"
    assert "9.3" in str(info.value) and "did you mean '9.2'" in str(info.value)
    with pytest.raises(UnknownClauseError) as info:
        tree.normalise_id("3.1.3.13")
    assert "3.1.3.13" in str(info.value)
    assert info.value.suggestion in tree


def test_contains_is_false_for_unknown(tree):
    assert "9.3" not in tree and 9.2 not in tree and "3.1.3.1.h" not in tree


# -- plain text --------------------------------------------------------------

def test_links_replaced_by_labels(tree):
    text = tree["1.1"].text
    assert "www.jdcloud.com" in text and "https://" not in text and "](" not in text
    assert text.endswith("displayed on the website www.jdcloud.com.")


def test_no_markdown_left_in_any_text(tree):
    for clause in tree:
        for s in (clause.text, clause.heading or ""):
            assert "**" not in s and "https://" not in s
            assert s == s.strip() and "  " not in s


# -- descendants, ancestors, full text ---------------------------------------

def test_descendants_and_full_text_of_section_9(tree):
    assert tree.descendants("9") == ["9.1", "9.2"]
    assert tree.full_text("9") == tree["9.1"].text + "\n" + tree["9.2"].text
    assert tree.full_text("9.2") == tree["9.2"].text


def test_descendants_in_document_order(tree):
    d = tree.descendants("3.1.3")
    assert d[:9] == ["3.1.3.1", *(f"3.1.3.1.{x}" for x in "abcdefg"), "3.1.3.2"]
    assert d[-1] == "3.1.3.12" and len(d) == 27


def test_ancestors_nearest_first(tree):
    assert tree.ancestors("3.1.3.6.1") == ["3.1.3.6", "3.1.3", "3.1", "3"]
    assert tree.ancestors("3.1.3.1.g") == ["3.1.3.1", "3.1.3", "3.1", "3"]
    assert tree.ancestors("9") == []


# -- synthetic agreements ----------------------------------------------------

SECOND = """\
**Intro paragraph with a [link](https://example.org).**

**1. Scope**
1.1 The provider supplies these services:
First service;
Second service.
This list is exhaustive.
1.2. Nothing else.
**2. Misc**
2.1 Definitions
A term means a term.
Further explanation.
"""


def test_second_agreement_parses_generically():
    t = parse_agreement_text(SECOND, source="second.md")
    assert t.source == "second.md"
    assert t.ids() == ["preamble", "1", "1.1", "1.1.a", "1.1.b", "1.1.c", "1.2", "2", "2.1"]
    assert t["preamble"].text == "Intro paragraph with a link."
    assert [t[i].kind for i in ("1.1.a", "1.1.b", "1.1.c")] == ["item", "item", "paragraph"]
    assert t["2.1"].heading == "Definitions"
    assert t["2.1"].text == "A term means a term.\nFurther explanation."
    assert t.numbered_ids() == ["1", "1.1", "1.2", "2", "2.1"]


def test_missing_parent_raises_with_line():
    text = "**1. Scope**\n1.1 Fine.\n\n1.2.1 Orphan clause.\n"
    with pytest.raises(KbSyntaxError) as info:
        parse_agreement_text(text, source="bad.md")
    assert info.value.line == 4 and info.value.file == "bad.md"
    assert "1.2" in str(info.value) and str(info.value).startswith("bad.md:4:")


def test_duplicate_id_raises_with_line():
    text = "**1. Scope**\n1.1 First.\n1.2 Second.\n1.1. Again.\n"
    with pytest.raises(KbSyntaxError) as info:
        parse_agreement_text(text)
    assert info.value.line == 4 and info.value.clause == "1.1"
    assert "duplicate" in str(info.value)


def test_clause_is_frozen(tree):
    with pytest.raises(AttributeError):
        tree["9.2"].text = "changed"  # type: ignore[misc]
    assert isinstance(tree["9.2"], Clause)
