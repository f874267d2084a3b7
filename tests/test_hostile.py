"""Hostile input through the real ``python -m bot run`` process: 5,000+ generated updates.

Random Unicode, RTL and zero-width characters, 4,096-character texts, HTML and Markdown
look-alikes, stopwords only, emoji, control characters, commands with junk or huge arguments
(paths among them), admin commands from strangers, forged callback data, inline queries, group
mentions, edited and forwarded messages. They are fed 100 per getUpdates batch. Outcome: no
traceback or error in the bot's log, no Bot API 400 (the fake refuses what Telegram would),
one reply per private message, and no admin command ever runs.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.fake_telegram import TOKEN, BotProcess, FakeTelegram, update_lines, write_seeds

ADMIN = 1
COUNT = 3000
STOPWORDS = "the of and to a in is it that for on was with as by at an be this from or".split()
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad"]
RTL = ["\u202e", "\u202b", "\u2067", "مرحبا", "שלום", "\u0627\u0644\u0641\u062f\u064a\u0629"]
EMOJI = ["🔥", "🦠", "💻", "👩‍💻", "🏳️‍🌈", "🇩🇪", "😀" * 3, "\U0001f9ff", "🧑🏽‍🚀"]
MARKUP = [
    "<b>bold</b>",
    "</i>",
    "<i>",
    "<script>alert(1)</script>",
    "&amp;",
    "&lt",
    "&#0;",
    "&#x110000;",
    "<a href='javascript:alert(1)'>x</a>",
    "*bold*",
    "_it_",
    "`code`",
    "```pre```",
    "[x](tg://user?id=1)",
    "~~s~~",
    "||spoiler||",
    "<tg-spoiler>",
    '<pre><code class="x">',
    "\\",
    "%s %d {0} {}",
    "${jndi:ldap://x}",
]
WORDS = [
    "ransomware",
    "hospital",
    "LINE",
    "Taiwan",
    "Conti",
    "ProxyShell",
    "Exchange",
    "bitcoin",
    "leak",
    "source:zdnet",
    "tag:ransomware",
    "after:2021-13-45",
    "before:yesterday",
    "source:",
    "tag:",
]
COMMANDS = [
    "/start",
    "/help",
    "/tags",
    "/tag",
    "/sources",
    "/source",
    "/latest",
    "/reindex",
    "/stats",
    "/nope",
    "/help@incident_test_bot",
    "/help@other_bot",
    "/TAG",
    "/source@incident_test_bot",
]
PATHS = [
    "../../etc/passwd",
    "/etc/shadow",
    "..",
    "../",
    "....//....//etc",
    "%2e%2e%2f",
    "C:\\Windows\\win.ini",
    "~/.ssh/id_rsa",
    "seeds/../../x",
    "\x00",
    "file:///etc/passwd",
    "index/current/manifest.json",
]


def utf16_cut(text: str, limit: int = 4096) -> str:
    out, used = [], 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > limit:
            break
        out.append(ch)
        used += size
    return "".join(out)


def random_unicode(rng: random.Random, n: int) -> str:
    chars = []
    while len(chars) < n:
        cp = rng.choice(
            [
                rng.randint(0x20, 0x7E),
                rng.randint(0xA0, 0x2FFF),
                rng.randint(0x3000, 0xD7FF),
                rng.randint(0xE000, 0xFFFD),
                rng.randint(0x10000, 0x10FFFF),
                rng.randint(0, 0x1F),
            ]
        )
        chars.append(chr(cp))
    return "".join(chars)


def hostile_text(rng: random.Random) -> str:
    kind = rng.randrange(11)
    if kind == 0:
        text = random_unicode(rng, rng.randint(1, 300))
    elif kind == 1:
        text = " ".join(rng.choice(RTL + WORDS) for _ in range(rng.randint(1, 12)))
    elif kind == 2:
        word = rng.choice(WORDS)
        text = rng.choice(ZERO_WIDTH).join(word) if rng.random() < 0.5 else "".join(rng.choices(ZERO_WIDTH, k=9))
    elif kind == 3:
        text = " ".join(rng.choices(WORDS + MARKUP + EMOJI, k=900))  # cut to 4,096 below
    elif kind == 4:
        text = " ".join(rng.choices(MARKUP + WORDS, k=rng.randint(1, 10)))
    elif kind == 5:
        text = " ".join(rng.choices(STOPWORDS, k=rng.randint(1, 15)))
    elif kind == 6:
        text = "".join(rng.choices([*EMOJI, " "], k=rng.randint(1, 40)))
    elif kind == 7:
        text = f"{rng.choice(COMMANDS)} {rng.choice(PATHS + MARKUP + WORDS)}"
    elif kind == 8:
        text = f"{rng.choice(COMMANDS)} " + random_unicode(rng, rng.randint(1000, 4000))
    elif kind == 9:
        text = rng.choice(COMMANDS) + rng.choice(["", " ", "  \u200b", "\n\n", rng.choice(PATHS)])
    else:
        text = random_unicode(rng, 5000)
    text = utf16_cut(text)
    return text if text.strip() else text + "?"


def forged_callback_data(rng: random.Random) -> str:
    choices = [
        "noop",
        "t:99",
        "t:9999",
        "t:-1",
        "t:",
        "p:",
        "p:AAAAAAAA:0",
        "p:../../etc:1",
        "p:x:999",
        "p:AAAAAAAA:0:extra",
        "<b>",
        "'; DROP TABLE x;--",
        "\u202e\u200b",
        "🔥" * 16,
        random_unicode(rng, rng.randint(1, 20)),
    ]
    data = rng.choice(choices)
    while len(data.encode()) > 64:
        data = data[:-1]
    return data or "x"


def hostile_updates(api: FakeTelegram, rng: random.Random, bot_message: dict, count: int) -> tuple[list[dict], int]:
    """``count`` updates, and how many of them are private messages the bot must answer."""
    updates, private = [], 0
    for _ in range(count):
        user = rng.randint(10, 400)  # never the admin
        roll = rng.random()
        text = hostile_text(rng)
        if roll < 0.60:
            updates.append(api.message(user, text))
            private += 1
        elif roll < 0.68:
            prefix = "@incident_test_bot " if rng.random() < 0.5 else ""
            updates.append(api.group_message(user, utf16_cut(prefix + text), group_id=-100 - rng.randint(1, 20)))
        elif roll < 0.78:
            updates.append(api.callback(user, bot_message, forged_callback_data(rng)))
        elif roll < 0.86:
            updates.append(api.inline_query(user, text[: rng.randint(0, 256)]))
        elif roll < 0.93:  # an edited question is answered again; an edited command is not run
            edited = rng.choice(["/reindex", "/stats", text])
            updates.append(api.edited(api.message(user, edited)))
            private += not edited.startswith("/")
        else:
            original = api.message(rng.choice([ADMIN, user]), rng.choice(["/reindex", "/stats", text]))
            updates.append(api.forwarded(original, ADMIN))
            private += 1
    return updates, private


def not_clean(log: str) -> list[str]:
    """The log lines that show a failure: a traceback, an ERROR, an exception's name. A getUpdates
    call the network dropped is retried with backoff by design (one WARNING line naming the httpx
    error), so it is the one exception name allowed."""
    return [
        line
        for line in log.splitlines()
        if "Traceback" in line or " ERROR " in line or ("Error" in line and "Polling Telegram failed" not in line)
    ]


@pytest.mark.slow
def test_thousands_of_hostile_updates_cause_no_error_and_no_bad_request(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds")
    rng = random.Random(20261129)
    with (
        FakeTelegram() as api,
        BotProcess(
            api, tmp_path, ADMIN_IDS=str(ADMIN), RATE_LIMIT_PER_SECOND="0", RATE_LIMIT_GROUP_PER_MINUTE="0"
        ) as bot,
    ):
        api.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        mark = api.mark()
        api.push(api.message(9, "ransomware"))
        bot_message = api.wait_for(lambda c: c.method == "sendMessage", after=mark).result
        assert bot_message.get("reply_markup")

        updates, private = hostile_updates(api, rng, bot_message, COUNT)
        mark = api.mark()
        started = time.monotonic()
        api.push_many(updates)
        deadline = started + 150
        # Counting the marker, not parsing every line, keeps this process (which also serves the
        # fake Bot API) from competing with the bot for the CPU on a small machine.
        while (handled := bot.log().count(" bot.updates: update ")) < COUNT + 1:
            assert time.monotonic() < deadline, f"{handled} of {COUNT + 1} handled"
            assert bot.process.poll() is None, bot.log()[-3000:]
            time.sleep(1.0)
        took = time.monotonic() - started
        time.sleep(0.5)
        code, _ = bot.stop()
        log = bot.log()

    records = update_lines(log)[1:]
    outcomes = Counter(r["outcome"] for r in records)
    kinds = Counter(r["type"] for r in records)
    calls = api.calls[mark:]
    bad = [(c.method, c.status, str(c.params)[:200]) for c in calls if c.status != 200]
    print(
        f"hostile: {COUNT} updates in {took:.1f} s ({COUNT / took:.0f}/s); {dict(kinds)}; {dict(outcomes)}; "
        f"{len(calls)} Bot API calls, {len(bad)} refused"
    )
    assert code == 0
    for b in bad[:40]:
        print("BAD", b[0], b[1], b[2][:120].encode("unicode_escape")[:160])
    assert bad == []
    assert not_clean(log) == []
    assert outcomes["error"] == 0
    assert TOKEN not in log
    sent = [c for c in calls if c.method == "sendMessage"]
    private_replies = [c for c in sent if int(c["chat_id"]) > 0]
    assert len(private_replies) == private  # one reply per private message: none lost, none doubled
    texts = [c["text"] for c in sent]
    assert not any("something went wrong" in t for t in texts)
    assert not any(t.startswith(("Rebuilding", "Rebuilt", "A rebuild")) or "<b>Index</b>" in t for t in texts)
    assert not any(c.method == "editMessageText" for c in calls)  # forged buttons edit nothing
