"""When the seeds count as changed."""

import os
import time
from pathlib import Path

from bot.notes.fingerprint import folders_changed_since, seeds_fingerprint


def _note(path: Path, text: str = "# Title\n\nBody text.\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_same_seeds_give_the_same_fingerprint(tmp_path):
    _note(tmp_path / "a.md")
    assert seeds_fingerprint(tmp_path) == seeds_fingerprint(tmp_path)


def test_an_added_note_changes_the_fingerprint(tmp_path):
    _note(tmp_path / "a.md")
    before = seeds_fingerprint(tmp_path)
    _note(tmp_path / "b.md")
    assert seeds_fingerprint(tmp_path) != before


def test_an_edited_note_changes_the_fingerprint(tmp_path):
    _note(tmp_path / "a.md")
    before = seeds_fingerprint(tmp_path)
    _note(tmp_path / "a.md", "# Title\n\nA longer body text.\n")
    assert seeds_fingerprint(tmp_path) != before


def test_a_note_behind_a_symlinked_folder_inside_the_seeds_counts(tmp_path):
    seeds = tmp_path / "seeds"
    _note(seeds / ".archive" / "2021" / "a.md")
    (seeds / "2021").symlink_to(seeds / ".archive" / "2021", target_is_directory=True)
    before = seeds_fingerprint(seeds)
    _note(seeds / ".archive" / "2021" / "b.md")
    assert seeds_fingerprint(seeds) != before


def test_a_note_behind_a_symlinked_folder_outside_the_seeds_does_not_count(tmp_path):
    seeds = tmp_path / "seeds"
    _note(seeds / "a.md")
    (seeds / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    before = seeds_fingerprint(seeds)
    _note(tmp_path / "elsewhere" / "b.md")
    assert seeds_fingerprint(seeds) == before


def test_files_the_loader_ignores_do_not_count(tmp_path):
    _note(tmp_path / "a.md")
    before = seeds_fingerprint(tmp_path)
    (tmp_path / "notes.txt").write_text("scratch")
    (tmp_path / ".hidden.md").write_text("# draft")
    assert seeds_fingerprint(tmp_path) == before


def test_folder_times_follow_the_walk_so_a_folder_linked_from_outside_never_counts(tmp_path):
    """``folders_changed_since`` sees the folders the loader reads: a link out of the seeds is
    no seed folder, so a change behind it cannot make an index stale."""
    seeds, elsewhere = tmp_path / "seeds", tmp_path / "elsewhere"
    _note(seeds / "a.md")
    elsewhere.mkdir()
    (seeds / "linked").symlink_to(elsewhere, target_is_directory=True)
    old = time.time() - 10
    for folder in (seeds, elsewhere):
        os.utime(folder, (old, old))
    since = time.time_ns() - 1_000_000_000
    _note(elsewhere / "b.md")
    assert not folders_changed_since(seeds, since)
    _note(seeds / "c.md")
    assert folders_changed_since(seeds, since)


def test_a_missing_seeds_folder_counts_as_changed(tmp_path):
    assert folders_changed_since(tmp_path / "nope", 0)
