"""A rebuild knows what changed: new, changed and removed notes since the index it replaced."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.chat.cli import main
from bot.search.library import Library
from seed_notes import add_solarwinds_note

PIPELINE = "zdnet/Colonial-Pipeline.md"
PHISHING = "bleepingcomputer/Microsoft-365-phishing.md"
SOLARWINDS = "therecord/SolarWinds.md"


pytestmark = pytest.mark.usefixtures("only_flags")


def _edit_pipeline(seeds: Path) -> None:
    path = seeds / PIPELINE
    path.write_text(path.read_text("utf-8").replace("75 bitcoin", "76 bitcoin"), "utf-8")


def test_a_rebuild_reports_the_notes_added_changed_and_removed_since_the_index_it_replaced(seeds, tmp_path):
    Library(seeds, tmp_path / "index").rebuild()
    add_solarwinds_note(seeds)
    _edit_pipeline(seeds)
    (seeds / PHISHING).unlink()

    # A new Library, as after a restart: it compares with the index on disk, not with memory.
    changes = Library(seeds, tmp_path / "index").rebuild().changes

    assert [n.path for n in changes.added] == [SOLARWINDS]
    assert [n.path for n in changes.changed] == [PIPELINE]
    assert changes.removed == (PHISHING,)
    assert not changes.first_build and changes.replaced.startswith("builds/")


def test_the_new_and_changed_notes_come_with_their_paragraphs(seeds, tmp_path):
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    add_solarwinds_note(seeds)
    _edit_pipeline(seeds)

    fresh = {n.path: n for n in library.rebuild().changes.fresh}

    assert set(fresh) == {SOLARWINDS, PIPELINE}
    assert any("76 bitcoin" in p for p in fresh[PIPELINE].paragraphs)
    assert any("27 US Attorney offices" in p for p in fresh[SOLARWINDS].paragraphs)


def test_a_touched_note_whose_text_did_not_change_is_not_reported_changed(seeds, tmp_path):
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    later = os.stat(seeds / PIPELINE).st_mtime_ns + 5_000_000_000
    os.utime(seeds / PIPELINE, ns=(later, later))

    report = library.rebuild()

    assert library.last_build.parsed == 1  # it was read again (its mtime moved) ...
    assert report.changes.counts() == {"added": 0, "changed": 0, "removed": 0}  # ... and is the same note


def test_the_first_build_has_no_index_to_compare_with_and_counts_every_note_as_added(seeds, tmp_path):
    changes = Library(seeds, tmp_path / "index").rebuild().changes

    assert changes.first_build and changes.replaced is None
    assert len(changes.added) == 3 and changes.changed == () and changes.removed == ()


def test_index_build_prints_the_counts_and_index_info_json_keeps_them(seeds, tmp_path, capsys):
    flags = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]
    assert main([*flags, "index", "build"]) == 0
    add_solarwinds_note(seeds)
    _edit_pipeline(seeds)
    capsys.readouterr()

    assert main([*flags, "index", "build"]) == 0
    assert "changes: 1 new, 1 changed, 0 removed since the index it replaced" in capsys.readouterr().out

    assert main([*flags, "index", "info", "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)["changes"]
    assert {k: counts[k] for k in ("added", "changed", "removed")} == {"added": 1, "changed": 1, "removed": 0}
    assert counts["replaced"].startswith("builds/")
