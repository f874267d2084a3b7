"""What the log holds at LOG_LEVEL=DEBUG, through the real ``python -m bot run`` process: the
bot's own debugging, never the users' questions or ids unless LOG_QUESTIONS allows, and never
the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fake_telegram import TOKEN, BotProcess, FakeTelegram, update_lines, write_seeds

USER = 4242001  # an id that appears nowhere else
QUESTION = "which ransomware gang hit the hospital in Düsseldorf"


def debug_run(tmp_path: Path, **env: str) -> str:
    write_seeds(tmp_path / "seeds")
    with FakeTelegram() as api, BotProcess(api, tmp_path, LOG_LEVEL="DEBUG", **env) as bot:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        mark = api.mark()
        api.push(api.message(USER, QUESTION))
        api.wait_for(lambda c: c.method == "sendMessage", after=mark, timeout=30)
        code, _ = bot.stop()
        assert code == 0
        return bot.log()


@pytest.mark.slow
def test_debug_logging_keeps_questions_user_ids_and_the_token_out(tmp_path: Path) -> None:
    log = debug_run(tmp_path)
    assert any("DEBUG" in line.split(":")[0] for line in log.splitlines())  # DEBUG is in effect
    assert "gang hit the hospital" not in log and "Düsseldorf" not in log
    assert str(USER) not in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "Traceback" not in log
    assert update_lines(log)[-1]["hits"] >= 1  # the update line is still written, without the text


@pytest.mark.slow
def test_with_log_questions_debug_shows_what_users_sent_but_never_the_token(tmp_path: Path) -> None:
    log = debug_run(tmp_path, LOG_QUESTIONS="true")
    assert "gang hit the hospital" in log
    assert TOKEN not in log and "bot123:" not in log
