"""Many questions from standard input (``incident-bot ask -``), answered on every core, in order.

Answering is Python work that holds the GIL, so a batch is spread over worker processes forked
from this one once its engine is loaded: they share the memory-mapped index and start with
everything the parent has; only a question and its rendered answer travel. Each question goes to
whichever worker is free first (one shared task queue), each answer comes back over its worker's
own pipe; they are printed in the order asked, each as soon as it and those before it are done,
by a thread of their own: a program that writes one question and waits for its answer
before writing the next is answered, never left waiting while this process waits for its next line.

Without ``fork`` (not Linux), with one core, or with other threads running (forking then is
unsafe), the questions are answered here, one after the other: the same answers either way.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from multiprocessing.queues import SimpleQueue
from typing import Any, cast

from bot.notes.workers import die_with_parent
from bot.search.engine import Engine

Render = Callable[[Engine, str], str]
AHEAD_PER_WORKER = 4  # questions handed out ahead of the answer being printed, per worker
_STOP_S = 5.0  # how long a worker is given to exit after the batch, before it is killed


def usable_workers() -> int:
    """How many worker processes a batch should use here: one per core this process may run on,
    or 1 (answer in this process) where forking is unavailable or unsafe."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def answer_all(
    engine: Engine, batch: Iterable[str], render: Render, emit: Callable[[str], None], workers: int | None = None
) -> None:
    """``emit(render(engine, question))`` for each question of ``batch``, in order, on ``workers``
    processes (default ``usable_workers()``). An error rendering or emitting stops the batch and
    is raised here."""
    workers = usable_workers() if workers is None else workers
    questions = iter(batch)
    if workers < 2:
        for question in questions:
            emit(render(engine, question))
        return
    # The first question is answered here: it loads and builds what every answer needs (the
    # answering modules, the engine's tables, the tokenizer's first words), which the workers
    # then start with instead of each building it again.
    first = next(questions, None)
    if first is None:
        return
    emit(render(engine, first))
    fork = multiprocessing.get_context("fork")
    tasks: SimpleQueue[tuple[int, str] | None] = fork.SimpleQueue()
    answers: list[Connection] = []
    processes: list[BaseProcess] = []
    room = threading.Semaphore(AHEAD_PER_WORKER * workers)
    failed: list[BaseException] = []
    sent = 0
    count, counted = fork.Pipe(duplex=False)  # how many questions there were, told when the input ends
    printer = threading.Thread(
        target=_emit_in_order, args=(answers, count, room, emit, failed), name="batch-printer", daemon=True
    )
    try:
        for _ in range(workers):  # every fork before the printer starts: never fork beside a thread
            mine, theirs = fork.Pipe(duplex=False)
            process = fork.Process(
                target=_serve, args=(engine, render, tasks, theirs), daemon=True, name="batch-worker"
            )
            process.start()
            theirs.close()
            answers.append(mine)
            processes.append(process)
        printer.start()
        for question in questions:
            room.acquire()
            if failed:
                break
            tasks.put((sent, question))  # to whichever worker is free first
            sent += 1
        counted.send(sent)
        printer.join()
    finally:
        _stop(tasks, processes)
        if printer.is_alive():  # the input broke off: with the workers gone, it ends at once
            printer.join(_STOP_S)
        for pipe in (*answers, count, counted):
            pipe.close()
        tasks.close()
    if failed:
        raise failed[0]


def _emit_in_order(
    answers: list[Connection],
    count: Connection,
    room: threading.Semaphore,
    emit: Callable[[str], None],
    failed: list[BaseException],
) -> None:
    """Emit the answers in the order asked, each when it and those before it are in; ``count``
    tells how many there are once the input has ended. After a failure only receive, so that
    neither the reading thread nor a worker waits on this one."""
    waiting: dict[int, tuple[bool, Any]] = {}
    printed = 0
    total: int | None = None
    while total is None or printed < total:
        for ready in cast(list[Connection], wait([*answers, count] if total is None else answers)):
            if ready is count:
                total = count.recv()
                continue
            try:
                number, ok, value = ready.recv()
            except EOFError:
                failed.append(RuntimeError("a worker answering the batch exited before answering"))
                room.release()  # the reading thread may be waiting for room: it sees the failure
                return
            waiting[number] = ok, value
        while printed in waiting:
            ok, value = waiting.pop(printed)
            printed += 1
            try:
                if not failed:
                    if not ok:
                        raise value
                    emit(value)
            except BaseException as exc:  # handed to the reading thread, which raises it
                failed.append(exc)
            finally:
                room.release()


def _serve(engine: Engine, render: Render, tasks: SimpleQueue[tuple[int, str] | None], answers: Connection) -> None:
    """A worker: answer the questions it takes from ``tasks`` until it takes None. Ctrl-C is the
    parent's to handle: it stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(forked=True)
    while (task := tasks.get()) is not None:
        number, question = task
        try:
            answers.send((number, True, render(engine, question)))
        except Exception as exc:  # the parent raises it, as answering in one process would
            try:
                answers.send((number, False, exc))
            except Exception:  # an exception that cannot be pickled: its message, then
                answers.send((number, False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _stop(tasks: SimpleQueue[tuple[int, str] | None], processes: list[BaseProcess]) -> None:
    for _ in processes:
        tasks.put(None)
    for process in processes:
        process.join(_STOP_S)
        if process.is_alive():
            process.kill()
            process.join()
