"""Load: N simulated users ask at once, through the real ``python -m bot run`` process.

The bot long-polls the fake Bot API of the tests on 127.0.0.1 (so this measures the bot, not
the network). Every user asks ``--rounds`` questions, all users at the same moment each round;
a user's next question waits for the previous answer, like a person would. Reported: answered
per second, p50/p99/max reply latency (question queued at the fake API → sendMessage received),
and any question lost or answered twice.

    .venv/bin/python bench/load_users.py                      # 50 users, 5 rounds, tiny seeds
    .venv/bin/python bench/load_users.py --users 50 --seeds ../shared/corpus/notes
    .venv/bin/python bench/load_users.py --telegram-limits    # with Telegram's 30 msg/s limit on

By default the bot's outgoing rate limits are off (RATE_LIMIT_PER_SECOND=0), to measure the
bot's own capacity; ``--telegram-limits`` keeps the 30 messages/s Telegram allows a bot.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_telegram import BotProcess, FakeTelegram, write_seeds  # noqa: E402

QUESTIONS = [
    "ransomware hospital",
    "who hacked LINE accounts",
    "Conti playbook leak",
    "ProxyShell Exchange servers",
    "what happened in Taiwan",
    "bitcoin ransom Germany",
    "Cobalt Strike AnyDesk",
    "web shells LockFile",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seeds", type=Path, help="notes folder (default: the tests' four tiny notes)")
    parser.add_argument("--concurrent-updates", type=int, default=8)
    parser.add_argument("--telegram-limits", action="store_true", help="keep the 30 msg/s rate limit")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="load-users-"))
    try:
        if args.seeds:
            shutil.copytree(args.seeds, work / "seeds")
        else:
            write_seeds(work / "seeds")
        env = {"CONCURRENT_UPDATES": str(args.concurrent_updates)}
        if not args.telegram_limits:
            env.update(RATE_LIMIT_PER_SECOND="0", RATE_LIMIT_GROUP_PER_MINUTE="0")
        with FakeTelegram() as api, BotProcess(api, work, **env) as bot:
            api.wait_for(lambda c: c.method == "setMyCommands", timeout=600)
            users = [10_000 + i for i in range(args.users)]
            latencies: list[float] = []
            lost = 0
            started = time.monotonic()
            for round_number in range(args.rounds):
                mark = api.mark()
                ids = api.push_many(
                    [api.message(u, QUESTIONS[(i + round_number) % len(QUESTIONS)]) for i, u in enumerate(users)]
                )
                pushed = {u: api.pushed_at[i] for u, i in zip(users, ids, strict=True)}
                deadline = time.monotonic() + 120
                while len({int(c["chat_id"]) for c in api.sent(mark)}) < len(users) and time.monotonic() < deadline:
                    time.sleep(0.01)
                first: dict[int, float] = {}
                for call in api.sent(mark):
                    first.setdefault(int(call["chat_id"]), call.at)
                lost += len(users) - len(first)
                latencies += [first[u] - pushed[u] for u in users if u in first]
            elapsed = time.monotonic() - started
            time.sleep(0.5)
            per_chat = Counter(int(c["chat_id"]) for c in api.sent() if int(c["chat_id"]) in set(users))
            doubled = sum(1 for n in per_chat.values() if n > args.rounds)
            errors = len(api.errors())
            bot.stop()
        result = {
            "users": args.users,
            "rounds": args.rounds,
            "questions": args.users * args.rounds,
            "answered": len(latencies),
            "lost": lost,
            "answered_twice": doubled,
            "bot_api_errors": errors,
            "seconds": round(elapsed, 2),
            "answered_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p99_ms": round(1000 * percentile(latencies, 0.99), 1),
            "max_ms": round(1000 * max(latencies), 1),
            "concurrent_updates": args.concurrent_updates,
            "telegram_limits": args.telegram_limits,
            "seeds": str(args.seeds or "tests' 4 notes"),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>18}: {value}")
    return 0 if result["lost"] == 0 and result["answered_twice"] == 0 and result["bot_api_errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
