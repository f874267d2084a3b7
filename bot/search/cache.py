"""The incremental build cache: each note file parsed and tokenised once, until it changes.

A rebuild stats every note file and reuses the parsed note and its texts' term ids of each file
whose relative path, size and modification time (ns) are the ones cached; only new and changed
files are read, parsed and tokenised. Deleted files simply are not looked up again. The texts
handed to ``build_index`` are then exactly what a full parse and tokenisation would give, so the
index is identical (tests/test_incremental.py proves it on the real corpus).

The cache lives in ``INDEX_DIR/cache/notes.cache``: one file, written under a temporary name and
renamed into place, holding a CRC-32 of its payload. A cache that is missing, truncated, damaged,
from another format, another seeds folder, or another version of the parsing and tokenising code
is ignored (logged) and the build parses everything: a cache can cost time, never correctness.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, NoReturn

import numpy as np

from bot.notes import loader
from bot.notes.fingerprint import Fingerprint
from bot.notes.models import Corpus, Note, Skipped, notes_from_columns, notes_to_columns
from bot.notes.walk import SeedFile, scan_seeds
from bot.search.analysis import stemmer_version
from bot.search.changes import content_hash
from bot.search.index import note_texts
from bot.search.names import capital_counts
from bot.search.tokenize import TermIds, Tokenizer, gather

log = logging.getLogger(__name__)

CACHE_DIR = "cache"
SAVE_SHARE = 0.01  # see BuildStats.worth_saving
CACHE_FILE = "notes.cache"
_MAGIC = b"incident-bot build cache 3\n"  # 2: content hash per note; 3: capital counts
# What decides a note's parse and terms: if any of these sources changes, the cache is dropped.
_CODE = (
    *sorted((Path(loader.__file__).parent).glob("*.py")),
    Path(__file__).with_name("tokenize.py"),
    Path(__file__).with_name("lexicon.py"),
    Path(__file__).with_name("index.py"),
    Path(__file__).with_name("names.py"),
)


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the notes layer's and the tokenizer's source and the stemmer's version: their
    output is what is cached."""
    digest = hashlib.sha256(_MAGIC + stemmer_version().encode())
    for path in _CODE:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class _Entry:
    size: int
    mtime_ns: int
    note: Note
    first: int  # the note's first text (its title) in the cache's texts
    hash: str  # changes.content_hash(note)
    capitals: tuple[tuple[str, int], ...]  # names.capital_counts of its paragraphs


class CachedCorpus(NamedTuple):
    """What ``BuildCache.load_corpus`` hands to ``build_index``, and the cache to save after it."""

    corpus: Corpus
    tokens: TermIds  # the texts' term ids, in ``note_texts`` order
    hashes: tuple[str, ...]  # changes.content_hash of each note
    capitals: Counter[str]  # names.capital_counts of all paragraphs
    cache: BuildCache
    stats: BuildStats


@dataclass
class BuildStats:
    """What a cached load did: files reused from the cache and files read afresh."""

    reused: int = 0
    parsed: int = 0
    changed: bool = True  # False: the same files as the cache holds, none of them changed
    fingerprint: str = ""  # bot.notes.fingerprint.seeds_fingerprint of the files stat'ed
    unused: int = 0  # entries of the cache this load did not use (their files changed or are gone)

    @property
    def worth_saving(self) -> bool:
        """Whether to write the cache this load made. Writing it costs what parsing a few hundred
        notes does (the whole corpus is pickled again), so a build that parsed only a few new or
        changed notes leaves the cache as it was and the next build parses them again, until
        they (with the entries of files gone) are more than SAVE_SHARE of the notes."""
        return self.parsed + self.unused > SAVE_SHARE * (self.reused + self.parsed)


