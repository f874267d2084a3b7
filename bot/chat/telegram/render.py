"""Engine results -> Telegram HTML. Every piece of note text goes through ``html.escape``.

Telegram rejects a message over 4096 characters (counted in UTF-16 code units) and any
message whose HTML does not parse, so long text is cut *before* it is marked up: a cut can
never land inside a tag or an entity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from html import escape

from bot.chat import text as plain
from bot.chat.telegram.keyboards import Listing
from bot.chat.text import around_sentence
from bot.notes.characters import drop_invisible
from bot.notes.models import Note
from bot.notes.sentences import sentence_spans
from bot.search.catalog import TagEntry
from bot.search.results import Answer, Hit, IndexInfo, Outcome, SourceStats
from bot.state.feedback import Counts
from bot.state.watches import WatchStats

MAX_MESSAGE = 4096
DESCRIPTION_LIMIT = 512
SHORT_DESCRIPTION_LIMIT = 120
ELLIPSIS = "…"
LINK_LIMIT = 1000  # a longer "link" is not shown as one (and never clipped: a clipped URL is a broken URL)
NAME_LIMIT = 100  # longer source or tag names are cut, so that one long name never crowds out the reply
FILTER_SYNTAX = "source:zdnet  tag:ransomware  after:2021-10-01  before:2021-12-31"


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units, so an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def is_blank(text: str) -> bool:
    """True for text with nothing to search once invisible characters are gone."""
    return not drop_invisible(text).strip()


def highlight(passage: str, spans: Iterable[tuple[int, int]], sentence: tuple[int, int] | None = None) -> str:
    """Escape ``passage``, wrap each span in ``<b>`` and ``sentence`` in ``<u>``; overlapping or
    bad spans are merged or dropped, and a span crossing the sentence's edge is split there."""
    if sentence is None:
        return _bold(passage, spans)
    return around_sentence(passage, list(spans), sentence, _bold, lambda text: f"<u>{text}</u>")


def _bold(passage: str, spans: Iterable[tuple[int, int]]) -> str:
    cleaned: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        start, end = max(0, start), min(len(passage), end)
        if start >= end:
            continue
        if cleaned and start <= cleaned[-1][1]:
            cleaned[-1] = (cleaned[-1][0], max(cleaned[-1][1], end))
        else:
            cleaned.append((start, end))
    out: list[str] = []
    at = 0
    for start, end in cleaned:
        out.append(escape(passage[at:start]))
        out.append(f"<b>{escape(passage[start:end])}</b>")
        at = end
    out.append(escape(passage[at:]))
    return "".join(out)


def _longest_fit(candidates: Sequence[int], render_prefix: Callable[[int], str], budget: int) -> str | None:
    """Render the longest prefix among ``candidates`` (ascending) that fits; rendered length grows
    with the prefix, so a binary search finds it."""
    best: str | None = None
    lo, hi = 0, len(candidates) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        rendered = render_prefix(candidates[mid])
        if telegram_length(rendered) <= budget:
            best, lo = rendered, mid + 1
        else:
            hi = mid - 1
    return best


def fit_passage(
    passage: str, spans: Sequence[tuple[int, int]], budget: int, sentence: tuple[int, int] | None = None
) -> str:
    """The highlighted passage, cut at a sentence boundary with "…" so it fits ``budget``.

    Without a sentence end that fits, it is cut between words, and only an endless word is cut
    inside. The plain text is cut, then marked up: a tag or an entity is never split.
    """
    full = highlight(passage, spans, sentence)
    if telegram_length(full) <= budget:
        return full

    def render_prefix(cut: int) -> str:
        return highlight(passage[:cut].rstrip(), spans, sentence) + ELLIPSIS

    sentence_ends = [end for _, end in sentence_spans(passage)]
    word_ends = [m.start() for m in re.finditer(r"\s+", passage) if m.start() > 0]
    by_sentence = _longest_fit(sentence_ends, render_prefix, budget)
    if by_sentence and telegram_length(by_sentence) >= budget // 2:  # not a stub of a long text
        return by_sentence
    for candidates in (word_ends, range(1, len(passage))):
        if fitted := _longest_fit(candidates, render_prefix, budget):
            return fitted
    return ELLIPSIS


