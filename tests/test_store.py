"""The index on disk: written atomically, loaded back whole, and refused when it cannot be trusted."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from bot.notes.loader import load_corpus
from bot.search import store
from bot.search.backend import local_engine
from bot.search.index import FORMAT_VERSION, build_index
from bot.search.store import IndexCorrupt, IndexMissing, current_build, load_index, read_manifest, write_index
from bot.search.tokenize import Tokenizer
from seed_notes import write_seeds

QUESTION = "who was affected in the Taiwan LINE hack?"


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    seeds = write_seeds(tmp_path_factory.mktemp("seeds"))
    return build_index(load_corpus(seeds), fingerprint="f1", seeds_dir=str(seeds))


@pytest.fixture
def written(small_index, tmp_path) -> Path:
    """An index folder holding one complete build of the small seeds."""
    write_index(small_index, tmp_path / "index")
    return tmp_path / "index"


def _answers(index) -> list[tuple[str, str, float]]:
    return [(h.note.path, h.passage, h.score) for h in local_engine(index).ask(QUESTION, top=5).hits]


def test_written_index_loads_back_with_the_same_notes_passages_and_scores(small_index, written):
    loaded = load_index(written)
    assert loaded.notes == small_index.notes
    assert loaded.skipped == small_index.skipped
    assert loaded.fingerprint == "f1" and loaded.built_at == small_index.built_at
    assert [loaded.passages.text(i) for i in range(len(loaded.passages))] == [
        small_index.passages.text(i) for i in range(len(small_index.passages))
    ]
    assert _answers(loaded) == _answers(small_index)
    assert _answers(loaded)[0][0].startswith("therecord/LINE-accounts")


def test_written_index_loads_back_with_each_paragraphs_and_titles_terms(small_index, written):
    loaded = load_index(written)
    for lists in ("ids", "offsets"):
        assert (getattr(loaded.passages.terms, lists) == getattr(small_index.passages.terms, lists)).all()
        assert (getattr(loaded.title_terms, lists) == getattr(small_index.title_terms, lists)).all()
    tokenize = Tokenizer()
    first = loaded.notes[0]
    assert [loaded.terms[i] for i in loaded.title_terms.of(0)] == tokenize(first.title)
    assert [loaded.terms[i] for i in loaded.passages.terms.of(0)] == tokenize(loaded.passages.text(0))


def test_current_points_at_a_complete_build(written):
    link = written / "current"
    assert link.is_symlink()
    build = link.resolve()
    assert build.parent == (written / "builds").resolve()
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == FORMAT_VERSION
    for name, size in manifest["files"].items():
        assert (build / name).stat().st_size == size
    assert not [p for p in (written / "builds").iterdir() if p.name.startswith(".")]


def test_a_build_that_fails_mid_write_leaves_the_previous_index_loading(small_index, written, monkeypatch):
    before = current_build(written)
    real = store._fsync

    def die_on_terms(path):
        if path.name == "terms.txt":
            raise KeyboardInterrupt  # as if the process were stopped half way
        real(path)

    monkeypatch.setattr(store, "_fsync", die_on_terms)
    with pytest.raises(KeyboardInterrupt):
        write_index(small_index, written)
    assert current_build(written) == before
    assert _answers(load_index(written)) == _answers(small_index)
    assert not [p for p in (written / "builds").iterdir() if p.name.startswith(".tmp-")]


def test_a_half_written_build_left_by_a_killed_process_is_never_loaded(small_index, written):
    leftover = written / "builds" / ".tmp-killed"
    leftover.mkdir()
    (leftover / "passage_offsets.npy").write_bytes(b"\x93NUMPY half")
    assert current_build(written) != leftover
    assert _answers(load_index(written)) == _answers(small_index)


def test_an_hour_old_leftover_of_a_killed_build_is_cleaned_by_the_next_build(small_index, written):
    leftover = written / "builds" / ".tmp-killed"
    leftover.mkdir()
    old = time.time() - 2 * 3600
    os.utime(leftover, (old, old))
    write_index(small_index, written)
    assert not leftover.exists()


def test_a_failed_swap_in_the_same_second_keeps_the_previous_build(small_index, written, monkeypatch):
    """Two builds of the same seeds within one second must not share (and delete) a folder."""
    real_rename = os.rename

    def fail_rename(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "rename", fail_rename)
    with pytest.raises(OSError):
        write_index(small_index, written)  # same built_at and fingerprint as the build in service
    monkeypatch.setattr(store.os, "rename", real_rename)
    assert _answers(load_index(written)) == _answers(small_index)


def test_a_truncated_array_file_is_index_corrupt_naming_the_file(written):
    array = current_build(written) / "passage_weights.npy"
    array.write_bytes(array.read_bytes()[:-8])
    with pytest.raises(IndexCorrupt, match=r"passage_weights\.npy.*truncated"):
        load_index(written)


def test_a_missing_array_file_is_index_corrupt(written):
    (current_build(written) / "note_docs.npy").unlink()
    with pytest.raises(IndexCorrupt, match=r"note_docs\.npy"):
        load_index(written)


def test_a_garbled_manifest_is_index_corrupt(written):
    (current_build(written) / "manifest.json").write_text('{"format": 1, "notes": ', "utf-8")
    with pytest.raises(IndexCorrupt, match="manifest"):
        load_index(written)


@pytest.mark.parametrize("damage", ["drop_files", "drop_built_at", "files_not_a_dict", "bad_date", "a_list"])
def test_a_manifest_of_the_right_format_but_wrong_shape_is_index_corrupt(written, damage):
    path = current_build(written) / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    if damage == "drop_files":
        del manifest["files"]
    elif damage == "drop_built_at":
        del manifest["built_at"]
    elif damage == "files_not_a_dict":
        manifest["files"] = ["passage_weights.npy"]
    elif damage == "bad_date":
        manifest["built_at"] = "yesterday"
    else:
        manifest = [manifest]
    path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexCorrupt, match=r"manifest|format"):
        load_index(written)


def test_an_index_of_another_format_version_is_index_corrupt(written):
    path = current_build(written) / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    manifest["format"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexCorrupt, match=f"format {FORMAT_VERSION}"):
        load_index(written)


def test_current_pointing_at_a_foreign_folder_is_index_corrupt(tmp_path):
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "index").mkdir()
    os.symlink(foreign, tmp_path / "index" / "current")
    with pytest.raises(IndexCorrupt, match="manifest"):
        load_index(tmp_path / "index")


def test_current_pointing_at_a_deleted_build_is_index_corrupt(written):
    build = current_build(written)
    for f in build.iterdir():
        f.unlink()
    build.rmdir()
    with pytest.raises(IndexCorrupt, match=build.name):
        load_index(written)


def test_nothing_built_is_index_missing_telling_how_to_build(tmp_path):
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "does-not-exist"):
        with pytest.raises(IndexMissing, match="incident-bot index build"):
            load_index(folder)
        with pytest.raises(IndexMissing):
            read_manifest(folder)


def test_old_builds_are_pruned_keeping_the_one_in_service(small_index, tmp_path):
    from dataclasses import replace
    from datetime import timedelta

    for i in range(5):
        built = replace(small_index, built_at=small_index.built_at + timedelta(seconds=i), fingerprint=f"f{i}")
        write_index(built, tmp_path / "index")
    builds = [p for p in (tmp_path / "index" / "builds").iterdir()]
    assert len(builds) <= 2
    assert current_build(tmp_path / "index") in [b.resolve() for b in builds]
    assert load_index(tmp_path / "index").fingerprint == "f4"
