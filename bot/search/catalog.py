"""Tags as a person means them: one entry per name whatever its case or kind, found by a loose name.

The notes spell one tag several ways ("REvil" as a plain tag and as a malware name, "Websites"
and "website"): a person browsing wants one entry with the merged count, shown the way the notes
spell it most often. Spellings are merged by case, kind and the index term of their last word
(its stem: "websites" and "website" are one tag). Looking a tag up forgives case, a copied
"(kind)" suffix, underscores for spaces (deep links), a prefix ("lazarus" for "Lazarus Group")
and a close misspelling.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.notes.models import Note
from bot.search.tokenize import Tokenizer, normalize

MAX_LOOKUP = 100  # tags are at most 60 characters; a longer lookup is cut, never scanned whole
CLOSE_SPELLING = 85  # rapidfuzz ratio (0-100) from which a name counts as a misspelling of a tag
CANDIDATES = 8
SLUG_LIMIT = 60  # "tag_" + 60 characters = the 64 a /start payload or a button's data may hold
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class TagEntry:
    """One tag: ``name`` is its most used spelling, ``count`` the notes carrying it in any spelling
    or kind, ``kinds`` the kinds it is given, most used first ("" for a plain tag), ``slug`` a short
    ASCII id for links and buttons."""

    name: str
    key: str
    slug: str
    count: int
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TagMatch:
    """What a looked-up name means: ``tag`` when it is clear, else the ``candidates`` that come
    closest (by prefix or spelling), most used first; both empty when nothing is near."""

    tag: TagEntry | None
    candidates: tuple[TagEntry, ...] = ()


def tag_key(name: str) -> str:
    """The form spellings of one tag share: casefolded, a trailing "(kind)" dropped, underscores
    and runs of spaces made one space."""
    text = name[:MAX_LOOKUP].strip()
    if text.endswith(")") and "(" in text:
        text = text[: text.rfind("(")]
    return " ".join(text.replace("_", " ").casefold().split())


def slug(key: str) -> str:
    """An id for ``key`` made of a-z, 0-9 and ``_``: the key itself where it can be, a hash for a
    name without such letters (a /start payload allows nothing else)."""
    ascii_form = _NOT_SLUG.sub("_", key).strip("_")[:SLUG_LIMIT]
    return ascii_form or "h" + hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


class TagCatalog:
    """Every tag of a set of notes, most used first, and the notes carrying each."""

    def __init__(self, notes: Sequence[Note], tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer
        holders: dict[str, list[int]] = defaultdict(list)
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        kinds: dict[str, Counter[str]] = defaultdict(Counter)
        for number, note in enumerate(notes):
            keys = set()
            for tag in note.tags:
                key = self.key(tag.name)
                if key:
                    keys.add(key)
                    spellings[key][tag.name] += 1
                    kinds[key][tag.kind] += 1
            for key in keys:
                holders[key].append(number)
        entries = [
            TagEntry(_most_used(spellings[key]), key, slug(key), len(numbers), _by_use(kinds[key]))
            for key, numbers in holders.items()
        ]
        entries.sort(key=lambda e: (-e.count, e.key))
        self.entries: tuple[TagEntry, ...] = tuple(entries)
        self._holders = dict(holders)
        self._by_key = {e.key: e for e in entries}
        self._by_slug: dict[str, TagEntry] = {}
        for entry in entries:  # the most used wins a slug two names share ("AT&T", "AT T")
            self._by_slug.setdefault(entry.slug, entry)
        self._keys = [e.key for e in entries]

    def key(self, name: str) -> str:
        """What the spellings of one tag share: :func:`tag_key` with its last word as its index term."""
        key = tag_key(name)
        head, _, last = key.rpartition(" ")
        term = self._tokenizer.term(normalize(last)) if last.isalpha() else None
        return f"{head} {term}" if head and term else term or key

    def find(self, name: str) -> TagMatch:
        """The tag ``name`` means: exact (any case, with or without its kind), else the one tag it
        begins, else the candidates it begins or nearly spells."""
        key = self.key(name)
        if not key:
            return TagMatch(None)
        if (exact := self._by_key.get(key)) is not None:
            return TagMatch(exact)
        prefixed = [e for e in self.entries if e.key.startswith(key)]
        if len(prefixed) == 1:
            return TagMatch(prefixed[0])
        if prefixed:
            return TagMatch(None, tuple(prefixed[:CANDIDATES]))
        close = process.extract(key, self._keys, scorer=fuzz.ratio, score_cutoff=CLOSE_SPELLING, limit=CANDIDATES)
        found = sorted((self.entries[index] for _, _, index in close), key=lambda e: (-e.count, e.key))
        return TagMatch(None, tuple(found))

    def entry(self, name: str) -> TagEntry | None:
        """The entry a note's tag ``name`` belongs to."""
        return self._by_key.get(self.key(name))

    def by_slug(self, value: str) -> TagEntry | None:
        """The tag a link or a button names by its slug."""
        return self._by_slug.get(value)

    def notes_with(self, entry: TagEntry) -> list[int]:
        """The numbers of the notes carrying ``entry``, in note order."""
        return list(self._holders.get(entry.key, ()))


def _by_use(counts: Counter[str]) -> tuple[str, ...]:
    return tuple(value for value, _ in counts.most_common())


def _most_used(spellings: Counter[str]) -> str:
    """The spelling used most; a tie goes to the one with more capitals ("REvil" over "revil")."""
    return max(spellings.items(), key=lambda item: (item[1], sum(c.isupper() for c in item[0]), item[0]))[0]
