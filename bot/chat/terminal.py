"""The terminal chat: the same engine as the bot, for a person at a keyboard."""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

from bot.chat.text import (
    ansi_bold,
    ansi_underline,
    brackets,
    did_you_mean,
    nothing_found,
    render_hit,
    render_notes,
    render_sources,
    render_tags,
)
from bot.search.library import Library
from bot.search.results import Hit

HELP = """Type a question, e.g. "who was affected in the Taiwan LINE hack?"
Enter or n: the next passage · /tags · /sources · /latest · /help · /quit
Filters inside a question: source:zdnet tag:ransomware after:2021-10-01 before:2022-01-01"""

NO_WORDS = (
    "There is no word to search for in that (only common words, symbols or emoji). "
    'Ask about an incident, e.g. "who was affected in the Taiwan LINE hack?"'
)


def chat(library: Library, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Read questions until /quit or end of input. Line editing and history where readline exists."""
    interactive = stdin.isatty() and stdout.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (enables editing and history for input())
    mark, underline = (ansi_bold, ansi_underline) if stdout.isatty() else (brackets, None)
    info = library.engine.info
    print(f"incident-bot: {info.notes} notes from {info.sources} sources. {HELP}", file=stdout)
    pending: list[Hit] = []
    total = 0
    while True:
        line = _read(stdin, stdout, interactive)
        if line is None or line.strip() in {"/quit", "/exit", "/q"}:
            return 0
        text = line.strip()
        engine = library.engine
        if text in {"", "n"}:
            if pending:
                print(render_hit(pending.pop(0), total, mark, underline), file=stdout)
            else:
                print("No more passages for that question. Ask another.", file=stdout)
            continue
        if text == "/help":
            print(HELP, file=stdout)
        elif text == "/tags":
            print(render_tags(engine.tag_counts(30)), file=stdout)
        elif text == "/sources":
            print(render_sources(engine.source_stats()), file=stdout)
        elif text == "/latest":
            print(render_notes(engine.latest(10)), file=stdout)
        elif text.startswith("/"):
            print(f"Unknown command {text.split()[0]}.\n{HELP}", file=stdout)
        else:
            query = engine.parse(text)
            for problem in query.problems:
                print(f"({problem}; that filter is left out)", file=stdout)
            answer = engine.ask(text, top=5)
            if not answer.hits:
                pending, total = [], 0  # Enter must not page through the previous question's answers
                if not query.filtered and not engine.tokenizer(query.text):
                    print(NO_WORDS, file=stdout)
                else:
                    print(nothing_found(answer), file=stdout)
                continue
            if answer.did_you_mean:
                print(did_you_mean(answer), file=stdout)
            total = len(answer.hits)
            pending = list(answer.hits[1:])
            print(render_hit(answer.hits[0], total, mark, underline), file=stdout)


def _read(stdin: TextIO, stdout: TextIO, interactive: bool) -> str | None:
    try:
        if interactive:
            return input("\n? ")
        print("\n? ", end="", file=stdout, flush=True)
        line = stdin.readline()
        return line if line else None
    except (EOFError, KeyboardInterrupt):
        print(file=stdout)
        return None
