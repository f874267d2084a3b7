"""Follow-ups: a conversation remembers the story of its last answer, so "and the ransom?" or
"who was behind it?" is asked of that story instead of all the notes.

Whether a message leans on the story or names a new one is decided by what its own words find:

- a reply to one of the bot's answers leans on that answer's story, whatever it says;
- a name the story's notes never mention ("what about Colonial Pipeline?") starts a new story;
- otherwise a message with a pronoun or a leaning opener ("it", "they", "and the...", "what
  about"), with only one or two words to search for, or with no name at all ("what employee
  data was taken?") leans on the story, and so does one the story answers surely;
- otherwise the story is kept unless the message alone finds a sure answer elsewhere that holds
  clearly more of it (NEW_STORY_MARGIN) than the story does.

A message made only of question words and pronouns ("where were they?") is asked of the story
with the story's words, its cue choosing the paragraph; one naming only a thing ("and the
ransom?") is asked as "what ransom?", so that its cue does too. Smalltalk, filter listings and messages
in other languages leave the story as it was. Pure search-layer state: the Telegram handlers
keep one ``Conversation`` per chat in ``Conversations``.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from bot.search.answer_types import Asked, asked_for, grade
from bot.search.engine import Engine
from bot.search.relevance import SURE_RELEVANCE
from bot.search.results import Answer, Hit, Outcome, Story

# How much more of a message an answer elsewhere must hold than the story to leave the story.
NEW_STORY_MARGIN = 0.1
# At most this many content words, and no new name: too little to stand alone.
SHORT = 2
_LEANING = re.compile(
    r"\b(?:it|its|it's|they|them|their|theirs|this|that|these|those|he|him|his|she|her|there|"
    r"the (?:attack|attackers?|hackers?|group|gang|company|victims?|breach|hack|incident|malware|bug|flaw))\b"
    r"|^\s*(?:and|also|so|but|then|what about|how about|any|anything|else)\b",
    re.IGNORECASE,
)
# "and the ransom?", "what about the patch?": a thing named alone, asked of the story as "what ransom?".
_ELLIPTIC = re.compile(
    r"^\s*(?:and|what about|how about)\s+(?:the |its |their )?((?:[\w'-]+ ){0,2}[\w'-]+)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_NOT_QUESTIONS = (Outcome.SMALLTALK, Outcome.LISTING, Outcome.OTHER_LANGUAGE)
REMEMBERED_ANSWERS = 50  # replies to this many of the bot's last answers find their story


class Conversation:
    """One chat's context: the story of the last answer, and the stories of recent answers by
    the id of the message that showed them (for replies to an older answer)."""

    def __init__(self) -> None:
        self.story: Story | None = None
        self._answers: OrderedDict[int, Story] = OrderedDict()

    def ask(self, engine: Engine, message: str, top: int = 10, replying_to: int | None = None) -> Answer:
        """The answer to ``message`` in this conversation; ``replying_to`` is the id of one of
        the bot's answers the message replies to (see ``remember``)."""
        story = self._answers.get(replying_to) if replying_to is not None else None
        replied = story is not None
        story = story or self.story
        alone = engine.ask(message, top)
        text = engine.parse(message).text
        if story is None or alone.outcome in _NOT_QUESTIONS:
            return self._settle(engine, alone, None)
        if not engine.tokenizer(text):
            # Only question words and pronouns ("where were they?"): the story's words say what it
            # is about, the question's cue (where, who, when, how many) picks the paragraph.
            asked = asked_for(message, engine.tokenizer)
            if not (asked or _LEANING.search(message)):
                return self._settle(engine, alone, None)
            within = engine.ask(f"{message} {' '.join(story.words)}", top, story=story)
            if not within.hits:
                return self._settle(engine, alone, None)
            hits = _by_cue(engine, asked, within.hits) if asked else within.hits
            return self._settle(engine, replace(within, hits=hits, question=message, about=story.title), story)
        if not replied and engine.names_outside(text, story):
            return self._settle(engine, alone, None)
        within = replace(engine.ask(_as_asked(message, engine), top, story=story), question=message)
        if not within.hits and engine.ranker.query_terms(text)[0]:
            # Its words are not in the story (but some are in the notes): ask the story with the
            # words of the question before.
            within = replace(engine.ask(f"{message} {' '.join(story.words)}", top, story=story), question=message)
            if within.hits:
                within = replace(within, outcome=Outcome.UNSURE)
        follows = replied or _leans(engine, message) or within.relevance >= SURE_RELEVANCE
        if within.hits and (follows or not _found_elsewhere(alone, within, story)):
            return self._settle(engine, replace(within, about=story.title), story)
        return self._settle(engine, alone, None)

    def remember(self, message_id: int, answer: Answer) -> None:
        """Note that the bot's message ``message_id`` showed ``answer``, so a reply to it later
        is asked of its story (the last REMEMBERED_ANSWERS are kept)."""
        if answer.hits and self.story is not None:
            self._answers[message_id] = self.story
            self._answers.move_to_end(message_id)
            while len(self._answers) > REMEMBERED_ANSWERS:
                self._answers.popitem(last=False)

    def _settle(self, engine: Engine, answer: Answer, kept: Story | None) -> Answer:
        """Make ``answer``'s story the context: ``kept`` when the answer came from it, else a new
        one told by the answer itself (an unanswered question leaves the context as it was)."""
        if kept is not None:
            self.story = kept
        elif answer.hits:
            self.story = engine.story_of(answer)
        return answer


