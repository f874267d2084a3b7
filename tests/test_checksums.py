"""Damaged index files of the right size are refused, not served; a file truncated under the
running bot is said before it kills the bot, and the health check fails."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.chat.cli import main
from bot.search import store
from bot.search.library import Library
from bot.search.store import IndexCorrupt, current_build, verify_build
from seed_notes import LINE_LINK, add_solarwinds_note
from tests.fake_telegram import BotProcess, FakeTelegram, write_seeds

QUESTION = "who was affected in the Taiwan LINE hack?"


def _swap(a: Path, b: Path) -> None:
    tmp = a.with_name("swap.tmp")
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)


def _reverse_terms(build: Path) -> None:
    terms = build / "terms.txt"
    terms.write_text("\n".join(reversed(terms.read_text("utf-8").split("\n"))), "utf-8")


@pytest.fixture
def built(seeds, tmp_path) -> Library:
    library = Library(seeds, tmp_path / "index")
    library.rebuild()
    return library


def test_two_arrays_of_one_size_swapped_fail_the_checksum_naming_a_file(built):
    build = current_build(built.index_dir)
    _swap(build / "passage_note.npy", build / "passage_position.npy")
    with pytest.raises(IndexCorrupt, match=r"passage_(note|position)\.npy does not match its checksum"):
        verify_build(build)


def test_a_reversed_terms_file_fails_the_checksum(built):
    build = current_build(built.index_dir)
    _reverse_terms(build)
    with pytest.raises(IndexCorrupt, match=r"terms\.txt does not match its checksum"):
        verify_build(build)


def test_opening_an_index_with_swapped_arrays_rebuilds_it_and_answers_right(built, seeds, caplog):
    build = current_build(built.index_dir)
    _swap(build / "passage_note.npy", build / "passage_position.npy")
    with caplog.at_level(logging.WARNING, logger="bot.search.library"):
        engine = Library(seeds, built.index_dir).open()
    assert "does not match its checksum" in caplog.text
    assert engine.ask(QUESTION).hits[0].note.link == LINE_LINK


@pytest.mark.parametrize("damage", ["reversed terms", "swapped arrays"])
@pytest.mark.usefixtures("only_flags")
def test_a_one_shot_ask_on_a_damaged_index_rebuilds_it_and_answers_right(built, seeds, capsys, damage):
    build = current_build(built.index_dir)
    if damage == "reversed terms":
        _reverse_terms(build)
    else:
        _swap(build / "passage_note.npy", build / "passage_position.npy")
    capsys.readouterr()
    assert main(["--seeds", str(seeds), "--index", str(built.index_dir), "ask", "--json", QUESTION]) == 0
    assert LINE_LINK in capsys.readouterr().out.split("\n")[0]
    verify_build(current_build(built.index_dir))  # the index now in service is sound


def test_a_one_shot_open_of_an_untouched_index_hashes_no_file(built, seeds, monkeypatch):
    def hashing(path):
        raise AssertionError(f"{path} was hashed although no file was touched since the build")

    monkeypatch.setattr(store, "_sha256", hashing)
    assert Library(seeds, built.index_dir).open(quick=True).ask(QUESTION).hits[0].note.link == LINE_LINK


def test_a_damaged_build_another_process_put_in_service_is_refused_and_the_old_one_keeps_serving(built, seeds, caplog):
    bot = Library(seeds, built.index_dir)
    bot.open()
    old = bot.engine
    add_solarwinds_note(seeds)
    Library(seeds, built.index_dir).rebuild()  # the CLI, from cron
    _reverse_terms(current_build(built.index_dir))
    with caplog.at_level(logging.ERROR, logger="bot.search.library"):
        assert not bot.reload_if_changed()
        assert bot.engine is old
    assert "does not match its checksum" in caplog.text
    assert old.ask(QUESTION).hits[0].note.link == LINE_LINK


def test_a_file_truncated_under_a_serving_library_is_reported_as_damage_once(built, caplog):
    assert built.damage() is None
    blob = current_build(built.index_dir) / "passages.bin"
    with open(blob, "r+b") as fh:
        fh.truncate(10)
    with caplog.at_level(logging.ERROR, logger="bot.search.library"):
        first, second = built.damage(), built.damage()
    assert first == second and "passages.bin" in first and "truncated to 10 bytes" in first
    assert caplog.text.count("truncated to 10 bytes") == 1


@pytest.mark.slow
def test_passages_truncated_under_the_running_bot_are_logged_before_it_dies_and_health_fails(tmp_path):
    write_seeds(tmp_path / "seeds")
    with FakeTelegram() as api, BotProcess(api, tmp_path) as bot:
        api.wait_for(lambda c: c.method == "setMyCommands" and c.status == 200, timeout=60)
        bot.wait_log("Serving @")
        blob = (tmp_path / "index" / "current").resolve() / "passages.bin"
        with open(blob, "r+b") as fh:
            fh.truncate(0)

        def health() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "bot", "health"],
                cwd=tmp_path,
                env=bot.env,
                capture_output=True,
                text=True,
                timeout=60,
            )

        deadline = time.monotonic() + 30
        while (checked := health()).returncode == 0 and time.monotonic() < deadline:
            time.sleep(0.5)  # until the next heartbeat
        assert checked.returncode == 1 and "truncated" in checked.stderr, checked
        assert "truncated to 0 bytes" in bot.log()

        api.push(api.message(5, "Conti playbook"))  # reading the passage now kills the bot
        bot.process.wait(timeout=30)
        log = bot.log()
        assert "Bus error" in log, log[-2000:]
        assert health().returncode == 1
    shutil.rmtree(tmp_path / "index")


def test_index_info_says_a_damaged_index_is_stale_and_what_is_wrong(built, seeds, capsys):
    _reverse_terms(current_build(built.index_dir))
    capsys.readouterr()
    assert main(["--seeds", str(seeds), "--index", str(built.index_dir), "index", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["stale"] is True and "terms.txt does not match its checksum" in info["damaged"]


def test_index_build_if_stale_rebuilds_a_damaged_index(built, seeds, capsys):
    _reverse_terms(current_build(built.index_dir))
    assert main(["--seeds", str(seeds), "--index", str(built.index_dir), "index", "build", "--if-stale"]) == 0
    assert "built" in capsys.readouterr().out
    verify_build(current_build(built.index_dir))
