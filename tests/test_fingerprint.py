"""When the seeds count as changed."""

from pathlib import Path

from bot.notes.fingerprint import seeds_fingerprint


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