def format_date(day: date | None) -> str:
    return day.strftime("%d %b %Y").lstrip("0") if day else ""


def _frame(
    hit: Hit, did_you_mean: str | None, limit: int, lead: str = "", tags: Sequence[tuple[str, str]] = ()
) -> tuple[str, str]:
    """Everything around the passage, each field clipped to ``limit`` characters; ``lead`` is
    a line of HTML above the title, ``tags`` the (name, link) of the note's tags."""
    note = hit.note
    head = [lead] if lead else []
    if did_you_mean:
        head.append(f"Did you mean: <i>{escape(_clip(did_you_mean, limit))}</i>?")
    head.append(f"<b>{escape(_clip(note.title, limit))}</b>")
    meta = " · ".join(_clip(p, limit) for p in (note.source, format_date(note.date), note.author) if p)
    tail = [escape(meta)] if meta else []
    if hit.copies:
        outlets = dict.fromkeys(_clip(copy.source, NAME_LIMIT) for copy in hit.copies if copy.source)
        tail.append(f"Also reported by: {escape(_clip(', '.join(outlets), limit))}" if outlets else "")
    if tags:
        tail.append("🏷 " + " · ".join(_link(url, _clip(name, min(limit, NAME_LIMIT))) for name, url in tags))
    if note.link and len(note.link) <= 4 * limit:  # a clipped URL is a broken URL: drop it instead
        tail.append(f"🔗 {_link(note.link, 'Full article')}" if _is_web_link(note.link) else f"🔗 {escape(note.link)}")
    return "\n\n".join(head) + "\n\n", "\n\n" + "\n".join(line for line in tail if line)


