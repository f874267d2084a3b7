"""Many questions from standard input (``incident-bot ask -``), answered on every core, in order.

Answering is Python work that holds the GIL, so a batch is spread over worker processes forked
from this one once its engine is loaded: they share the memory-mapped index and start with
everything the parent has, nothing is pickled but a question and its rendered answer. Answers
are printed in the order the questions came, each as soon as it and those before it are done,
by a thread of their own: a program that writes one question and waits for its answer before
writing the next is answered, never left waiting while this process waits for its next line.

Without ``fork`` (not Linux), with one core, or with other threads running (forking then is
unsafe), the questions are answered here, one after the other: the same answers either way.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor

from bot.notes.workers import die_with_parent
from bot.search.engine import Engine

Render = Callable[[Engine, str], str]
AHEAD_PER_WORKER = 4  # questions handed out ahead of the answer being printed, per worker

# A worker process's engine and renderer: handed over by fork, set once by the pool's initializer.
_worker: tuple[Engine, Render] | None = None


def usable_workers() -> int:
    """How many worker processes a batch should use here: one per core this process may run on,
    or 1 (answer in this process) where forking is unavailable or unsafe."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def answer_all(
    engine: Engine, questions: Iterable[str], render: Render, emit: Callable[[str], None], workers: int | None = None
) -> None:
    """``emit(render(engine, question))`` for each question, in order, on ``workers`` processes
    (default ``usable_workers()``). An error rendering or emitting stops the batch and is raised here."""
    workers = usable_workers() if workers is None else workers
    if workers < 2:
        for question in questions:
            emit(render(engine, question))
        return
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_adopt, initargs=(engine, render)
    )
    pending: queue.Queue[Future[str] | None] = queue.Queue(maxsize=AHEAD_PER_WORKER * workers)
    failed: list[BaseException] = []
    printer = threading.Thread(target=_emit_in_order, args=(pending, emit, failed), name="batch-printer")
    try:
        for question in questions:
            if failed:
                break
            pending.put(pool.submit(_answer, question))
            if not printer.is_alive():
                printer.start()  # after the first submit, which forks the workers: never fork beside a thread
    finally:
        if printer.is_alive():
            pending.put(None)
            printer.join()
        pool.shutdown(wait=True, cancel_futures=True)
    if failed:
        raise failed[0]


def _emit_in_order(
    pending: queue.Queue[Future[str] | None], emit: Callable[[str], None], failed: list[BaseException]
) -> None:
    """Emit each answer in turn; after a failure, only drain the queue so the reader never blocks."""
    while (future := pending.get()) is not None:
        if failed:
            future.cancel()
            continue
        try:
            emit(future.result())
        except BaseException as exc:  # handed to the reading thread, which raises it
            failed.append(exc)


def _adopt(engine: Engine, render: Render) -> None:
    """Worker initializer: end with the parent, and keep the engine and renderer fork handed over."""
    global _worker
    die_with_parent(forked=True)
    _worker = (engine, render)


def _answer(question: str) -> str:
    if _worker is None:
        raise RuntimeError("a batch worker was started without its engine")
    engine, render = _worker
    return render(engine, question)
