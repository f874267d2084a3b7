"""End to end: the real ``incident-bot run`` process against a fake Bot API on 127.0.0.1.

The process long-polls the fake server exactly as it would poll api.telegram.org; the test
queues updates the way Telegram would deliver them and checks every call the bot makes. The
fake answers 400 to anything Telegram would refuse, so "no errors" means no Bot API errors.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.fake_telegram import TOKEN, FakeTelegram, button, write_seeds

ROOT = Path(__file__).resolve().parent.parent
ADMIN, USER = 1, 2
GROUP = -100123


@pytest.fixture
def running_bot(tmp_path: Path) -> Iterable[tuple[FakeTelegram, subprocess.Popen]]:
    write_seeds(tmp_path / "seeds")
    with FakeTelegram() as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ALLOWED_", "ADMIN_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
            ADMIN_IDS=str(ADMIN),
            SEEDS_DIR=str(tmp_path / "seeds"),
            INDEX_DIR=str(tmp_path / "index"),
            PYTHONPATH=str(ROOT),
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,  # away from any developer .env
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            yield api, process
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)


def to(chat_id: int, needle: str = "") -> object:
    return lambda c: c.method == "sendMessage" and int(c["chat_id"]) == chat_id and needle in c["text"]


@pytest.mark.slow
def test_a_conversation_with_the_real_process(running_bot: tuple[FakeTelegram, subprocess.Popen]) -> None:
    api, process = running_bot
    started = time.monotonic()
    commands = api.wait_for(lambda c: c.method == "setMyCommands", timeout=30)
    assert {c["command"] for c in api.json_param(commands.params, "commands")} >= {"help", "tags", "sources", "latest"}

    # A question is answered with its link, in HTML, after "typing…".
    mark = api.mark()
    api.push(api.message(USER, "ransomware hospital"))
    answer = api.wait_for(to(USER, "https://www.zdnet.com/article/hospital-ransomware/?a=1&amp;b=2"), after=mark)
    api.wait_for(lambda c: c.method == "sendChatAction", after=mark, timeout=1)
    assert "<b>Ransomware gang hits a German hospital &amp; its &lt;admin&gt; portal</b>" in answer["text"]

    # ▶ edits that message in place.
    forward = button(answer.result, "▶")["callback_data"]
    mark = api.mark()
    api.push(api.callback(USER, answer.result, forward))
    edit = api.wait_for(lambda c: c.method == "editMessageText", after=mark)
    assert int(edit["message_id"]) == answer.result["message_id"]
    assert edit.result["reply_markup"]["inline_keyboard"][0][1]["text"].startswith("2/")
    api.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)

    # Browsing.
    mark = api.mark()
    api.push(api.message(USER, "/tags"))
    api.push(api.message(USER, "/sources"))
    api.wait_for(to(USER, "ransomware</a> — 2"), after=mark)
    api.wait_for(to(USER, "<b>ZDNet</b> — 2 notes"), after=mark)

    # /reindex: refused to a user, done for an admin.
    mark = api.mark()
    api.push(api.message(USER, "/reindex"))
    api.wait_for(to(USER, "for the bot's admins"), after=mark)
    api.push(api.message(ADMIN, "/reindex"))
    done = api.wait_for(to(ADMIN, "Rebuilt"), after=mark, timeout=30)
    assert "4 notes, 10 passages, 0 skipped files" in done["text"]

    # Groups: chatter ignored, a mention answered (the mention is not part of the question).
    mark = api.mark()
    api.push(api.group_message(USER, "ransomware hospital, anyone?", group_id=GROUP))
    api.push(api.group_message(USER, "@incident_test_bot LINE politicians", group_id=GROUP))
    reply = api.wait_for(to(GROUP, "LINE accounts"), after=mark)
    assert [c for c in api.sent(mark) if int(c["chat_id"]) == GROUP] == [reply]

    # Inline mode.
    mark = api.mark()
    api.push(api.inline_query(USER, "ProxyShell Exchange"))
    inline = api.wait_for(lambda c: c.method == "answerInlineQuery", after=mark)
    assert "ProxyShell" in inline["results"][0]["title"]
    assert inline["results"][0]["url"].startswith("https://www.bleepingcomputer.com/")

    # Odd input: each gets one reply and none makes a Bot API error.
    odd = [
        "\u200b\u200b\u200b",
        "<b>ransomware</b> & <script>alert('x')</script>",
        ("ransomware hospital bitcoin " * 200)[:4000],
        "🔥🦠 ransomware 🏥💻",
        "the of and to a in",
        "r\u200ban\u200bsom\u200bware",
    ]
    mark = api.mark()
    for text in odd:
        api.push(api.message(USER, text))
    deadline = time.monotonic() + 20
    while len([c for c in api.sent(mark) if int(c["chat_id"]) == USER]) < len(odd):
        assert time.monotonic() < deadline, [c["text"][:60] for c in api.sent(mark)]
        time.sleep(0.05)

    assert api.errors() == []
    replies = [c["text"] for c in api.sent()]
    assert not any("something went wrong" in text for text in replies)

    # SIGTERM stops it cleanly, and the token never reached its output.
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr[-2000:]
    assert TOKEN not in stdout + stderr and "Traceback" not in stderr
    assert time.monotonic() - started < 60
