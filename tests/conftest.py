"""Shared fixtures. Tests that need the real corpus skip cleanly when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

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
