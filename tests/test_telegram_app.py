"""Start-up, settings and secrets: what happens before the first update arrives."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from pathlib import Path

import pytest
from telegram import Message

from bot.chat.telegram import redact
from bot.chat.telegram.access import Access, addressed_text
from bot.chat.telegram.app import run_bot
from bot.settings import Settings
from tests.fake_telegram import BOT, TOKEN, FakeTelegram, write_seeds

SECRET = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterable[None]:
    """run_bot configures logging for its process; put the test process back as it was."""
    loggers = [logging.getLogger(name) for name in ("", *redact.URL_LOGGERS, *redact.CHATTY_LOGGERS)]
    levels = [logger.level for logger in loggers]
    root = loggers[0]
    handlers = list(root.handlers)
    yield
    for handler in root.handlers:
        for f in [f for f in handler.filters if isinstance(f, redact.RedactingFilter)]:
            handler.removeFilter(f)
    root.handlers[:] = handlers
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def test_id_lists_and_file_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1, 22,333")
    monkeypatch.setenv("ALLOWED_CHAT_IDS", "-100123")
    monkeypatch.setenv("ALLOWED_USER_IDS", "")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    settings = Settings(_env_file=None)
    assert settings.admin_ids == frozenset({1, 22, 333})
    assert settings.allowed_chat_ids == frozenset({-100123})
    assert settings.allowed_user_ids == frozenset()
    assert settings.telegram_file_base_url == "http://127.0.0.1:8081/file/bot"
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    assert Settings(_env_file=None, telegram_bot_token="  ").telegram_bot_token is None


def test_default_api_url_is_telegrams() -> None:
    settings = Settings(_env_file=None)
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_file_base_url == "https://api.telegram.org/file/bot"


def test_access_rules_use_numeric_ids() -> None:
    open_to_all = Access(admins=frozenset({1}))
    assert open_to_all.is_allowed(42, 42) and open_to_all.is_admin(1) and not open_to_all.is_admin(42)
    assert not open_to_all.is_admin(None)
    team = Access(admins=frozenset({1}), users=frozenset({2}), chats=frozenset({-100}))
    assert team.is_allowed(2, 2) and team.is_allowed(7, -100) and team.is_allowed(1, 1)
    assert not team.is_allowed(7, 7) and not team.is_allowed(None, None)


@pytest.fixture
def captured() -> Iterable[io.StringIO]:
    """A root handler with the redacting filter, as ``redact.install`` sets it up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(redact.RedactingFilter(SECRET))
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


def test_log_records_carrying_the_token_come_out_redacted(captured: io.StringIO) -> None:
    logging.getLogger("httpx").warning('HTTP Request: POST https://api.telegram.org/bot%s/getMe "200"', SECRET)
    logging.getLogger("telegram.ext").error("token %s in the message", SECRET)
    logging.getLogger("other").info("a URL /bot987:other_Token-x/getUpdates from another bot")
    try:
        raise RuntimeError(f"The token `{SECRET}` was rejected by the server.")
    except RuntimeError:
        logging.getLogger("telegram").exception("failed")
    out = captured.getvalue()
    assert SECRET not in out and "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in out
    assert "other_Token-x" not in out
    assert "bot<redacted>/getMe" in out and "The token `<redacted>` was rejected" in out
    assert "Traceback" in out  # the traceback itself is kept, only the secret goes


def test_redact_masks_token_shaped_text_without_knowing_it() -> None:
    assert redact.redact(f"https://api.telegram.org/bot{SECRET}/sendMessage") == (
        "https://api.telegram.org/bot<redacted>/sendMessage"
    )
    assert redact.redact("up 12:30, ok") == "up 12:30, ok"


def test_missing_token_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_bot(Settings(_env_file=None)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in err and "@BotFather" in err


def test_rejected_token_exits_1_with_one_line_and_no_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_seeds(tmp_path / "seeds")
    with FakeTelegram(token=TOKEN) as api:
        settings = Settings(
            _env_file=None,
            telegram_bot_token="777:wrong_token_value_abcdefghijkl",
            telegram_api_base_url=api.base_url,
            seeds_dir=tmp_path / "seeds",
            index_dir=tmp_path / "index",
        )
        assert run_bot(settings) == 1
        assert [c.status for c in api.calls] == [401]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rejected" in err
    assert "wrong_token_value" not in err and "Traceback" not in err
    assert not (tmp_path / "index").exists()  # failed before spending time on the index


def test_unreachable_api_exits_1_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        _env_file=None,
        telegram_bot_token=SECRET,
        telegram_api_base_url="http://127.0.0.1:9/bot",
        seeds_dir=tmp_path / "seeds",
        index_dir=tmp_path / "index",
    )
    assert run_bot(settings) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach" in err and SECRET not in err


def test_mentions_are_cut_out_by_utf16_offsets() -> None:
    with FakeTelegram() as api:
        group = Message.de_json(api.group_message(2, "🔥 @incident_test_bot ransomware 🏥")["message"], None)
        chatter = Message.de_json(api.group_message(2, "ransomware @someone_else")["message"], None)
        private = Message.de_json(api.message(2, "@incident_test_bot hi")["message"], None)
    assert addressed_text(group, BOT["username"], BOT["id"]) == "🔥   ransomware 🏥"
    assert addressed_text(chatter, BOT["username"], BOT["id"]) is None
    assert addressed_text(private, BOT["username"], BOT["id"]) == "@incident_test_bot hi"
