"""Answers rendered as plain text for a terminal, with the question's words marked."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from bot.notes.models import Note, Tag
from bot.search.results import Answer, Hit, Outcome, SourceStats

Mark = Callable[[str], str]

# What a note or a question must not send to a terminal: C0 and C1 controls (ESC starts a
# sequence that can clear the screen or retitle the window) but tab and newline, and the bidi
# overrides that make text read differently from what it is.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile("\x1b\\[[0-9;]*m")
ANSWER_PAGES = 10  # passages paged through per question, in Telegram and in the terminal alike


def clean(text: str) -> str:
    """``text`` without control characters, so that what a note holds is only ever printed."""
    return _CONTROLS.sub("", text)


def wrap_words(text: str, width: int) -> str:
    """``text`` wrapped at spaces to ``width`` columns (0: not at all), ANSI marks counting as
    nothing; a word longer than a line (a link) is kept whole so that it still works."""
    if width <= 0:
        return text
    return "\n".join(_wrap_line(line, width) for line in text.split("\n"))


def _wrap_line(line: str, width: int) -> str:
    """One line wrapped; an indented or ``▸`` line continues under its first word (a hanging indent)."""
    body = line.lstrip(" ")
    lead = line[: len(line) - len(body)]
    if body.startswith("▸ "):
        lead, body = lead + "▸ ", body[2:]
    hang = " " * len(lead)
    lines: list[str] = []
    current: list[str] = []
    used = len(lead)
    for word in body.split(" "):
        size = len(_ANSI.sub("", word))
        if current and used + 1 + size > width:
            lines.append(" ".join(current))
            current, used = [], len(hang)
        used += size + (1 if current else 0)
        current.append(word)
    lines.append(" ".join(current))
    return lead + f"\n{hang}".join(lines)


def ansi_bold(text: str) -> str:
    return f"\x1b[1m{text}\x1b[22m"  # ends bold only: an underline around it goes on


def ansi_underline(text: str) -> str:
    return f"\x1b[4m{text}\x1b[24m"


def brackets(text: str) -> str:
    return f"[{text}]"


def marked(
    text: str,
    spans: tuple[tuple[int, int], ...],
    mark: Mark,
    sentence: tuple[int, int] | None = None,
    underline: Mark | None = None,
) -> str:
    """``text`` with each span passed through ``mark``, and ``sentence`` through ``underline``
    when both are given (a span crossing the sentence's edge is marked on both sides)."""
    if sentence is None or underline is None:
        return _marked(text, spans, mark)
    return around_sentence(text, spans, sentence, lambda part, inside: _marked(part, inside, mark), underline)


def around_sentence(
    text: str,
    spans: Sequence[tuple[int, int]],
    sentence: tuple[int, int],
    mark_words: Callable[[str, tuple[tuple[int, int], ...]], str],
    wrap: Mark,
) -> str:
    """``text`` in three parts, each through ``mark_words`` with the spans inside it (cut at its
    edges): before ``sentence``, the sentence itself through ``wrap``, and after. For the
    terminal and for Telegram alike; a sentence outside the text leaves it unwrapped."""
    lo, hi = max(0, sentence[0]), min(len(text), sentence[1])
    if lo >= hi:
        return mark_words(text, tuple(spans))

    def part(a: int, b: int) -> str:
        inside = tuple((max(s, a) - a, min(e, b) - a) for s, e in spans if s < b and e > a)
        return mark_words(text[a:b], inside)

    return part(0, lo) + wrap(part(lo, hi)) + part(hi, len(text))


def _marked(text: str, spans: tuple[tuple[int, int], ...], mark: Mark) -> str:
    out, last = [], 0
    for start, end in spans:
        out += [clean(text[last:start]), mark(clean(text[start:end]))]
        last = end
    return "".join(out) + clean(text[last:])


def day(value: date | None) -> str:
    return value.isoformat() if value else "date unknown"


def byline(note: Note) -> str:
    """``The Record · 2021-07-28 · Catalin Cimpanu``: where the article comes from."""
    return " · ".join(p for p in (note.source, day(note.date), note.author) if p)


def render_hit(hit: Hit, total: int, mark: Mark = brackets, underline: Mark | None = None) -> str:
    """One hit for a terminal: the question's words through ``mark``, the best sentence through
    ``underline`` (None leaves it plain, as piped output should be), then the supporting
    sentences, each on a line of its own."""
    supporting = [f"  ▸ {marked(s.text, s.highlights, mark)}" for s in hit.supporting]
    return "\n".join(
        [
            f"{hit.rank}/{total}  {mark(clean(hit.note.title))}",
            "",
            marked(hit.passage, hit.highlights, mark, hit.sentence, underline),
            *(["", *supporting] if supporting else []),
            "",
            clean(byline(hit.note)),
            *([clean(also)] if (also := also_reported_by(hit)) else []),
            clean(hit.note.link),
        ]
    )


def also_reported_by(hit: Hit) -> str:
    """The outlets of the copies folded into ``hit`` (see ``Engine.fold_copies``), or ""."""
    outlets = dict.fromkeys(copy.source for copy in hit.copies if copy.source)
    return f"Also reported by: {', '.join(outlets)}" if outlets else ""


UNSURE = "This may not answer your question; it is the closest match in the notes."
SMALLTALK_REPLIES = {
    "greeting": "Hello! I answer questions about security incidents from the team's notes.",
    "thanks": "Glad to help! Ask me about another incident any time.",
    "ack": "Anything else? Ask me about a security incident.",
    "bye": "Bye! Ask again any time.",
    "about": "I'm incident-bot: I answer questions about security incidents from the team's notes, "
    "with the paragraph that answers, its source and a link.",
    "help": 'Ask about a security incident in plain words; follow-ups like "who was behind it?" '
    "stay on the same story. Filters narrow a question: source:NAME tag:NAME after:YYYY-MM-DD before:YYYY-MM-DD.",
}


def smalltalk_reply(kind: str, examples: Sequence[str]) -> str:
    """The friendly reply to smalltalk, with questions the notes can answer."""
    lines = [SMALLTALK_REPLIES.get(kind, SMALLTALK_REPLIES["greeting"])]
    if examples:
        lines += ["For example:", *(f"  {q}" for q in examples)]
    return "\n".join(lines)


def other_language_reply(language: str | None) -> str:
    return (
        f"The notes are in English{f' and this reads as {language}' if language else ''}: "
        "please ask in English (names of incidents, groups and products work as they are)."
    )


def about_line(answer: Answer) -> str:
    """Says that a follow-up was answered from the conversation's story."""
    return f"(about: {clean(answer.about)})" if answer.about else ""


def problem_lines(answer: Answer) -> list[str]:
    """Each filter that could not be read, named, so it is not silently dropped."""
    return [f"({clean(problem)}; that filter is left out)" for problem in answer.problems]


def listing_heading(answer: Answer) -> str:
    """What a message of filters alone lists, with the total when only the newest are shown."""
    if not answer.notes:
        return "No article matches those filters."
    shown = f"{len(answer.notes)} of {answer.listed} articles" if answer.listed > len(answer.notes) else "Articles"
    return f"{shown} matching {clean(answer.question.strip())}, newest first:"


def nothing_found(answer: Answer) -> str:
    return (
        "Nothing in the notes answers that. Try other words, or browse with /tags and /sources "
        "(filters: source:NAME tag:NAME after:YYYY-MM-DD before:YYYY-MM-DD)."
    )


def did_you_mean(answer: Answer) -> str:
    return f"(searched for: {clean(answer.did_you_mean)})" if answer.did_you_mean else ""


def render_tags(tags: list[tuple[Tag, int]]) -> str:
    if not tags:
        return "No tags: the notes carry none."
    width = max((len(str(c)) for _, c in tags), default=1)
    return clean("\n".join(f"{count:>{width}}  {tag.label}" for tag, count in tags))


def render_sources(stats: list[SourceStats]) -> str:
    if not stats:
        return "No sources: the index holds no notes."
    width = max((len(s.name) for s in stats), default=1)
    return clean("\n".join(f"{s.notes:>5}  {s.name:<{width}}  {day(s.first)} – {day(s.last)}" for s in stats))


def render_answer(
    answer: Answer,
    examples: Sequence[str],
    mark: Mark = brackets,
    underline: Mark | None = None,
    hits: int | None = None,
) -> str:
    """A whole reply for a terminal: the lines about how it was read (unreadable filters, the
    spelling searched for, the story it is about, the unsure line), then its first ``hits``
    hits (all by default), or the reply that is not a search result."""
    lines = problem_lines(answer)
    if answer.outcome is Outcome.SMALLTALK:
        return "\n".join([*lines, smalltalk_reply(answer.smalltalk or "", examples)])
    if answer.outcome is Outcome.OTHER_LANGUAGE:
        return "\n".join([*lines, other_language_reply(answer.language)])
    if answer.outcome is Outcome.LISTING:
        return "\n".join([*lines, listing_heading(answer), render_notes(list(answer.notes))]).rstrip()
    if not answer.hits:
        return "\n".join([*lines, nothing_found(answer)])
    lines += [line for line in (did_you_mean(answer), about_line(answer)) if line]
    if not answer.confident:
        lines.append(UNSURE)
    shown = answer.hits if hits is None else answer.hits[:hits]
    lines += [render_hit(h, len(answer.hits), mark, underline) + "\n" for h in shown]
    return "\n".join(lines).rstrip() + "\n"


def render_notes(notes: list[Note]) -> str:
    return clean("\n".join(f"{day(n.date)}  {n.title}  ({n.source})\n            {n.link}" for n in notes))
