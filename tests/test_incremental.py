"""Incremental rebuilds: only new and changed notes are parsed, and the index is the one a full
rebuild makes, array for array."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.notes.fingerprint import seeds_fingerprint
from bot.notes.loader import load_corpus
from bot.search import cache as cache_module
from bot.search.cache import CACHE_DIR, CACHE_FILE, BuildCache
from bot.search.index import build_index
from bot.search.library import Library
from bot.search.store import load_index
from seed_notes import note_text, write_seeds

QUESTION = "who was affected in the Taiwan LINE hack?"


def link_tree(source: Path, folder: Path) -> Path:
    """``folder`` mirrors ``source`` with one hard link per file (a copy across file systems), so
    notes can be added, edited and deleted in ``folder`` while the real corpus stays untouched.
    (Symlinks would not do: a link to a file outside the seeds folder is never a seed.)"""
    shutil.copytree(source, folder, copy_function=_link_or_copy)
    return folder


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def edit(path: Path, extra: str) -> None:
    """Replace the (linked) note with a new file holding one more paragraph."""
    text = path.read_text("utf-8")
    path.unlink()
    path.write_text(text.replace("## Article:\n", f"## Article:\n{extra}\n\n\n", 1), "utf-8")


def assert_same_index(got, want) -> None:
    assert got.notes == want.notes
    assert got.skipped == want.skipped
    assert got.terms == want.terms
    for part in ("offsets", "note", "position"):
        assert np.array_equal(getattr(got.passages, part), getattr(want.passages, part)), part
    assert bytes(got.passages.blob) == bytes(want.passages.blob)
    assert np.array_equal(got.name_share, want.name_share)  # the names counted from cached notes
    for matrix in ("passage_bm25", "note_bm25"):
        g, w = getattr(got, matrix), getattr(want, matrix)
        assert g.n_docs == w.n_docs
        for part in ("indptr", "docs", "weights"):
            a, b = getattr(g, part), getattr(w, part)
            assert a.dtype == b.dtype and np.array_equal(a, b), f"{matrix}.{part}"


def full_build(seeds: Path):
    return build_index(load_corpus(seeds), fingerprint=seeds_fingerprint(seeds), seeds_dir=str(seeds))


@pytest.mark.corpus
def test_ten_changed_notes_of_the_real_corpus_rebuild_to_the_full_index(notes_dir, tmp_path):
    seeds = link_tree(notes_dir, tmp_path / "seeds")
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    first = library.last_build
    assert first.reused == 0

    files = sorted(seeds.rglob("*.md"))
    for i, path in enumerate(files[100:105]):
        edit(path, f"Quokkaware number {i} encrypted the backups of the regional water utility.")
    for i, path in enumerate(files[200:205]):
        donor = files[300 + i].read_text("utf-8")
        (path.parent / f"zz-new-note-{i}.md").write_text(donor.replace("# ", "# Zorblat follow-up: ", 1), "utf-8")
    deleted = [p.relative_to(seeds).as_posix() for p in files[400:403]]
    for path in files[400:403]:
        path.unlink()

    report = library.rebuild()
    stats = library.last_build
    skipped_files = len([s for s in report.skipped if s.path.endswith(".md")])
    assert stats.parsed == 10 + skipped_files  # skipped files are not cached: they are read again
    assert stats.reused == first.parsed - skipped_files - 5 - 3

    served = load_index(tmp_path / "index")
    assert_same_index(served, full_build(seeds))
    paths = {n.path for n in served.notes}
    assert not paths.intersection(deleted)
    assert any("Zorblat follow-up" in n.title for n in served.notes)
    hits = library.engine.ask("Quokkaware water utility backups").hits
    assert hits and "Quokkaware" in hits[0].passage


def _cache_file(library: Library) -> Path:
    return library.index_dir / CACHE_DIR / CACHE_FILE


def test_a_rebuild_with_nothing_changed_parses_nothing_and_keeps_the_cache(seeds, tmp_path):
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    before = _cache_file(library).stat().st_mtime_ns
    library.rebuild()
    assert (library.last_build.reused, library.last_build.parsed, library.last_build.changed) == (3, 0, False)
    assert _cache_file(library).stat().st_mtime_ns == before
    assert_same_index(load_index(library.index_dir), full_build(seeds))


def test_added_edited_and_deleted_notes_match_a_full_build(seeds, tmp_path):
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    (seeds / "zdnet" / "Colonial-Pipeline.md").unlink()
    line = next((seeds / "therecord").glob("LINE*.md"))
    edit(line, "Taiwan's LINE accounts of a hundred politicians were hijacked, officials said.")
    (seeds / "therecord" / "SolarWinds.md").write_text(
        note_text(
            "SolarWinds hackers breached US attorneys' offices",
            ["Email accounts at 27 offices were read."],
            source="The Record",
            link="https://therecord.media/solarwinds-doj/",
        ),
        "utf-8",
    )
    library.rebuild()
    assert (library.last_build.reused, library.last_build.parsed) == (1, 2)
    assert_same_index(load_index(library.index_dir), full_build(seeds))
    assert "zdnet/Colonial-Pipeline.md" not in {n.path for n in library.engine.catalog.notes}


def test_a_note_edited_to_the_same_size_is_read_again(seeds, tmp_path):
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    path = seeds / "zdnet" / "Colonial-Pipeline.md"
    text = path.read_text("utf-8")
    path.write_text(text.replace("75 bitcoin", "76 bitcoin"), "utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    library.rebuild()
    assert library.last_build.parsed == 1
    assert_same_index(load_index(library.index_dir), full_build(seeds))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # torn write
        lambda data: data[:-10] + bytes(10),  # damaged tail
        lambda data: b"garbage",
        lambda data: b"",
    ],
)
def test_a_damaged_cache_is_ignored_and_the_build_still_right(seeds, tmp_path, damage, caplog):
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    path = _cache_file(library)
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.WARNING):
        library.rebuild()
    assert library.last_build.parsed == 3 and library.last_build.reused == 0
    assert "build cache" in caplog.text
    assert_same_index(load_index(library.index_dir), full_build(seeds))
    library.rebuild()  # and a good cache was written again
    assert library.last_build.reused == 3


def test_a_cache_from_other_parsing_code_or_other_seeds_is_not_used(seeds, tmp_path, monkeypatch):
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    monkeypatch.setattr(cache_module, "code_version", lambda: "another-version")
    library.rebuild()
    assert library.last_build.reused == 0
    other = write_seeds(tmp_path / "other-seeds")
    Library(other, tmp_path / "index").rebuild()
    assert BuildCache.open(tmp_path / "index").seeds_dir == str(other.resolve())
    Library(seeds, tmp_path / "index").rebuild()
    assert_same_index(load_index(tmp_path / "index"), full_build(seeds))


def test_a_cache_that_cannot_be_written_does_not_fail_the_build(seeds, tmp_path, caplog):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / CACHE_DIR).write_text("a file where the cache folder goes", "utf-8")
    library = Library(seeds, index_dir)
    with caplog.at_level(logging.WARNING):
        library.rebuild()
    assert "could not save the build cache" in caplog.text
    assert library.engine.ask(QUESTION).hits


def test_the_fingerprint_from_the_cache_stats_is_seeds_fingerprint(seeds, tmp_path):
    (seeds / "nested").mkdir()
    (seeds / "nested" / "Note.MD").write_text(note_text("Upper case suffix", ["Text."], source="X", link="l"), "utf-8")
    stats = BuildCache().load_corpus(seeds).stats
    assert stats.fingerprint == seeds_fingerprint(seeds)


def _write_notes(folder: Path, first: int, count: int) -> None:
    for n in range(first, first + count):
        text = note_text(
            f"Breach number {n} at a water utility", [f"Attackers took {n} records."], source="X", link=f"l{n}"
        )
        (folder / f"breach-{n}.md").write_text(text, "utf-8")


def test_a_few_new_notes_leave_the_cache_as_it_was_and_are_parsed_again_next_time(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    _write_notes(seeds, 0, 150)  # 1 new note is under SAVE_SHARE of them
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    saved = _cache_file(library).stat().st_mtime_ns
    _write_notes(seeds, 150, 1)
    library.rebuild()
    library.rebuild()
    assert (library.last_build.reused, library.last_build.parsed) == (150, 1)
    assert _cache_file(library).stat().st_mtime_ns == saved
    assert_same_index(load_index(library.index_dir), full_build(seeds))


def test_new_notes_beyond_the_save_share_are_written_to_the_cache(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    _write_notes(seeds, 0, 150)
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    _write_notes(seeds, 150, 2)
    library.rebuild()
    library.rebuild()
    assert (library.last_build.reused, library.last_build.parsed) == (152, 0)
