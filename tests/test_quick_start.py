"""One-shot commands start fast: the seeds are checked by folder, not by a stat of every note."""

from __future__ import annotations

import os
import time

import pytest

from bot.chat.cli import main
from bot.notes.fingerprint import folders_changed_since
from bot.search import library as library_module
from bot.search.library import Library
from seed_notes import add_solarwinds_note

SOLARWINDS = "which offices did the SolarWinds hackers breach?"


pytestmark = pytest.mark.usefixtures("only_flags")


def _age_folders(seeds, seconds: float = 10.0) -> None:
    """As if the seeds had last changed a while before the build."""
    old = time.time() - seconds
    for folder in [seeds, *[p for p in seeds.rglob("*") if p.is_dir()]]:
        os.utime(folder, (old, old))


def test_a_folder_changes_when_a_note_is_added_in_it_and_not_otherwise(seeds):
    _age_folders(seeds)
    since = time.time_ns() - 1_000_000_000
    assert not folders_changed_since(seeds, since)
    add_solarwinds_note(seeds)
    assert folders_changed_since(seeds, since)


def test_ask_does_not_stat_every_note_when_no_seed_folder_changed_since_the_build(seeds, tmp_path, monkeypatch, capsys):
    _age_folders(seeds)
    flags = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]
    assert main([*flags, "index", "build"]) == 0

    def every_note_stat(path):
        raise AssertionError("a one-shot ask must not fingerprint every note")

    monkeypatch.setattr(library_module, "seeds_fingerprint", every_note_stat)
    assert main([*flags, "ask", "Colonial Pipeline ransom"]) == 0
    assert "Colonial Pipeline" in capsys.readouterr().out


def test_ask_sees_a_note_added_after_the_build(seeds, tmp_path, capsys):
    _age_folders(seeds)
    flags = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]
    assert main([*flags, "index", "build"]) == 0
    add_solarwinds_note(seeds)
    capsys.readouterr()
    assert main([*flags, "ask", SOLARWINDS]) == 0
    assert "SolarWinds hackers breached" in capsys.readouterr().out


def test_a_long_running_open_still_compares_every_note(seeds, tmp_path):
    _age_folders(seeds)
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    note = seeds / "zdnet" / "Colonial-Pipeline.md"
    note.write_text(note.read_text("utf-8").replace("75 bitcoin", "76 bitcoin"), "utf-8")  # in place
    _age_folders(seeds)
    assert not library.is_stale(quick=True)  # the documented blind spot of the quick check
    assert library.is_stale()
