"""Writing an index to disk atomically and loading it back, memory-mapped.

Layout of ``INDEX_DIR``: ``builds/<id>/`` holds one complete index; ``current`` is a symlink to
the build in service. A build is written under a temporary name, renamed into ``builds/``, and
only then is ``current`` swapped by one ``rename`` — so a reader sees the old index or the new one,
never half of either, and a killed build leaves the previous index serving.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

from bot.notes.models import Skipped, notes_from_columns, notes_to_columns
from bot.search import analysis
from bot.search.bm25 import BM25Matrix
from bot.search.changes import NoteChanges, paths_by_kind
from bot.search.index import FORMAT_VERSION, Index, PassageTable, TermLists

CURRENT = "current"
BUILDS = "builds"
MANIFEST = "manifest.json"
_ARRAYS = (
    "passage_offsets",
    "passage_note",
    "passage_position",
    "passage_term_ids",
    "passage_term_offsets",
    "title_term_ids",
    "title_term_offsets",
    "passage_indptr",
    "passage_docs",
    "passage_weights",
    "note_indptr",
    "note_docs",
    "note_weights",
    "name_share",
)
_LINK_PREFIX = f".{CURRENT}.tmp-"


class IndexMissing(Exception):
    """No index has been built in this folder yet."""


class IndexCorrupt(Exception):
    """The index on disk cannot be used (truncated, foreign, or from another format version)."""


def write_index(index: Index, index_dir: Path, changes: NoteChanges | None = None, *, scanned_ns: int = 0) -> Path:
    """Write ``index`` beside the one in service, then swap it in. Returns the build folder.

    ``scanned_ns`` (``time.time_ns()`` before the seeds were scanned for it) lets a one-shot
    command tell cheaply whether a seeds folder changed since (``Library.open(quick=True)``).

    ``changes`` (what this build changed since the one it replaces) are kept in its manifest,
    so ``index info`` and a process that did not build it can read them."""
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    try:
        files, checksums = _write_files(index, tmp)
        manifest = _manifest(index, files, checksums, changes)
        manifest["seeds_scanned_ns"] = scanned_ns
        # Renaming the folder keeps each file's inode and mtime: a file that still has them was
        # not rewritten or swapped since its checksum was taken (``verify_build``).
        manifest["identity"] = {name: _identity(tmp / name) for name in files}
        _write_synced(tmp / MANIFEST, json.dumps(manifest, indent=1).encode())
        # The temporary folder's unique suffix keeps two builds of one second apart: reusing a
        # name would delete the build in service before the new one is in place.
        final = builds / f"{index.built_at:%Y%m%dT%H%M%S}-{index.fingerprint}-{os.getpid()}-{tmp.name[5:]}"
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync(builds)
    try:
        replaced: str | None = Path(current_target(index_dir)).name
    except OSError:
        replaced = None
    # A link name of this build's own: two builders (or an old one not taking the build lock)
    # never unlink or rename each other's half-made link.
    link = index_dir / f"{_LINK_PREFIX}{final.name}"
    os.symlink(Path(BUILDS) / final.name, link)
    try:
        os.replace(link, index_dir / CURRENT)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    _fsync(index_dir)
    _prune(builds, keep={final.name, replaced})
    return final


def current_build(index_dir: Path) -> Path:
    """The build folder in service. Raises IndexMissing when there is none."""
    link = index_dir / CURRENT
    if not link.exists():
        if link.is_symlink():
            raise IndexCorrupt(f"{link} points at {os.readlink(link)}, which is gone: rebuild the index")
        raise IndexMissing(f"no index in {index_dir} yet: run `incident-bot index build`")
    return link.resolve()


def current_target(index_dir: Path) -> str:
    """Where ``current`` points (``builds/<id>``): one readlink, to tell cheaply whether another
    process put a new build in service. Raises OSError when there is no ``current``."""
    return os.readlink(index_dir / CURRENT)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the build in service (format version, fingerprint, counts)."""
    return read_manifest_of(current_build(index_dir))


