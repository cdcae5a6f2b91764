"""A blind review of a knowledge base: the packet a reviewer works from, and the check of its cases.

A reviewer who has never seen the rules reads the agreement and the vocabulary documentation
only, writes cases in plain English with the answer it expects, and translates them into
scenario files. ``python -m kb review-packet DIR`` writes what the reviewer may read;
``python -m kb test --load-only CASES`` lets it check that its files load (vocabulary, types,
dates) without seeing a single answer of the kit; ``python -m kb test CASES`` then compares.
Each class of disagreement is fixed in the rules (or the kit's reading is defended and the
reviewer's becomes an interpretation), and the cases join the knowledge base as scenarios named
by their propositions.
"""
from __future__ import annotations

from pathlib import Path

from .errors import KbError
from .files import write_new

BRIEF = """\
# Blind review of {title}

You review a rule-based reading of an agreement without seeing its rules. Read only the files
of this folder:

- `terms.md`: the agreement, clause by clause (clause ids such as `9.2`, `3.1.3.12`, `preamble`);
- `vocabulary.txt`: every fact a scenario may state (inputs) and every conclusion the kit may
  reach, typed and documented, area by area;
- `interpretations.txt`: the ambiguous passages the knowledge base already names, each with
  its default reading and the alternative a scenario may switch on.

## What to write

At least {minimum} cases, one file each, in `cases/`, named `review_NNN_short_name.yaml`. A case
is a situation an analyst would bring (an outage after an earthquake; a refund after an early
termination), and the answer you expect from the text alone:

```yaml
scenario: "Earthquake outage: JD Cloud is not liable (9.1, 9.2)"   # the proposition, with clauses
description: >
  The story in plain English, then your reasoning, quoting the clause words that decide it.
interpretations: []          # named readings to switch on, e.g. [strict_force_majeure_list]
facts:                       # what is established
  - event(quake, earthquake)
  - breach(jd_cloud, outage)
  - breach_caused_by(outage, quake)
denied: []                   # established as not so ("_" for any value)
unknown: []                  # in question: may turn out either way (at most 8)
expect:
  - holds: exempt_from_liability(jd_cloud, outage)
  - does_not_hold: liable(jd_cloud, outage)
  - open: liable(jd_cloud, outage)      # only with facts in question: holds in some cases
```

Aim for what a careful lawyer would test: each threshold on both sides (day 7 and day 8),
exceptions and the rule they defeat, chains of events, amounts the text lets you compute,
facts left unknown, both readings of each named interpretation, and passages you find
ambiguous that no interpretation names yet (say so in the description).

## Checking your files

    python -m kb test --load-only cases/*.yaml

reports, for each file, whether it loads (unknown names, wrong types, bad dates, with the line),
and never shows what the kit concludes. Do not run the other commands of the kit, and do not
open its rule files: the review is worth only as much as it is blind.
"""

PACKET_FILES = ("BRIEF.md", "terms.md", "vocabulary.txt", "interpretations.txt")


def interpretations_text(readings: list[dict]) -> str:
    """The named interpretations as ``python -m kb interpretations`` prints them."""
    lines = []
    for item in readings:
        lines.append(f"{item['name']} [{', '.join(item['clauses'])}]")
        lines.append(f"  question:    {item['question']}")
        lines.append(f"  default:     {item['default']}")
        lines.append(f"  alternative: {item['alternative']}")
        lines.append(f"  rules:       {', '.join(item['rules']) or '(none)'}")
    return "\n".join(lines) + ("\n" if lines else "")


def write_review_packet(kb, folder: str | Path, *, minimum: int = 60) -> list[Path]:
    """Write the blind reviewer's packet into ``folder`` and return the files written, sorted.

    The packet holds the brief, the agreement's text, the vocabulary catalogue and the named
    interpretations (without rule names: the reviewer must not learn how the rules are cut),
    and an empty ``cases/`` folder. Nothing is overwritten: if any file of the packet already
    exists the call raises :class:`KbError` before writing anything.
    """
    folder = Path(folder)
    targets = [folder / name for name in PACKET_FILES]
    present = [str(p) for p in targets if p.exists()]
    if present:
        raise KbError(f"{', '.join(sorted(present))} already exist{'s' if len(present) == 1 else ''}: "
                      f"the review packet never overwrites a file; choose an empty folder")
    if folder.exists() and not folder.is_dir():
        raise KbError(f"{folder} is a file, not a folder")
    readings = [{**item, "rules": []} for item in kb.interpretations()]
    contents = {
        "BRIEF.md": BRIEF.format(title=kb.title, minimum=minimum),
        "terms.md": kb.text_path.read_text(encoding="utf-8"),
        "vocabulary.txt": kb.catalogue().to_text() + "\n",
        "interpretations.txt": _without_rules(interpretations_text(readings)),
    }
    (folder / "cases").mkdir(parents=True, exist_ok=True)
    for name in PACKET_FILES:
        try:  # atomic create (kb.files): never replaces a file, never leaves half of one
            write_new(folder / name, contents[name])
        except FileExistsError:
            raise KbError(f"{folder / name} already exists: the review packet never overwrites a file; "
                          f"choose an empty folder") from None
    return sorted(targets)


def _without_rules(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("  rules:")) + "\n"
