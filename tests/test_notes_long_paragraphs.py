"""A very long paragraph becomes several passages of bounded size, cut at sentence ends, nothing lost."""

from __future__ import annotations

from pathlib import Path

from bot.notes.loader import parse_note
from bot.notes.sentences import MAX_PASSAGE, bounded_passages
from bot.search.library import Library
from seed_notes import note_text

SENTENCES = [f"Server {n} in rack {n % 40} was wiped by the Quokkaware gang on day {n % 365}." for n in range(30_000)]


def test_a_paragraph_of_thirty_thousand_lines_becomes_passages_of_bounded_size() -> None:
    note = parse_note("# Logs\n\n" + "\n".join(SENTENCES) + "\n", "logs.md")
    assert len(" ".join(SENTENCES)) > 1_000_000
    assert max(map(len, note.paragraphs)) <= MAX_PASSAGE
    assert " ".join(note.paragraphs) == " ".join(SENTENCES)


def test_long_paragraphs_are_cut_only_at_sentence_ends_into_pieces_of_about_equal_length() -> None:
    text = " ".join(SENTENCES[:120])
    pieces = bounded_passages(text)
    assert len(pieces) == -(-len(text) // MAX_PASSAGE)
    assert all(piece.endswith(".") and piece[0].isupper() for piece in pieces)
    assert max(map(len, pieces)) - min(map(len, pieces)) < 2 * max(map(len, SENTENCES))


def test_a_sentence_longer_than_a_passage_is_cut_at_spaces() -> None:
    text = "word " * 2000 + "end."
    pieces = bounded_passages(text, limit=1000)
    assert all(len(piece) <= 1000 for piece in pieces)
    assert " ".join(pieces) == text


def test_a_word_longer_than_a_passage_is_cut_anyway() -> None:
    text = "x" * 2500
    assert bounded_passages(text, limit=1000) == ["x" * 1000, "x" * 1000, "x" * 500]


def test_a_paragraph_within_the_limit_stays_whole() -> None:
    text = " ".join(SENTENCES[:10])
    assert bounded_passages(text) == [text]


def test_the_answer_from_a_huge_paragraph_is_one_bounded_passage(seeds: Path, tmp_path: Path) -> None:
    body = "\n".join([*SENTENCES[:5000], "The Quokkaware gang demanded 40 bitcoin from the shipping firm Zorblat."])
    (seeds / "logs.md").write_text(note_text("Quokkaware wiped the servers", [body], source="Logs", link="l"))
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    hit = library.engine.ask("how much bitcoin did the Quokkaware gang demand from Zorblat?").hits[0]
    assert "40 bitcoin" in hit.passage and len(hit.passage) <= MAX_PASSAGE