def render_hit(hit: Hit, did_you_mean: str | None = None, lead: str = "", tags: Sequence[tuple[str, str]] = ()) -> str:
    """One hit as a message: title bold, the passage with the question's words bold and its best
    sentence underlined, the supporting sentences under it, source · date · author, the outlets
    of the copies folded into it, its tags as links (``tags``: name, link) and a link to the
    full article."""
    supporting = "".join(f"\n\n▸ {_bold(s.text, s.highlights)}" for s in hit.supporting)
    for limit in (1000, 200, 40):  # shrink absurd titles or links until the passage has room
        head, tail = _frame(hit, did_you_mean, limit, lead, tags[: 1 + limit // 100])
        budget = MAX_MESSAGE - telegram_length(head + supporting + tail)
        if budget >= 500:
            break
    return head + fit_passage(hit.passage, hit.highlights, budget, hit.sentence) + supporting + tail


def render_answer_page(answer: Answer, page: int, tags: Sequence[tuple[str, str]] = ()) -> str:
    """Page ``page`` (0-based) of an answer. The lines saying how it was read show on every page:
    unreadable filters, the story a follow-up was answered from, "did you mean", and the unsure
    line when the closest match may not answer."""
    notices = [*plain.problem_lines(answer), *([plain.about_line(answer)] if answer.about else [])]
    if not answer.confident:
        notices.append(plain.UNSURE)
    lead = "\n\n".join(f"<i>{escape(_clip(line, 300))}</i>" for line in notices)
    return render_hit(answer.hits[page], answer.did_you_mean, lead, tags)


def render_reply(answer: Answer, examples: Sequence[str]) -> str | None:
    """The reply to a message that gets no pages of hits (smalltalk, another language, filters
    alone that match nothing, nothing found); None when it has hits (see ``render_answer_page``)
    or is a list of articles (see ``render_list``)."""
    problems = [escape(line) for line in plain.problem_lines(answer)]
    if answer.outcome is Outcome.SMALLTALK:
        return _join_within([*problems, escape(plain.smalltalk_reply(answer.smalltalk or "", examples))])
    if answer.outcome is Outcome.OTHER_LANGUAGE:
        return _join_within([*problems, escape(plain.other_language_reply(answer.language))])
    if answer.outcome is Outcome.LISTING and not answer.notes:
        return _join_within([*problems, escape(plain.listing_heading(answer))])
    if not answer.hits:
        nothing = render_nothing(answer.question, answer.did_you_mean)
        return "\n\n".join([*problems, nothing]) if problems else nothing
    return None


WATCH_LEAD_LIMIT = 200


def render_watch_notice(hit: Hit, queries: Sequence[str]) -> str:
    """A new note for a chat's watches: which watches it matched, then the note as an answer."""
    names = ", ".join(f"<i>{escape(_clip(q, WATCH_LEAD_LIMIT // len(queries)))}</i>" for q in queries)
    noun = "watch" if len(queries) == 1 else "watches"
    return render_hit(hit, lead=f"🔔 New note for your {noun} {names}")


def render_watch_summary(summed: Mapping[str, int]) -> str:
    """The notes past a refresh's few messages, in one line by watch."""
    total = sum(summed.values())
    counts = ", ".join(f"<i>{escape(_clip(q, 60))}</i> {n}" for q, n in list(summed.items())[:10])
    more = ", …" if len(summed) > 10 else ""
    noun = "note matches" if total == 1 else "notes match"
    return (
        f"🔔 …and {total} more new {noun} your watches ({counts}{more}). "
        "Ask me about them; /watches lists your watches."
    )


def render_nothing(question: str, did_you_mean: str | None = None) -> str:
    """The honest "no match" reply, with where to look instead."""
    lines = [f"I found nothing relevant in the notes for <i>{escape(_clip(question, 200))}</i>."]
    if did_you_mean:
        lines.append(f"Did you mean: <i>{escape(_clip(did_you_mean, 200))}</i>?")
    lines.append(
        f"Try other words, browse /tags and /sources, or narrow with filters like <code>{escape(FILTER_SYNTAX)}</code>."
    )
    return "\n\n".join(lines)


def render_help(info: IndexInfo, examples: Sequence[str], commands: Sequence[tuple[str, str]]) -> str:
    """What the bot knows and how to ask it, built from the index in service; ``commands`` are
    the (usage, description) pairs this user may run, from the command table."""
    span = _date_range(info.first_date, info.last_date)
    lines = [
        "I answer questions about security incidents from the team's notes: "
        f"<b>{info.notes}</b> notes from <b>{info.sources}</b> sources{f', {span}' if span else ''}.",
        "",
        "Just ask in plain words, for example:",
        *(f"• {escape(q)}" for q in examples),
        "",
        f"Narrow a question with filters: <code>{escape(FILTER_SYNTAX)}</code>",
        "",
        *(f"{escape(usage)} — {escape(description)}" for usage, description in commands),
        "",
        "In groups, mention me or reply to my message. In any chat, type my @username and a question.",
    ]
    return _join_within(lines)


def render_description(info: IndexInfo) -> str:
    """The bot's description, shown in an empty chat before the first message (512 at most)."""
    span = _date_range(info.first_date, info.last_date)
    return _clip(
        f"I answer questions about security incidents from the team's notes ({info.notes} articles from "
        f"{info.sources} sources{f', {span}' if span else ''}): the paragraph that answers, with its title, "
        'source, date and link. Ask in plain words, e.g. "who was hit by REvil?", or browse /tags, /sources '
        "and /latest.",
        DESCRIPTION_LIMIT,
    )


def render_short_description(info: IndexInfo) -> str:
    """The bot's short description, on its profile and in shared links (120 at most)."""
    return _clip(f"Answers questions about security incidents from {info.notes} team notes.", SHORT_DESCRIPTION_LIMIT)


def page_count(items: int, per_page: int) -> int:
    """How many pages ``items`` fill: at least one, which says there are none."""
    return max(1, -(-items // per_page))


def render_tags(entries: Sequence[TagEntry], page: int, per_page: int, link: Callable[[TagEntry], str]) -> str:
    """One page of the most used tags with their counts; each tag is a link that opens its articles."""
    pages = page_count(len(entries), per_page)
    chunk = entries[page * per_page : (page + 1) * per_page]
    if not chunk:
        return "No tags in the index yet."
    lines = [f"<b>Most used tags</b> (page {page + 1}/{pages}) — tap one for its articles", ""]
    lines += [f"• {_link(link(entry), _clip(entry.name, NAME_LIMIT))} — {entry.count}" for entry in chunk]
    lines += ["", "Any tag, by part of its name: /tag NAME"]
    return _join_within(lines)


def render_list(listing: Listing, page: int, per_page: int) -> str:
    """One page of a list of articles: the total, then numbered titles linked to the articles,
    each with its source and date; the numbers are the buttons that open them."""
    total = len(listing.notes)
    pages = page_count(total, per_page)
    first = page * per_page
    noun = "article" if total == 1 else "articles"
    heading = f"<b>{escape(_clip(listing.heading, 2 * NAME_LIMIT))}</b> — {total} {noun}"
    lines = [*(f"<i>{escape(_clip(line, 300))}</i>" for line in listing.lead)]
    lines += [heading + (f" (page {page + 1}/{pages})" if pages > 1 else ""), ""]
    for number, note in enumerate(listing.notes[first : first + per_page], start=first + 1):
        meta = " · ".join(p for p in (_clip(note.source, NAME_LIMIT), format_date(note.date)) if p)
        lines.append(f"{number}. {_title_link(note)}\n    {escape(meta)}")
    lines += ["", "Tap a number for the article's best paragraph."]
    return _join_within(lines)


def _title_link(note: Note, limit: int = 200) -> str:
    """The note's title, linked to the article when its link is a usable web address."""
    title = _clip(note.title, limit)
    return _link(note.link, title) if _is_web_link(note.link) else f"<b>{escape(title)}</b>"


def _is_web_link(link: str) -> bool:
    return link.startswith(("http://", "https://")) and len(link) <= LINK_LIMIT and not any(c.isspace() for c in link)


def _link(url: str, text: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{escape(text)}</a>'


def render_sources(stats: Sequence[SourceStats]) -> str:
    if not stats:
        return "No sources in the index yet."
    lines = ["<b>Sources</b>", ""]
    for s in stats:
        span = _date_range(s.first, s.last)
        lines.append(f"• <b>{escape(_clip(s.name, NAME_LIMIT))}</b> — {s.notes} notes{f', {span}' if span else ''}")
    lines += ["", "Latest articles of one source: /source NAME"]
    return _join_within(lines)


def render_stats(
    info: IndexInfo, rebuilding: bool, watches: WatchStats | None = None, votes: Counts | None = None
) -> str:
    lines = [
        "<b>Index in service</b>",
        f"Notes: {info.notes}",
        f"Passages: {info.passages}",
        f"Sources: {info.sources}",
        f"Skipped files: {len(info.skipped)}",
        f"Dates: {escape(_date_range(info.first_date, info.last_date) or 'unknown')}",
        f"Built: {escape(info.built_at.strftime('%Y-%m-%d %H:%M:%S %Z').strip())}",
        f"Seeds: <code>{escape(info.seeds_dir)}</code>",
        f"Fingerprint: <code>{escape(info.fingerprint[:16])}</code>",
    ]
    if watches is not None:
        paused = f", {watches.paused} paused" if watches.paused else ""
        lines.append(f"Watches: {watches.watches} in {watches.chats} chats{paused}")
        lines.append(f"Watch notifications sent: {watches.sent}, waiting: {watches.pending}")
    if votes is not None:
        lines.append(f"Feedback: {votes.up} 👍, {votes.down} 👎 (<code>incident-bot feedback --jsonl</code>: the 👎)")
    if rebuilding:
        lines.append("A rebuild is running now.")
    return _join_within(lines)


def snippet(text: str, limit: int = 160) -> str:
    """Plain one-line preview, for inline result descriptions."""
    return _clip(" ".join(text.split()), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def _date_range(first: date | None, last: date | None) -> str:
    if first and last:
        return format_date(first) if first == last else f"{format_date(first)} – {format_date(last)}"
    return format_date(first or last)


def _join_within(lines: Sequence[str], limit: int = MAX_MESSAGE) -> str:
    """Join whole lines until the limit; the lines are already-balanced HTML, so never cut one."""
    out: list[str] = []
    used = 0
    for line in lines:
        cost = telegram_length(line) + 1
        if used + cost > limit - 2:
            out.append(ELLIPSIS)
            break
        out.append(line)
        used += cost
    return "\n".join(out)