def read_manifest_of(build: Path) -> dict[str, Any]:
    """The manifest of one build folder, checked for shape. Raises IndexCorrupt."""
    try:
        manifest = json.loads((build / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"unreadable manifest in {build}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise IndexCorrupt(f"{build} is not an index of format {FORMAT_VERSION}")
    try:
        datetime.fromisoformat(manifest["built_at"])
        if not isinstance(manifest["files"], dict) or not isinstance(manifest["skipped"], list):
            raise TypeError("files or skipped has the wrong type")
        if not isinstance(manifest["sha256"], dict) or manifest["sha256"].keys() != manifest["files"].keys():
            raise TypeError("sha256 does not list the files")
        for key in ("fingerprint", "seeds_dir", "notes", "passages", "terms", "blob", "sources"):
            manifest[key]
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexCorrupt(f"damaged manifest in {build}: {type(exc).__name__}: {exc}") from exc
    return manifest


def last_changes(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """What the build of ``manifest`` changed: ``{"replaced": build or None, "added": n,
    "changed": n, "removed": n, "paths": {"added": [...], "changed": [...], "removed": [...]}}``
    (``paths`` None for a first build), or None when it was not recorded."""
    changes = manifest.get("changes")
    return changes if isinstance(changes, dict) else None


def served_hashes(index_dir: Path) -> tuple[str, dict[str, str]] | None:
    """The build in service (``builds/<id>``) and its notes' content hashes by path, or None when
    there is no readable index to compare a new build with."""
    try:
        target = current_target(index_dir)
        columns = json.loads((index_dir / target / "notes.json").read_bytes())
        return target, dict(zip(map(str, columns["path"]), map(str, columns["hash"]), strict=True))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_index(index_dir: Path) -> Index:
    """Load the build in service, arrays memory-mapped. Checks every file against the manifest."""
    return load_build(current_build(index_dir))  # resolved once: a swap meanwhile must not mix two builds


def load_build(build: Path, *, verify: bool = False, trust_untouched: bool = False) -> Index:
    """Load one build folder, arrays memory-mapped. Checks every file's size against the
    manifest, and with ``verify`` its checksum too (``verify_build``, which ``trust_untouched``
    lets skip the files' contents when none was touched since the build)."""
    if not build.is_dir():
        raise IndexCorrupt(f"{build} is not an index build")
    build = build.resolve()
    manifest = read_manifest_of(build)
    for name, size in manifest["files"].items():
        path = build / name
        if not path.is_file() or path.stat().st_size != size:
            raise IndexCorrupt(f"{path} is missing or truncated")
    if verify:
        verify_build(build, trust_untouched=trust_untouched)
    try:
        # Plain ndarray views of the maps: numpy's memmap subclass costs a Python call on every
        # slice, and a query takes hundreds of slices.
        arrays = {name: np.asarray(np.load(build / f"{name}.npy", mmap_mode="r")) for name in _ARRAYS}
        columns = json.loads((build / "notes.json").read_bytes())
        notes = notes_from_columns(columns)
        hashes = tuple(map(str, columns["hash"]))
        if len(hashes) != len(notes):
            raise ValueError("notes.json columns differ in length")
        terms = tuple((build / "terms.txt").read_text("utf-8").split("\n")) if manifest["terms"] else ()
        # A memoryview of the map: slicing it per passage is far cheaper than slicing a memmap.
        blob = np.memmap(build / "passages.bin", dtype=np.uint8, mode="r").data if manifest["blob"] else b""
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorrupt(f"cannot read {build}: {exc}") from exc
    if (
        len(terms) != manifest["terms"]
        or len(notes) != manifest["notes"]
        or len(arrays["name_share"]) != len(terms)
        or len(arrays["passage_term_offsets"]) != len(arrays["passage_note"]) + 1
        or len(arrays["title_term_offsets"]) != len(notes) + 1
    ):
        raise IndexCorrupt(f"{build} does not match its manifest")
    return Index(
        notes=notes,
        skipped=tuple(Skipped(p, r) for p, r in manifest["skipped"]),
        terms=terms,
        vocab={t: i for i, t in enumerate(terms)},
        passages=PassageTable(
            blob,
            np.asarray(arrays["passage_offsets"]),
            arrays["passage_note"],
            arrays["passage_position"],
            _term_lists(arrays, "passage"),
        ),
        passage_bm25=_matrix(arrays, "passage", manifest["passages"]),
        note_bm25=_matrix(arrays, "note", manifest["notes"]),
        name_share=arrays["name_share"],
        title_terms=_term_lists(arrays, "title"),
        fingerprint=manifest["fingerprint"],
        seeds_dir=manifest["seeds_dir"],
        built_at=datetime.fromisoformat(manifest["built_at"]),
        note_hash=hashes,
    )


def _term_lists(arrays: dict[str, np.ndarray], prefix: str) -> TermLists:
    return TermLists(arrays[f"{prefix}_term_ids"], np.asarray(arrays[f"{prefix}_term_offsets"]))


def _matrix(arrays: dict[str, np.ndarray], prefix: str, n_docs: int) -> BM25Matrix:
    return BM25Matrix(
        np.asarray(arrays[f"{prefix}_indptr"]), arrays[f"{prefix}_docs"], arrays[f"{prefix}_weights"], n_docs
    )


def _write_files(index: Index, folder: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Every file written, then every one synced (one journal commit can carry them all, where
    syncing each as it was written waited for a commit per file). Returns each file's size and
    SHA-256, hashed from the bytes in memory by a second thread while this one writes: hashlib
    lets go of the GIL, and nothing is read back."""
    p, pm, nm = index.passages, index.passage_bm25, index.note_bm25
    arrays = {
        "passage_offsets": p.offsets,
        "passage_note": p.note,
        "passage_position": p.position,
        "passage_term_ids": p.terms.ids,
        "passage_term_offsets": p.terms.offsets,
        "title_term_ids": index.title_terms.ids,
        "title_term_offsets": index.title_terms.offsets,
        "passage_indptr": pm.indptr,
        "passage_docs": pm.docs,
        "passage_weights": pm.weights,
        "note_indptr": nm.indptr,
        "note_docs": nm.docs,
        "note_weights": nm.weights,
        "name_share": index.name_share,
    }
    columns = notes_to_columns(index.notes) | {"hash": list(index.note_hash)}
    contents: dict[str, tuple[bytes | memoryview, ...]] = {f"{n}.npy": _npy(a) for n, a in arrays.items()}
    contents["passages.bin"] = (p.blob,)
    contents["terms.txt"] = ("\n".join(index.terms).encode("utf-8"),)
    contents["notes.json"] = (json.dumps(columns, ensure_ascii=False).encode("utf-8"),)
    with ThreadPoolExecutor(1, thread_name_prefix="index-hash") as hasher:
        checksums = {name: hasher.submit(_sha256_of, parts) for name, parts in contents.items()}
        for name, parts in contents.items():
            with open(folder / name, "wb") as fh:
                for part in parts:
                    fh.write(part)
        for name in contents:
            _fsync(folder / name)
        return (
            {name: sum(len(part) for part in parts) for name, parts in contents.items()},
            {name: digest.result() for name, digest in checksums.items()},
        )


def _npy(array: np.ndarray) -> tuple[bytes, memoryview]:
    """The bytes ``np.save`` writes for ``array``: its header, then its data (not copied)."""
    array = np.ascontiguousarray(array)
    header = io.BytesIO()
    npy_format.write_array_header_1_0(header, npy_format.header_data_from_array_1_0(array))
    return header.getvalue(), array.data.cast("B")


def _manifest(
    index: Index, files: dict[str, int], checksums: dict[str, str], changes: NoteChanges | None
) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "analysis": analysis.current(),
        "fingerprint": index.fingerprint,
        "seeds_dir": index.seeds_dir,
        "built_at": index.built_at.isoformat(),
        "notes": len(index.notes),
        "passages": len(index.passages),
        "terms": len(index.terms),
        "blob": len(index.passages.blob),
        "sources": len({n.source for n in index.notes}),
        "skipped": [[s.path, s.reason] for s in index.skipped],
        "files": files,
        "sha256": checksums,
        "changes": None if changes is None else _changes_record(changes),
    }


def _changes_record(changes: NoteChanges) -> dict[str, Any]:
    """Counts always; paths only when there was an index to compare with (a first build would
    list every note, making every later manifest read slower for nothing)."""
    return {
        "replaced": changes.replaced,
        **changes.counts(),
        "paths": None if changes.first_build else paths_by_kind(changes),
    }


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return _sha256_of(iter(partial(fh.read, 1 << 20), b""))


def _sha256_of(parts: Iterable[bytes | memoryview]) -> str:
    """The SHA-256 of ``parts`` one after the other: a file's bytes, read or about to be written."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def verify_build(build: Path, *, trust_untouched: bool = False) -> None:
    """Check every file of ``build`` against the checksum its manifest keeps. Raises IndexCorrupt
    naming the first file that differs: two arrays of one size swapped, or a reversed
    ``terms.txt``, pass every size check and would be served, answering wrongly.

    Costs one read of the build (about 60 ms for the 56 MB of the 4,490-note corpus), so it runs
    when a build is put in service, not on every load (``Library``). With ``trust_untouched``
    (one-shot commands, which must start fast) the contents are read only when some file's
    inode, size or mtime differs from what the manifest recorded at build time: a file rewritten
    or swapped is then still caught, for the price of a stat per file."""
    manifest = read_manifest_of(build)
    if trust_untouched and manifest.get("identity") == {name: _identity(build / name) for name in manifest["sha256"]}:
        return
    for name, want in manifest["sha256"].items():
        try:
            got = _sha256(build / name)
        except OSError as exc:
            raise IndexCorrupt(f"{build / name} cannot be read: {exc.strerror or exc}") from exc
        if got != want:
            raise IndexCorrupt(f"{build / name} does not match its checksum: the index is damaged, rebuild it")


def build_damage(index_dir: Path, *, trust_untouched: bool = False) -> str | None:
    """Why the build in service cannot be served (a file missing, truncated or not matching its
    checksum: ``verify_build``), or None when it is sound. Raises IndexMissing when there is none."""
    try:
        verify_build(current_build(index_dir), trust_untouched=trust_untouched)
    except IndexCorrupt as exc:
        return str(exc)
    return None


def _identity(path: Path) -> list[int]:
    """What changes when a file is rewritten, replaced or swapped with another (as JSON keeps it)."""
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(builds: Path, keep: set[str | None]) -> None:
    """Drop every build but the new one and the one it replaced (a reader that resolved
    ``current`` a moment ago may still be opening it), and hour-old leftovers of killed builds."""
    old = [d for d in builds.iterdir() if not d.name.startswith(".") and d.name not in keep]
    stale_tmp = [d for d in builds.iterdir() if d.name.startswith(".tmp-") and _older_than_hour(d)]
    for d in old + stale_tmp:
        shutil.rmtree(d, ignore_errors=True)


def make_room(index_dir: Path, *, keep_previous: bool = True) -> tuple[int, int]:
    """Before a build writes: drop the leftovers of killed builds (half-written builds, ``current``
    links) and every build but the one in service and, with ``keep_previous``, the newest other
    one (a reader that resolved ``current`` just before the last swap may still be opening it).
    Call it only under the build lock, where nothing is being written. Returns (folders and
    files removed, bytes freed).

    After "No space left", a build drops the previous one too (``keep_previous=False``) and tries
    again: on a disk that holds two builds, deleting it only after a successful build would make
    every build fail from then on."""
    index_dir = Path(index_dir)
    try:
        serving = Path(current_target(index_dir)).name
    except OSError:
        serving = None
    builds = index_dir / BUILDS
    # Links of killed swaps, dangling ones too; ``.current.tmp`` is the shared name older versions used.
    debris = [
        index_dir / e.name
        for e in os.scandir(index_dir)
        if e.name.startswith(_LINK_PREFIX) or e.name == f".{CURRENT}.tmp"
    ]
    if builds.is_dir():
        others = [d for d in builds.iterdir() if d.name != serving]
        debris += [d for d in others if d.name.startswith(".")]
        finished = sorted((d for d in others if not d.name.startswith(".")), key=_mtime, reverse=True)
        debris += finished[1:] if keep_previous else finished
    freed = 0
    for path in debris:
        freed += _size(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return len(debris), freed


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _size(path: Path) -> int:
    try:
        if path.is_dir() and not path.is_symlink():
            return sum(f.lstat().st_size for f in path.rglob("*"))
        return path.lstat().st_size
    except OSError:
        return 0


def _older_than_hour(path: Path) -> bool:
    return datetime.now().timestamp() - path.stat().st_mtime > 3600
