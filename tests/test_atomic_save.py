"""Saves that refuse to overwrite are atomic (issue 15, lost saves): of eight processes saving the
explorer's scenario to the same new path at once, exactly one succeeds, the seven others get the
"exists" error, and the file holds the winner's scenario whole. The same for kb.files.write_new
and the memo's --out; overwrite replaces through a rename."""
from __future__ import annotations

import multiprocessing as mp
import os
import stat
import sys
from pathlib import Path

import pytest

from kb.errors import ScenarioError
from kb.files import write_new, write_replace

ROOT = Path(__file__).resolve().parents[1]
RACERS = 8


def _save_explorer(path: str, index: int, barrier, results) -> None:
    """One racer: an explorer whose scenario names the racer, saved (without overwrite) to ``path``
    as soon as all racers are ready."""
    sys.path.insert(0, str(ROOT))
    import kb
    from widgets.explorer import Explorer

    ex = Explorer(kb.load_agreement(), graph=False)
    ex.set_fact(f"event(racer_{index}, earthquake)")
    barrier.wait()
    try:
        ex.save(path, overwrite=False)
        results.put((index, "saved"))
    except ScenarioError as exc:
        results.put((index, str(exc)))


def _write_new(path: str, index: int, barrier, results) -> None:
    barrier.wait()
    try:
        write_new(path, f"racer {index}\n" * 20000)
        results.put((index, "saved"))
    except FileExistsError:
        results.put((index, "exists"))


def _race(target, path: Path) -> list[tuple[int, str]]:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(RACERS), ctx.Queue()
    procs = [ctx.Process(target=target, args=(str(path), i, barrier, results)) for i in range(RACERS)]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return outcomes


def test_eight_explorers_saving_to_one_new_path_one_wins_seven_get_exists(tmp_path):
    from kb import load_agreement

    assert "event" in load_agreement().vocabulary.inputs  # the fact each racer sets
    path = tmp_path / "race.yaml"
    outcomes = _race(_save_explorer, path)
    winners = [i for i, outcome in outcomes if outcome == "saved"]
    assert len(winners) == 1
    losers = [outcome for i, outcome in outcomes if outcome != "saved"]
    assert len(losers) == 7
    for message in losers:
        assert message == (f"{path}: scenario error: the file exists; tick 'overwrite' to replace it "
                           f"(its description and expectations, if any, would be lost)")
    text = path.read_text(encoding="utf-8")
    assert f"event(racer_{winners[0]}, earthquake)" in text
    assert "racer_" not in text.replace(f"racer_{winners[0]}", "")
    assert [p.name for p in tmp_path.iterdir()] == ["race.yaml"]  # no temporary file left behind


def test_write_new_race_exactly_one_winner_whole_content(tmp_path):
    path = tmp_path / "out.txt"
    outcomes = _race(_write_new, path)
    winners = [i for i, outcome in outcomes if outcome == "saved"]
    assert len(winners) == 1
    assert [o for _, o in outcomes].count("exists") == 7
    assert path.read_text(encoding="utf-8") == f"racer {winners[0]}\n" * 20000
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_write_new_refuses_an_existing_file_and_leaves_it_alone(tmp_path):
    path = tmp_path / "a.md"
    write_new(path, "first\n")
    with pytest.raises(FileExistsError):
        write_new(path, "second\n")
    assert path.read_text(encoding="utf-8") == "first\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


def test_write_new_gives_the_umask_permissions_and_write_replace_keeps_them(tmp_path):
    old = os.umask(0o027)
    try:
        path = write_new(tmp_path / "n.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    os.chmod(path, 0o600)
    write_replace(path, "y")
    assert path.read_text(encoding="utf-8") == "y"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_replace_creates_and_replaces(tmp_path):
    path = tmp_path / "r.txt"
    write_replace(path, "one\n")
    write_replace(path, "two\n")
    assert path.read_text(encoding="utf-8") == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def test_explorer_overwrite_replaces_the_file(tmp_path, agreement):
    from widgets.explorer import Explorer

    path = tmp_path / "s.yaml"
    path.write_text("scenario: old\nfacts: []\n", encoding="utf-8")
    ex = Explorer(agreement, graph=False)
    ex.set_fact("event(quake, earthquake)")
    with pytest.raises(ScenarioError, match="the file exists"):
        ex.save(path, overwrite=False)
    assert path.read_text(encoding="utf-8") == "scenario: old\nfacts: []\n"
    ex.save(path, overwrite=True)
    assert "event(quake, earthquake)" in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]
