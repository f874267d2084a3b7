"""``ask -``'s batches: answered in worker processes, printed in the order asked, never stalled."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import pytest

from bot.chat.batch import answer_all


def test_answers_come_out_in_the_order_the_questions_went_in():
    # The earlier a question, the longer its answer takes: the later ones finish first.
    questions = [str(n) for n in range(12)]
    out: list[str] = []
    answer_all(None, questions, lambda _, q: (time.sleep((12 - int(q)) * 0.01), f"answer {q}")[1], out.append, 2)
    assert out == [f"answer {q}" for q in questions]


def test_the_questions_after_the_first_are_answered_in_worker_processes():
    out: list[str] = []
    answer_all(None, [str(n) for n in range(8)], lambda _, q: str(os.getpid()), out.append, 2)
    assert out[0] == str(os.getpid()) and len(out) == 8 and str(os.getpid()) not in out[1:]


def test_an_answer_is_printed_before_the_next_question_is_read():
    # A program that writes a question and waits for its answer before writing the next one.
    printed = {"first": threading.Event(), "second": threading.Event(), "third": threading.Event()}
    waited: list[bool] = []

    def questions():
        for question in printed:
            yield question
            waited.append(printed[question].wait(timeout=30))

    answer_all(None, questions(), lambda _, q: q, lambda text: printed[text].set(), 2)
    assert waited == [True, True, True]


def test_a_failing_answer_stops_the_batch_and_is_raised_after_the_answers_before_it():
    def render(_, q: str) -> str:
        if q == "3":
            raise ValueError("question 3 broke")
        return q

    out: list[str] = []
    with pytest.raises(ValueError, match="question 3 broke"):
        answer_all(None, [str(n) for n in range(40)], render, out.append, 2)
    assert out == ["0", "1", "2"]


def test_one_worker_answers_in_this_process():
    out: list[str] = []
    answer_all(None, ["a", "b"], lambda _, q: f"{q} {os.getpid()}", out.append, 1)
    assert out == [f"a {os.getpid()}", f"b {os.getpid()}"]


def test_a_worker_that_dies_fails_the_batch_with_a_clear_error():
    def render(_, q: str) -> str:
        if q == "3":
            os._exit(1)
        return q

    out: list[str] = []
    with pytest.raises(RuntimeError, match="exited before answering"):
        answer_all(None, [str(n) for n in range(20)], render, out.append, 2)
    assert out == ["0", "1", "2"][: len(out)]  # what was printed came in order, and none after the lost one


def test_input_that_breaks_off_stops_the_workers_and_raises_what_broke_it():
    def questions():
        yield from ("0", "1", "2")
        raise OSError("the input went away")

    out: list[str] = []
    with pytest.raises(OSError, match="the input went away"):
        answer_all(None, questions(), lambda _, q: q, out.append, 2)
    assert multiprocessing.active_children() == []
    assert "batch-printer" not in {thread.name for thread in threading.enumerate()}
