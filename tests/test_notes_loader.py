"""Walking a seeds folder: order, formats, and every skip reason (never a crash)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.notes.errors import SeedsError
from bot.notes.loader import MAX_BYTES, iter_note_files, load_corpus

INFO = (
    "# Title {n}\n### \n\n## Information:\n+ Source: S\n+ Link: https://x.test/{n}\n+ Date: 2022-01-31\n+ Author: A\n\n"
    "## Article:\nText {n}.\n\n#### Tags:\n[[S]]\n"
)


def _reasons(root: Path) -> dict[str, str]:
    return {s.path: s.reason for s in load_corpus(root, workers=1).skipped}


def test_missing_seeds_dir_raises_seeds_error(tmp_path: Path) -> None:
    with pytest.raises(SeedsError, match="does not exist"):
        load_corpus(tmp_path / "nope")


def test_file_as_seeds_dir_raises_seeds_error(tmp_path: Path) -> None:
    (tmp_path / "f.md").write_text("x")
    with pytest.raises(SeedsError, match="not a directory"):
        load_corpus(tmp_path / "f.md")


def test_walk_is_recursive_sorted_and_skips_hidden_and_other_suffixes(tmp_path: Path) -> None:
    for rel in ["b/z.md", "a.markdown", "b/a.md", ".hidden/x.md", "b/.x.md", "notes.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(INFO.format(n=1))
    assert [p.relative_to(tmp_path).as_posix() for p in iter_note_files(tmp_path)] == ["a.markdown", "b/a.md", "b/z.md"]


def test_note_path_is_relative_posix(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "n.md").write_text(INFO.format(n=1))
    assert [n.path for n in load_corpus(tmp_path).notes] == ["src/n.md"]


def test_plain_markdown_is_a_note(tmp_path: Path) -> None:
    (tmp_path / "plain-note.md").write_text("Just some words about an outage.\n")
    (note,) = load_corpus(tmp_path).notes
    assert (note.title, note.paragraphs) == ("plain note", ("Just some words about an outage.",))


def test_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_bytes(b"\xef\xbb\xbf" + INFO.format(n=1).encode())
    assert load_corpus(tmp_path).notes[0].title == "Title 1"


def test_binary_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_bytes(b"abc\x00def")
    assert _reasons(tmp_path) == {"b.md": "binary file"}


def test_invalid_utf8_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "l.md").write_bytes("caf\xe9 note".encode("latin-1"))
    assert _reasons(tmp_path) == {"l.md": "not valid UTF-8"}


def test_empty_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "e.md").write_text(" \n\t\n")
    assert _reasons(tmp_path) == {"e.md": "empty file"}


def test_too_large_file_is_skipped(tmp_path: Path) -> None:
    with open(tmp_path / "big.md", "wb") as f:
        f.truncate(MAX_BYTES + 1)
    assert _reasons(tmp_path)["big.md"].startswith("too large (")


def test_broken_yaml_is_skipped_with_reason(tmp_path: Path) -> None:
    (tmp_path / "y.md").write_text("---\ntitle: [oops\n---\nBody.\n")
    assert _reasons(tmp_path)["y.md"].startswith("broken YAML frontmatter: ")


def test_note_without_article_text_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "i.md").write_text(INFO.format(n=1).replace("Text 1.", "![Article Image](https://x.test/i.jpg)"))
    assert _reasons(tmp_path) == {"i.md": "no article text"}


def test_file_symlink_loop_is_skipped_with_os_message(tmp_path: Path) -> None:
    os.symlink(tmp_path / "loop.md", tmp_path / "loop.md")
    assert "symbolic links" in _reasons(tmp_path)["loop.md"]


def test_directory_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "n.md").write_text(INFO.format(n=1))
    os.symlink(tmp_path, tmp_path / "d" / "up")
    assert [n.path for n in load_corpus(tmp_path).notes] == ["d/n.md"]


def test_parallel_and_serial_loads_agree(tmp_path: Path) -> None:
    for n in range(450):
        (tmp_path / f"n{n:03}.md").write_text(INFO.format(n=n))
    (tmp_path / "bad.md").write_bytes(b"\x00")
    assert load_corpus(tmp_path, workers=2) == load_corpus(tmp_path, workers=1)
