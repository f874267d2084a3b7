"""Shared fixtures. Tests that need the real corpus skip cleanly when ../shared is absent."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.notes.loader import load_corpus
from bot.search.backend import local_engine
from bot.search.index import build_index
from bot.search.tokenize import Tokenizer
from seed_notes import write_seeds
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "seeds"


def _need(path: Path) -> Path:
    if not path.is_dir():
        pytest.skip(f"{path} is absent (the shared corpus sits beside the project in CI)")
    return path


@pytest.fixture(scope="session")
def notes_dir() -> Path:
    """The 4,490 real notes in ## Information: format."""
    return _need(SHARED / "corpus" / "notes")


@pytest.fixture(scope="session")
def frontmatter_dir() -> Path:
    """The 242 postmortems with YAML frontmatter."""
    return _need(SHARED / "corpus" / "frontmatter")


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    return _need(SHARED / "eval")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def corpus_index(notes_dir: Path):
    """The index of the real corpus, and each passage's tokens as rank-bm25 would get them."""
    tokenize = Tokenizer()
    corpus = load_corpus(notes_dir)
    index = build_index(corpus, fingerprint="test", seeds_dir=str(notes_dir), tokenizer=tokenize)
    tokens = [tokenize(n.title) + tokenize(p) for n in corpus.notes for p in n.paragraphs]
    return index, tokens


@pytest.fixture(scope="session")
def corpus_engine(corpus_index):
    """An engine over the real corpus, shared by the answer tests."""
    return local_engine(corpus_index[0])


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A small seeds folder of its own: the LINE note and two more, safe to edit."""
    return write_seeds(tmp_path / "seeds")


@pytest.fixture
def api() -> Iterable[FakeTelegram]:
    """A fake Telegram Bot API on 127.0.0.1, recording every call."""
    with FakeTelegram() as api:
        yield api


@pytest.fixture
def only_flags(monkeypatch, tmp_path) -> None:
    """Only the command's flags count: no SEEDS_DIR/INDEX_DIR from the environment, no stray `.env`."""
    for name in ("SEEDS_DIR", "INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
