"""The README's quick start shows what a new user really sees: its example is the terminal
chat's reply to that question over the shipped seeds/ (bold marks and line wrapping aside)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.chat.terminal import chat
from bot.search.library import Library

ROOT = Path(__file__).resolve().parent.parent


def _quick_start_example() -> tuple[str, str]:
    """The question and the reply of the example block under "so you can try it at once"."""
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("so you can try it at once:", 1)[1].split("```", 2)[1]
    question_line, _, reply = block.strip("\n").partition("\n")
    assert question_line.startswith("? ")
    return question_line[2:], reply


def _words(text: str) -> str:
    """``text`` as its words, without the terminal's [bold] marks or where lines break."""
    return " ".join(re.sub(r"\[([^\[\]]*)\]", r"\1", text).split())


def test_the_readme_quick_start_example_is_what_the_terminal_chat_answers_over_the_seeds(tmp_path: Path) -> None:
    question, reply = _quick_start_example()
    library = Library(ROOT / "seeds", tmp_path / "index")
    library.open()
    out = io.StringIO()
    assert chat(library, stdin=io.StringIO(f"{question}\n/quit\n"), stdout=out) == 0
    answered = out.getvalue().split("\n? ", 1)[1]
    assert _words(reply) in _words(answered)
