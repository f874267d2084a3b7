"""Parser worker processes: a rebuild inside the bot parses outside its threads, and the workers
never outlive the build that started them, even when it is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from bot.notes.loader import load_corpus

ROOT = Path(__file__).resolve().parent.parent
# One paragraph of several MB that the tag pattern scans in one call: seconds of parsing, all of
# it holding the GIL if done in the caller's process.
SLOW_NOTE = "# Slow\n\n" + "<<#" * 1_500_000 + "\n"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, grandchildren …), from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("caller", ["cli", "bot"])
def test_parser_workers_die_when_the_build_is_killed(tmp_path: Path, caller: str) -> None:
    """``cli``: a big folder parsed by forked workers; ``bot``: a rebuild from a worker thread."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n in range(3):
        (seeds / f"slow-{n}.md").write_text(SLOW_NOTE)
    for n in range(450 if caller == "cli" else 0):
        (seeds / f"note-{n:03}.md").write_text(f"# Note {n}\n\nShort text {n}.\n")
    script = textwrap.dedent(
        f"""
        import threading, sys
        from pathlib import Path
        from bot.notes.loader import load_corpus
        if {caller == "bot"}:
            threading.Thread(target=threading.Event().wait, daemon=True).start()  # the event loop
        print("parsing", flush=True)
        load_corpus(Path({str(seeds)!r}), workers=2)
        """
    )
    build = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert build.stdout is not None and build.stdout.readline().strip() == "parsing"
        workers: set[int] = set()
        deadline = time.monotonic() + 20
        while not workers and time.monotonic() < deadline and build.poll() is None:
            time.sleep(0.05)
            workers = _descendants(build.pid)
        assert workers, "the build started no parser processes"
        time.sleep(0.3)
        workers |= _descendants(build.pid)
    finally:
        build.kill()
        build.wait()
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} parser processes outlived the killed build"


@pytest.mark.slow
def test_a_rebuild_from_a_thread_leaves_the_other_threads_running(tmp_path: Path) -> None:
    """The bot rebuilds in a worker thread; its event loop (here: this thread) must keep running."""
    (tmp_path / "slow.md").write_text(SLOW_NOTE)
    (tmp_path / "note.md").write_text("# Note\n\nShort text.\n")
    done = threading.Event()
    builder = threading.Thread(target=lambda: (load_corpus(tmp_path, workers=1), done.set()), daemon=True)
    started = time.monotonic()
    builder.start()
    longest_wait, last = 0.0, time.monotonic()
    while not done.is_set() and time.monotonic() - started < 120:
        time.sleep(0.01)
        now = time.monotonic()
        longest_wait, last = max(longest_wait, now - last), now
    assert done.is_set()
    assert longest_wait < 0.5, f"this thread waited {longest_wait:.2f} s at once for the parse"