def _leans(engine: Engine, message: str) -> bool:
    """A pronoun or a leaning opener, too few words to stand alone, or no name at all: a message
    that names nothing cannot name another story."""
    text = engine.parse(message).text
    return bool(_LEANING.search(message)) or len(engine.tokenizer(text)) <= SHORT or not engine.names(text)


def _as_asked(message: str, engine: Engine) -> str:
    """An elliptic follow-up that names only a thing ("and the ransom?") asks which or what that
    thing was, so it is asked as "what ransom?": the cue (money here, a name for "and the gang?",
    a version, a date) then chooses the story's paragraph, not the position of the first one
    that repeats the word. Any other message is asked as it is."""
    elliptic = _ELLIPTIC.match(message)
    if elliptic is None or asked_for(message, engine.tokenizer) is not None:
        return message
    return f"what {elliptic.group(1)}?"


def _by_cue(engine: Engine, asked: Asked, hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
    """The story's paragraphs with the one that best holds what the cue asks for first: the
    story's words are in every paragraph of it, so they cannot choose; its supporting sentences
    stay with the first place, less those the new first paragraph already shows."""
    grades = [grade(asked, h.passage, engine.tokenizer, frozenset(engine.tokenizer(h.note.title))) for h in hits]
    best = max(range(len(hits)), key=lambda i: (grades[i], -i))
    if best == 0:
        return hits
    first = hits[best]
    supporting = tuple(s for s in hits[0].supporting if s.text not in first.passage)
    ordered = [replace(first, supporting=supporting), replace(hits[0], supporting=())]
    ordered += [h for i, h in enumerate(hits) if i not in (0, best)]
    return tuple(replace(h, rank=i + 1) for i, h in enumerate(ordered))


def _found_elsewhere(alone: Answer, within: Answer, story: Story) -> bool:
    """The message alone finds a sure answer outside the story, holding clearly more of it."""
    if not alone.confident or alone.hits[0].note.path in story.notes:
        return False
    return alone.relevance > within.relevance + NEW_STORY_MARGIN


class Conversations:
    """The conversations of many chats, bounded: at most ``limit`` chats (the least recently
    active is forgotten first), each forgotten ``ttl`` seconds after its last message. Lost on
    restart, which is fine for a context of a few minutes. Safe to share between threads."""

    def __init__(self, limit: int = 10_000, ttl: float = 1800.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.ttl, self._clock = limit, ttl, clock
        self._chats: OrderedDict[object, tuple[float, Conversation]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, chat: object) -> Conversation:
        """The conversation of ``chat``, a new one if it was never seen or was forgotten."""
        now = self._clock()
        with self._lock:
            while self._chats:
                oldest, (seen, _) = next(iter(self._chats.items()))
                if now - seen <= self.ttl and len(self._chats) <= self.limit:
                    break
                del self._chats[oldest]
            _, conversation = self._chats.pop(chat, (now, None))
            if conversation is None:
                conversation = Conversation()
            self._chats[chat] = (now, conversation)
            while len(self._chats) > self.limit:
                self._chats.popitem(last=False)
            return conversation

    def __len__(self) -> int:
        return len(self._chats)
