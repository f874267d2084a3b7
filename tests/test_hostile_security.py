"""Security, in-process over a real Application and the fake Bot API.

Admin commands are refused to everyone not in ADMIN_IDS, in private chats and groups, through
edited messages and forwarded commands; note text with HTML or ``<script>`` reaches the user
escaped; no path typed in a chat makes the bot open a file outside SEEDS_DIR/INDEX_DIR (checked
with a Python audit hook on every ``open``).
"""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from telegram import Update

from bot.chat.telegram.app import build_application
from bot.search.library import Library
from bot.settings import Settings
from tests.fake_telegram import TOKEN, FakeTelegram, write_seeds

ADMIN, USER = 1, 2
GROUP = -100777
SCRIPT_NOTE = """# Attackers plant `<script>` tags in a <b>portal</b> & more

## Information:
+ Source: Example <News>
+ Link: [article](https://example.org/a?x=1&y=<2>)
+ Date: October 1, 2021
+ Author: <i>Mallory</i>

## Article:
The skimmer injected <script src="https://evil.example/x.js"></script> into the checkout page of the shop.


Defenders removed the <iframe> and the &nbsp; entities; the magecart skimmer was gone.

#### Tags:
[[magecart]] [[<img src=x onerror=alert(1)>]]
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("security")
    write_seeds(root / "seeds")
    (root / "seeds" / "evil").mkdir()
    (root / "seeds" / "evil" / "script.md").write_text(SCRIPT_NOTE, encoding="utf-8")
    library = Library(root / "seeds", root / "index")
    library.open()
    return library


def play(api: FakeTelegram, library: Library, *updates: dict, settle: float = 0.3) -> list:
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=api.base_url,
        admin_ids=frozenset({ADMIN}),
        seeds_dir=library.seeds_dir,
        index_dir=library.index_dir,
    )
    mark = api.mark()

    async def main() -> None:
        application = build_application(settings, library)
        async with application:
            await application.start()
            for number, update in enumerate(updates, start=1):
                await application.process_update(Update.de_json({"update_id": number, **update}, application.bot))
            await asyncio.sleep(settle)
            await application.stop()

    asyncio.run(main())
    calls = [c for c in api.calls[mark:] if c.method != "getMe"]
    assert [c for c in calls if c.status != 200] == []
    return calls


def sent(calls: list) -> list[str]:
    return [c["text"] for c in calls if c.method == "sendMessage"]


def test_admin_commands_are_refused_to_non_admins_everywhere(api: FakeTelegram, library: Library) -> None:
    built_at = library.engine.info.built_at
    updates = [
        api.message(USER, "/reindex"),
        api.message(USER, "/stats"),
        api.group_message(USER, "/reindex", group_id=GROUP),
        api.group_message(USER, "/reindex@incident_test_bot", group_id=GROUP),
        api.group_message(USER, "/stats@incident_test_bot", group_id=GROUP),
        api.edited(api.message(USER, "/reindex")),
        api.edited(api.message(ADMIN, "/reindex")),  # an edit never runs a command, not even an admin's
        api.forwarded(api.message(USER, "/reindex"), ADMIN),  # the admin wrote it; USER forwards it
        api.forwarded(api.message(ADMIN, "/stats"), USER),  # even the admin forwarding is not issuing
    ]
    texts = sent(play(api, library, *updates))
    assert library.engine.info.built_at == built_at  # no rebuild happened
    assert not any(t.startswith(("Rebuilding", "Rebuilt")) or "Index in service" in t for t in texts)
    assert sum("for the bot's admins" in t for t in texts) == 5
    assert sum("Forwarded commands are not run" in t for t in texts) == 2
    assert len(texts) == 7  # the edits got nothing at all


def test_admin_still_can(api: FakeTelegram, library: Library) -> None:
    texts = sent(
        play(
            api,
            library,
            api.message(ADMIN, "/stats"),
            api.group_message(ADMIN, "/stats@incident_test_bot", group_id=GROUP),
        )
    )
    assert len(texts) == 2 and all("Index in service" in t for t in texts)


def test_note_html_and_script_are_shown_literally(api: FakeTelegram, library: Library) -> None:
    calls = play(
        api,
        library,
        api.message(USER, "magecart skimmer checkout"),
        api.message(USER, "/tag magecart"),
        api.inline_query(USER, "skimmer checkout"),
    )
    answer, listing = sent(calls)
    for text in (answer, listing):
        assert "<script" not in text and "<iframe" not in text and "<img" not in text
    # Raw HTML tags in a note's markdown are dropped by the notes cleaner; what survives as text
    # (a code span in the title, <News>, <i>Mallory</i>) is escaped and shows literally.
    assert "Attackers plant &lt;script&gt; tags" in answer
    assert "&lt;i&gt;Mallory&lt;/i&gt;" in answer and "Example &lt;News&gt;" in answer
    assert "&lt;script" in listing
    [inline] = [c for c in calls if c.method == "answerInlineQuery"]
    message_text = inline["results"][0]["input_message_content"]["message_text"]
    assert "<script" not in message_text and "&lt;script" in message_text


PATHY = [
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    "../",
    "../../../../../../etc/shadow",
    "~/.ssh/id_rsa",
    "%2e%2e%2fetc%2fpasswd",
    "file:///etc/passwd",
    "index/../../x",
    "\x00/etc/passwd",
    "C:\\Windows\\win.ini",
]


def test_no_path_from_a_chat_message_reaches_the_file_system(api: FakeTelegram, library: Library) -> None:
    opened: list[str] = []
    watching = [False]

    def hook(event: str, args: tuple) -> None:
        if watching[0] and event in {"open", "os.listdir", "os.scandir", "os.remove", "os.rename", "shutil.rmtree"}:
            path = args[0] if args else None
            if isinstance(path, (str, bytes, os.PathLike)):
                opened.append(os.fsdecode(path))

    sys.addaudithook(hook)  # cannot be removed; it only records while ``watching``
    updates = []
    for path in PATHY:
        for command in ("/source", "/tag", "/help", "/sources", "/latest"):
            updates.append(api.message(USER, f"{command} {path}"))
        updates.append(api.message(USER, f"source:{path} ransomware"))
        updates.append(api.message(USER, path))
        updates.append(api.inline_query(USER, path))
    watching[0] = True
    try:
        (library.index_dir / "current" / "manifest.json").read_bytes()  # proves the hook records
        play(api, library, *updates)
    finally:
        watching[0] = False
    allowed = [
        str(library.seeds_dir.resolve()),
        str(library.index_dir.resolve()),
        sys.prefix,
        sys.base_prefix,
        "/proc/",
        "/dev/",
        "/sys/",
    ]
    outside = [
        p
        for p in opened
        if not any(os.path.realpath(p).startswith(a) for a in allowed) and not p.startswith(tuple(sys.path[1:]))
    ]
    assert any(p.endswith("manifest.json") for p in opened)
    assert not any("passwd" in p or "shadow" in p or "id_rsa" in p or "win.ini" in p for p in opened), opened
    assert outside == [], outside