@dataclass
class BuildCache:
    """Parsed notes by relative path, and the term ids of their texts (title, subtitle,
    paragraphs): text ``i`` is ``terms[ids[offsets[i]:offsets[i + 1]]]``."""

    seeds_dir: str = ""
    entries: dict[str, _Entry] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))

    # ------------------------------------------------------------------ loading the seeds

    def load_corpus(
        self, seeds_dir: Path, tokenizer: Tokenizer | None = None, *, workers: int | None = None
    ) -> CachedCorpus:
        """The corpus of ``seeds_dir`` (exactly ``loader.load_corpus``'s) with what ``build_index``
        would compute from it (term ids, content hashes, capital counts), and the cache to save."""
        seeds_dir = Path(seeds_dir)
        tokenizer = tokenizer or Tokenizer()
        capitals: Counter[str] = Counter()
        stats = BuildStats()
        files, skipped = scan_seeds(seeds_dir)
        same_seeds = self.seeds_dir == str(seeds_dir.resolve())
        keys: list[tuple[int, int] | None] = []
        fresh: list[SeedFile] = []
        # The stats taken here are the ones seeds_fingerprint hashes, so it comes for free.
        fingerprint = Fingerprint()
        for seed in files:
            try:
                st = os.stat(seed.path)
                key = (st.st_size, st.st_mtime_ns)
                fingerprint.add(seed.rel, st)
            except OSError:
                key = None
            keys.append(key)
            entry = self.entries.get(seed.rel) if same_seeds else None
            if key is None or entry is None or (entry.size, entry.mtime_ns) != key:
                fresh.append(seed)
        read = iter(loader.read_notes(fresh, workers or os.cpu_count() or 1))
        fresh_rel = {seed.rel for seed in fresh}

        notes: list[Note] = []
        hashes: list[str] = []
        new_entries: dict[str, _Entry] = {}
        # Where each note's texts come from: ("old", first text in this cache) or ("new", note).
        sources: list[tuple[bool, int]] = []
        new_notes: list[Note] = []
        for (rel, _, _), key in zip(files, keys, strict=True):
            if rel in fresh_rel:
                result = next(read)
                stats.parsed += 1
                if isinstance(result, Skipped):
                    skipped.append(result)
                    continue
                sources.append((False, len(new_notes)))
                new_notes.append(result)
                note, note_hash = result, content_hash(result)
                note_capitals = tuple(capital_counts(result.paragraphs, tokenizer).items())
            else:
                entry = self.entries[rel]
                stats.reused += 1
                note, note_hash, note_capitals = entry.note, entry.hash, entry.capitals
                sources.append((True, entry.first))
            notes.append(note)
            hashes.append(note_hash)
            for term, count in note_capitals:  # Counter.update's own loop, less its per-call checks
                capitals[term] = capitals.get(term, 0) + count
            if key is not None:
                new_entries[rel] = _Entry(key[0], key[1], note, -1, note_hash, note_capitals)
        corpus = Corpus(notes=tuple(notes), skipped=tuple(skipped))
        stats.fingerprint = fingerprint.hexdigest()
        stats.changed = bool(new_notes) or new_entries.keys() != self.entries.keys() or not same_seeds
        stats.unused = len(self.entries) - stats.reused

        tokens = self._tokens(notes, sources, new_notes, tokenizer)
        # The next cache holds exactly this corpus: texts in note order, so note n's title is
        # text first[n], and only the terms these texts use.
        n_texts = np.fromiter((len(n.paragraphs) + 2 for n in notes), dtype=np.int64, count=len(notes))
        first = np.concatenate(([0], np.cumsum(n_texts)[:-1])).tolist() if len(notes) else []
        by_note = {id(n): f for n, f in zip(notes, first, strict=True)}
        entries = {
            rel: _Entry(e.size, e.mtime_ns, e.note, by_note[id(e.note)], e.hash, e.capitals)
            for rel, e in new_entries.items()
        }
        used = np.zeros(len(tokens.terms), dtype=bool)
        used[tokens.ids] = True
        remap = np.cumsum(used) - 1
        nxt = BuildCache(
            seeds_dir=str(seeds_dir.resolve()),
            entries=entries,
            terms=[t for t, u in zip(tokens.terms, used.tolist(), strict=True) if u],
            ids=remap[tokens.ids].astype(np.int32),
            offsets=tokens.offsets,
        )
        return CachedCorpus(corpus, tokens, tuple(hashes), capitals, nxt, stats)

    def _tokens(
        self, notes: list[Note], sources: list[tuple[bool, int]], new_notes: list[Note], tokenizer: Tokenizer
    ) -> TermIds:
        """Term ids of every note's texts, in order: cached ones gathered, new ones tokenised."""
        batch = tokenizer.many(t for n in new_notes for t in note_texts(n))
        # One vocabulary: the cache's terms, then the new batch's terms it lacks.
        terms = list(self.terms)
        index = {t: i for i, t in enumerate(terms)}
        for t in batch.terms:
            if t not in index:
                index[t] = len(terms)
                terms.append(t)
        batch_to = np.fromiter(map(index.__getitem__, batch.terms), dtype=np.int64, count=len(batch.terms))
        # All ids in one array: the cache's ids, then the new batch's (renumbered).
        values = np.concatenate((self.ids.astype(np.int64), batch_to[batch.ids]))
        base = len(self.ids)
        new_first = np.concatenate(([0], np.cumsum([len(n.paragraphs) + 2 for n in new_notes]))).astype(np.int64)
        # Text t of the corpus is text ``src[t]`` of the cache (``old[t]``) or of the new batch.
        k = np.fromiter((len(n.paragraphs) + 2 for n in notes), dtype=np.int64, count=len(notes))
        from_cache = np.fromiter((o for o, _ in sources), dtype=bool, count=len(sources))
        at = np.fromiter((a for _, a in sources), dtype=np.int64, count=len(sources))
        first = np.where(from_cache, at, new_first[np.where(from_cache, 0, at)])
        note_start = np.concatenate(([0], np.cumsum(k)[:-1])) if len(k) else k
        src = np.repeat(first - note_start, k) + np.arange(int(k.sum()), dtype=np.int64)
        old = np.repeat(from_cache, k)
        new = ~old
        start = np.empty(len(src), dtype=np.int64)
        end = np.empty(len(src), dtype=np.int64)
        start[old], end[old] = self.offsets[src[old]], self.offsets[src[old] + 1]
        start[new], end[new] = batch.offsets[src[new]] + base, batch.offsets[src[new] + 1] + base
        length = end - start
        ids = gather(values, start, length)
        offsets = np.concatenate(([0], np.cumsum(length))).astype(np.int64)
        return TermIds(tuple(terms), ids, offsets)

    # ------------------------------------------------------------------ disk

    @classmethod
    def open(cls, index_dir: Path) -> BuildCache:
        """The cache saved in ``index_dir``, or an empty one when it is missing or unusable."""
        path = Path(index_dir) / CACHE_DIR / CACHE_FILE
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            log.warning("build cache %s unreadable (%s): parsing every note", path, exc)
            return cls()
        try:
            return cls._decode(data)
        except Exception as exc:  # any damage at all: rebuild from the notes, never fail
            log.warning("build cache %s ignored (%s): parsing every note", path, exc)
            return cls()

    def save(self, index_dir: Path) -> None:
        """Write the cache atomically; a failure is logged, the build it follows stands."""
        folder = Path(index_dir) / CACHE_DIR
        try:
            folder.mkdir(parents=True, exist_ok=True)
            payload = self._encode()
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(_MAGIC)
                    fh.write(_checksum(payload))
                    fh.write(payload)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, folder / CACHE_FILE)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except Exception as exc:
            log.warning("could not save the build cache in %s: %s", folder, exc)

    @staticmethod
    def clear_leftovers(index_dir: Path) -> tuple[int, int]:
        """Remove the temporary files of saves that were killed (a ``kill -9`` mid-save leaves
        one as large as the cache). Only under the build lock, when no save is running.
        Returns (files removed, bytes freed)."""
        folder = Path(index_dir) / CACHE_DIR
        removed = freed = 0
        for path in folder.glob(".tmp-*") if folder.is_dir() else ():
            try:
                size = path.lstat().st_size
                path.unlink()
            except OSError:
                continue
            removed, freed = removed + 1, freed + size
        return removed, freed

    def _encode(self) -> bytes:
        # Plain tuples of str/int only: quick to pickle, and nothing but builtins to unpickle.
        records = [(rel, e.size, e.mtime_ns, e.first, e.hash, e.capitals) for rel, e in self.entries.items()]
        body = {
            "code": code_version(),
            "seeds_dir": self.seeds_dir,
            "entries": records,
            "notes": notes_to_columns([e.note for e in self.entries.values()], paragraphs=True),
            "terms": "\n".join(self.terms),
            "ids": np.ascontiguousarray(self.ids, dtype=np.int32).tobytes(),
            "offsets": np.ascontiguousarray(self.offsets, dtype=np.int64).tobytes(),
        }
        return pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def _decode(cls, data: bytes) -> BuildCache:
        head = len(_MAGIC) + 4
        if not data.startswith(_MAGIC) or len(data) < head:
            raise ValueError("not a build cache of this format")
        # The payload read in place (a memoryview, a stream sharing ``data``), never copied.
        if _checksum(memoryview(data)[head:]) != data[len(_MAGIC) : head]:
            raise ValueError("checksum mismatch")
        stream = io.BytesIO(data)
        stream.seek(head)
        body = _SafeUnpickler(stream).load()
        if body["code"] != code_version():
            raise ValueError("written by another version of the parser or tokenizer")
        terms = body["terms"].split("\n") if body["terms"] else []
        ids = np.frombuffer(body["ids"], dtype=np.int32)
        offsets = np.frombuffer(body["offsets"], dtype=np.int64)
        entries = {}
        notes = notes_from_columns(body["notes"])
        for (rel, size, mtime_ns, first, digest, capitals), note in zip(body["entries"], notes, strict=True):
            if first < 0 or first + len(note.paragraphs) + 2 >= len(offsets):
                raise ValueError(f"bad entry for {rel}")
            entries[rel] = _Entry(size, mtime_ns, note, first, digest, tuple(map(tuple, capitals)))
        if len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0):
            raise ValueError("bad text offsets")
        if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= len(terms)):
            raise ValueError("term ids out of range")
        return cls(seeds_dir=body["seeds_dir"], entries=entries, terms=terms, ids=ids, offsets=offsets)


class _SafeUnpickler(pickle.Unpickler):
    """Builtins only (str, int, bytes, tuples, lists, dicts): never a class, so never code."""

    def find_class(self, module: str, name: str) -> NoReturn:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a build cache")


def _checksum(payload: bytes | memoryview) -> bytes:
    """CRC-32: catches a torn or damaged file (it guards against accidents, not attackers; the
    index folder is as trusted as the index in it, and unpickling admits builtins only)."""
    return zlib.crc32(payload).to_bytes(4, "big")
