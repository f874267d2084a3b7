"""Webhook mode and health, through the real ``python -m bot run`` process on 127.0.0.1.

The fake Bot API takes the ``setWebhook`` call; the test then plays Telegram and POSTs updates to
the bot's own webhook port, with and without the secret header.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fake_telegram import TOKEN, BotProcess, FakeTelegram, free_port, update_lines, write_seeds

SECRET = "s3cret_Token-42"
USER = 7


def post(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_webhook_mode_serves_updates_with_the_secret_only_and_answers_healthz(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds")
    port = free_port()
    with (
        FakeTelegram() as api,
        BotProcess(
            api,
            tmp_path,
            WEBHOOK_URL="https://bot.example.org/telegram/hook-1",
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
            WEBHOOK_SECRET=SECRET,
        ) as bot,
    ):
        registered = api.wait_for(lambda c: c.method == "setWebhook", timeout=30)
        assert registered["url"] == "https://bot.example.org/telegram/hook-1"
        assert registered["secret_token"] == SECRET
        bot.wait_log("Webhook server listening")
        base = f"http://127.0.0.1:{port}"

        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            assert response.status == 200
            health = json.loads(response.read())
        assert (health["notes"], health["passages"], health["mode"]) == (4, 10, "webhook")
        assert health["built_at"][:2] == "20"
        checked = bot.cli("health")
        assert checked.returncode == 0 and "healthy: webhook, 4 notes" in checked.stdout

        hook = f"{base}/telegram/hook-1"
        mark = api.mark()
        assert post(hook, {"update_id": 1, **api.message(USER, "/reindex")}, None) == 403
        assert post(hook, {"update_id": 2, **api.message(USER, "/reindex")}, "wrong") == 403
        assert post(f"{base}/elsewhere", {"update_id": 3, **api.message(USER, "hi")}, SECRET) == 404
        assert post(hook, {"update_id": 4, **api.message(USER, "ransomware hospital")}, SECRET) == 200
        reply = api.wait_for(lambda c: c.method == "sendMessage", after=mark)
        assert int(reply["chat_id"]) == USER and "hospital" in reply["text"].lower()
        time.sleep(0.5)
        assert len(api.sent(mark)) == 1  # the refused posts did nothing

        code, took = bot.stop()
        assert code == 0 and took < 10
        log = bot.log()
    assert TOKEN not in log and "Traceback" not in log
    records = update_lines(log)
    assert len(records) == 1
    assert records[0]["type"] == "message" and records[0]["chat"] == "private" and records[0]["hits"] >= 1
    assert "question" not in records[0] and "ransomware" not in log  # no question text by default


def test_webhook_without_a_secret_is_refused_at_start(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds")
    env = {"WEBHOOK_URL": "https://bot.example.org/hook", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}
    with BotProcess(None, tmp_path, **env) as bot:
        assert bot.process.wait(timeout=30) == 2
        assert "WEBHOOK_SECRET" in bot.log() and "Traceback" not in bot.log()


@pytest.mark.slow
def test_polling_heartbeat_makes_health_pass_and_goes_stale_when_stopped(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds")
    with FakeTelegram() as api, BotProcess(api, tmp_path, LOG_QUESTIONS="true") as bot:
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=30)
        deadline = time.monotonic() + 20
        while (checked := bot.cli("health")).returncode != 0:
            assert time.monotonic() < deadline, checked.stderr
            time.sleep(0.2)
        assert "healthy: polling, 4 notes, 10 passages" in checked.stdout
        heartbeat = json.loads((tmp_path / "index" / ".heartbeat").read_text())
        assert heartbeat["pid"] == bot.pid and heartbeat["mode"] == "polling"

        mark = api.mark()
        api.push(api.message(USER, "who hacked LINE accounts?"))
        api.wait_for(lambda c: c.method == "sendMessage", after=mark)
        code, _ = bot.stop()
        assert code == 0
        log = bot.log()
    after = bot.cli("health")
    assert after.returncode == 1 and after.stderr.count("\n") == 1 and "unhealthy" in after.stderr
    records = update_lines(log)
    assert records[-1]["question"] == "who hacked LINE accounts?"  # LOG_QUESTIONS=true
    assert set(records[-1]) >= {"type", "chat", "command", "hits", "ms"}
    assert TOKEN not in log


def test_health_is_unhealthy_when_the_heartbeat_is_stale_or_its_process_gone(tmp_path: Path) -> None:
    from bot.chat.health import check_heartbeat, write_heartbeat

    path = tmp_path / ".heartbeat"
    assert check_heartbeat(path, 60)[0] is False
    write_heartbeat(path, {"at": time.time() - 600, "pid": None})
    healthy, line = check_heartbeat(path, 60)
    assert not healthy and "600 s old" in line
    write_heartbeat(path, {"at": time.time(), "pid": 2**22 + 12345})
    healthy, line = check_heartbeat(path, 60)
    assert not healthy and "not running" in line
    path.write_text("{half")
    assert check_heartbeat(path, 60)[0] is False
