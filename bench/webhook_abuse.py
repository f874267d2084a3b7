"""Webhook abuse (issue 12 item 7), through the real ``python -m bot run`` process in webhook mode.

Two attacks from the issue, with figures:

1. ``--big N`` POSTs of 90 MB at once with a wrong secret (half with Content-Length, half
   chunked): how much of each body the server took, and the bot's RSS before and after.
2. ``--flood N`` half-sent requests (headers never finished) against a bot limited to
   ``--fds`` file descriptors: how long ``/healthz`` and one real update take meanwhile, how many
   "Too many open files" lines and how many bytes of log the flood caused.

    .venv/bin/python bench/webhook_abuse.py                  # 8 x 90 MB, 300 half-sent vs 256 fds
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import os
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.test_webhook_hardening import PATH, healthz, post_update, running, send_big_body  # noqa: E402


def big_bodies(count: int) -> None:
    with FakeTelegram() as api, tempfile.TemporaryDirectory() as work, running(api, Path(work)) as (bot, port):
        before = bot.rss_kb()
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            results = list(pool.map(lambda i: send_big_body(port, chunked=i % 2 == 1), range(count)))
        took = time.perf_counter() - started
        after = bot.rss_kb()
        healthy = healthz(port)
    taken = sorted(sent / 1024 / 1024 for sent, _ in results)
    statuses = sorted({status for _, status in results})
    print(
        f"{count} x 90 MB POSTs, wrong secret: {took:.1f} s; MB sent before the server closed: "
        f"max {taken[-1]:.0f}, median {taken[len(taken) // 2]:.0f}; answers {statuses}"
    )
    print(f"  bot RSS {before / 1024:.0f} MB -> {after / 1024:.0f} MB; /healthz afterwards {healthy}")


def flood(count: int, fds: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1000), hard))
    sockets: list[socket.socket] = []
    with (
        FakeTelegram() as api,
        tempfile.TemporaryDirectory() as work,
        running(api, Path(work), open_files=fds) as (bot, port),
    ):
        log_before = len(bot.log())
        try:
            for _ in range(count):
                sock = socket.socket()
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.1", port))
                sockets.append(sock)
            time.sleep(0.5)
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.send(f"POST {PATH} HTTP/1.1\r\nHost: x\r\n".encode())
            time.sleep(1)
            started = time.perf_counter()
            healthz(port, timeout=30)
            health_s = time.perf_counter() - started
            mark = api.mark()
            started = time.perf_counter()
            post_update(api, port, "ransomware hospital", 1)
            api.wait_for(lambda c: c.method == "sendMessage", after=mark, timeout=30)
            update_s = time.perf_counter() - started
            time.sleep(2)
        finally:
            for sock in sockets:
                sock.close()
        log = bot.log()
    flood_log = log[log_before:]
    print(
        f"{count} half-sent requests, bot limited to {fds} file descriptors: /healthz {health_s * 1000:.0f} ms, "
        f"one update answered in {update_s * 1000:.0f} ms"
    )
    print(
        f"  log during the flood: {len(flood_log)} characters, {flood_log.count('Too many open files')} "
        f"'Too many open files', {flood_log.count('Traceback')} tracebacks"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=8)
    parser.add_argument("--flood", type=int, default=300)
    parser.add_argument("--fds", type=int, default=256)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    big_bodies(args.big)
    flood(args.flood, args.fds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
