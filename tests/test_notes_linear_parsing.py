"""Parsing a note takes time linear in its size, whatever the note holds.

Each hostile body once made a pattern rescan the rest of the text from every position (seconds
to minutes for a note of 100 KB). The check is a ratio, robust on a loaded machine: four times
the text may take at most eight times as long (quadratic would be sixteen), plus a small constant.
"""

from __future__ import annotations

import contextlib
import time

import pytest

from bot.notes.loader import parse_note
from bot.notes.markdown_text import clean_inline

INFO = "# T\n\n## Information:\n+ Source: S\n+ Link: https://x.test/\n\n## Article:\nBody text.\n\n#### Tags:\n"

# name: (text before, unit repeated, text after)
HOSTILE = {
    "underscores opening emphasis": ("# T\n\n", "_a ", "\n"),
    "unclosed image alt texts": ("# T\n\n", "![x ", "\n"),
    "blanks in an image destination": ("# T\n\n![x](", " ", "x\n"),
    "blank lines in an image destination": ("# T\n\n![x](", " \n", "x\n"),
    "blanks in a link destination": ("# T\n\n[x](", " ", "x\n"),
    "unclosed html images": ("# T\n\n", "<img ", "\n"),
    "trailing blanks in a field": ("# T\n\n## Information:\n+ Date: x", " ", "y\n\n## Article:\nBody.\n"),
    "trailing blanks in a subtitle": ("# T\n### x", " ", "y\n\n## Information:\n+ Source: S\n\n## Article:\nBody.\n"),
    "blanks in a link field": ("# T\n\n## Information:\n+ Link: [a](<", "x", "\n\n## Article:\nBody.\n"),
    "trailing marks in a heading": ("# x", " #", "y\n\nBody text.\n"),
    "blanks in a table separator": ("Body.\n\n| a |\n|", "  ", "x|\n"),
    "opening tag brackets": (INFO, "[[[", "\n"),
    "one paragraph of many lines": ("# T\n\n", "A short sentence here.\n", ""),
    "a long list": ("# T\n\n", "- item x\n", ""),
}


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with contextlib.suppress(ValueError):  # rejected is fine; what counts is how long it took
            parse_note(text, "hostile.md")
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("name", HOSTILE)
def test_parse_time_grows_linearly_with_a_hostile_note(name: str) -> None:
    before, unit, after = HOSTILE[name]
    n = max(1, 12_000 // len(unit))
    small = _seconds(before + unit * n + after)
    large = _seconds(before + unit * (4 * n) + after)
    assert large < 8 * small + 0.05, f"{name}: {small:.3f} s, four times the text {large:.3f} s"


@pytest.mark.parametrize("text", ["_a " * 30000, "![x " * 20000])
def test_the_reported_hostile_notes_parse_in_well_under_a_second(text: str) -> None:
    """The repros of the issue: 72 s and 4.8 s before."""
    assert _seconds("# T\n\n" + text + "\n") < 1.0


def test_underscore_emphasis_pairs_with_the_first_closing_mark_on_its_line() -> None:
    assert clean_inline("_a_ b_c _d e_ f_") == "a b_c d e f_"
    assert clean_inline("_a\\_ b_ and _snake_case_ names") == "a_ b and snake_case names"
    assert clean_inline("a _b\nc_ d") == "a _b c_ d"
