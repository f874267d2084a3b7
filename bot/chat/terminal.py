"""The terminal chat: the same engine as the bot, for a person at a keyboard."""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot.chat.asking import ask_in_chat
from bot.chat.text import (
    ANSWER_PAGES,
    ansi_bold,
    ansi_underline,
    brackets,
    clean,
    problem_lines,
    render_answer,
    render_hit,
    render_notes,
    render_sources,
    render_tags,
    wrap_words,
)
from bot.search.conversation import Conversation
from bot.search.engine import Engine
from bot.search.library import Library
from bot.search.results import Hit, Outcome

HELP = """Enter or n: the next passage · /tag NAME · /source NAME · /tags · /sources · /latest · /new · /help · /quit
Follow-ups ("who was behind it?", "and the ransom?") are answered from the last answer's story; /new forgets it.
Filters inside a question: source:zdnet tag:ransomware after:2021-10-01 before:2022-01-01"""

NO_WORDS = "There is no word to search for in that (only common words, symbols or emoji). Ask about an incident"
LIST_LIMIT = 10  # articles a /tag, /source or /latest list shows, as in Telegram (handlers.LIST_LIMIT)
HISTORY_LENGTH = 1000
HISTORY_FILE = Path("~/.incident_bot_history")


def chat(
    library: Library,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    *,
    width: int | None = None,
    history: Path | None = None,
) -> int:
    """Read questions until /quit or end of input. On a terminal: line editing, and the history
    of earlier sessions in ``history`` (Up recalls them); answers wrapped at word boundaries to
    ``width`` columns (default: the terminal's width; piped output is not wrapped)."""
    interactive = stdin.isatty() and stdout.isatty()
    if width is None:
        width = shutil.get_terminal_size().columns if stdout.isatty() else 0
    with _line_history(interactive, history):
        return _converse(library, stdin, stdout, interactive, width)


def _converse(library: Library, stdin: TextIO, stdout: TextIO, interactive: bool, width: int) -> int:
    mark, underline = (ansi_bold, ansi_underline) if stdout.isatty() else (brackets, None)

    def say(text: str) -> None:
        print(wrap_words(text, width), file=stdout)

    info = library.engine.info
    say(f"incident-bot: {info.notes} notes from {info.sources} sources. {_type_a_question(library.engine)}\n{HELP}")
    pending: list[Hit] = []
    total = 0
    conversation = Conversation()
    while True:
        line = _read(stdin, stdout, interactive)
        if line is None or line.strip() in {"/quit", "/exit", "/q"}:
            return 0
        text = line.strip()
        library.reload_if_changed()  # each turn: a build `incident-bot index build` made meanwhile answers it
        engine = library.engine
        command, _, argument = text.partition(" ")
        argument = argument.strip()
        if text in {"", "n"}:
            if pending:
                say(render_hit(pending.pop(0), total, mark, underline))
            else:
                say("No more passages for that question. Ask another.")
            continue
        if text == "/help":
            say(f"{_type_a_question(engine)}\n{HELP}")
        elif text == "/new":
            conversation = Conversation()
            say("Forgotten: the next question starts a new story.")
        elif text == "/tags":
            say(render_tags(engine.tag_counts(30)))
        elif text == "/sources":
            say(render_sources(engine.source_stats()))
        elif text == "/latest":
            say(render_notes(engine.latest(LIST_LIMIT)))
        elif command in {"/tag", "/source"}:
            say(_listing(engine, command, argument))
        elif text.startswith("/"):
            say(f"Unknown command {clean(command)}.\n{_type_a_question(engine)}\n{HELP}")
        else:
            answer = ask_in_chat(engine, text, ANSWER_PAGES, conversation)
            pending, total = list(answer.hits[1:]), len(answer.hits)  # Enter pages this answer only
            query = engine.parse(text)
            if answer.outcome is Outcome.NOTHING and not query.filtered and not engine.tokenizer(query.text):
                say("\n".join([*problem_lines(answer), f"{NO_WORDS}{_for_example(engine)}."]))
                continue
            say(render_answer(answer, engine.example_questions(3), mark, underline, hits=1).rstrip())


def _type_a_question(engine: Engine) -> str:
    """How to start, with a question this index can answer (not one about notes it may lack)."""
    return f"Type a question about an incident{_for_example(engine)}."


def _for_example(engine: Engine) -> str:
    examples = engine.example_questions(1)
    return f', e.g. "{clean(examples[0])}"' if examples else ""


def _listing(engine: Engine, command: str, name: str) -> str:
    """/tag NAME and /source NAME: the newest articles, as Telegram lists them; a tag is found as
    Telegram finds it (any case, with or without its kind, by prefix or a close spelling)."""
    kind, example = ("tag", "ransomware") if command == "/tag" else ("source", "zdnet")
    if not name:
        return f"Which {kind}? For example {command} {example}. /{kind}s lists them."
    if kind == "tag":
        match = engine.tags.find(name)
        if match.tag is None and match.candidates:
            choices = ", ".join(f"{entry.name} ({entry.count})" for entry in match.candidates)
            return clean(f"Which tag do you mean? {choices}")
        notes = engine.notes_tagged(match.tag, LIST_LIMIT) if match.tag else []
        heading = f"Tagged {match.tag.name}: {match.tag.count} articles, newest first" if match.tag else ""
    else:
        notes = engine.notes_from_source(name, LIST_LIMIT)
        heading = f"Latest from {notes[0].source}" if notes else ""
    if not notes:
        missing = "No articles are tagged" if kind == "tag" else "No source matches"
        return f"{missing} {clean(name)!r}. /{kind}s lists them."
    return clean(heading) + "\n" + render_notes(notes)


@contextlib.contextmanager
def _line_history(interactive: bool, path: Path | None) -> Iterator[None]:
    """On a terminal, readline's editing and history for ``input()``, loaded from and saved to
    ``path`` (None: this session only)."""
    if not interactive:
        yield
        return
    try:
        import readline
    except ImportError:  # a Python built without it still chats, without history
        yield
        return
    if path is None:
        yield
        return
    path = path.expanduser()
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(HISTORY_LENGTH)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            readline.write_history_file(path)


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
