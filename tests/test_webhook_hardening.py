"""The webhook port against hostile clients, through the real ``python -m bot run`` process.

Huge bodies with a wrong secret are refused before they are read; a flood of half-sent requests
with few file descriptors leaves ``/healthz`` and real updates answered and the log short; a
half-sent request is dropped after the idle timeout; repeated log lines are written once.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import logging
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.chat.telegram import webhook
from tests.fake_telegram import BotProcess, FakeTelegram, free_port, write_seeds

SECRET = "s3cret_Token-42"
PATH = "/telegram/hook-1"
USER = 7
BIG = 90 * 1024 * 1024


@contextlib.contextmanager
def running(api: FakeTelegram, tmp_path: Path, **kwargs: object) -> Iterator[tuple[BotProcess, int]]:
    """The bot in webhook mode on a free port, killed at the end."""
    write_seeds(tmp_path / "seeds")
    port = free_port()
    with BotProcess(
        api,
        tmp_path,
        WEBHOOK_URL=f"https://bot.example.org{PATH}",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=SECRET,
        **kwargs,  # type: ignore[arg-type]
    ) as bot:
        bot.wait_log("Webhook server listening", timeout=60)
        yield bot, port


def healthz(port: int, timeout: float = 5.0) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as response:
        return response.status


def post_update(api: FakeTelegram, port: int, text: str, update_id: int) -> int:
    body = json.dumps({"update_id": update_id, **api.message(USER, text)}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{PATH}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def send_big_body(port: int, chunked: bool) -> tuple[int, str]:
    """POST up to 90 MB with a wrong secret; returns (bytes the server took, its status line)."""
    head = f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += "X-Telegram-Bot-Api-Secret-Token: wrong\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {BIG}\r\n\r\n"
    chunk = b"x" * (1024 * 1024)
    piece = (b"%x\r\n" % len(chunk)) + chunk + b"\r\n" if chunked else chunk
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        try:
            while sent < BIG:
                sock.sendall(piece)
                sent += len(chunk)
        except OSError:  # the server stopped reading and closed: what we want
            pass
        try:
            status = sock.recv(200).split(b"\r\n")[0].decode()
        except OSError:
            status = "closed"
    return sent, status


@pytest.mark.slow
def test_huge_bodies_with_a_wrong_secret_are_refused_unread(tmp_path: Path) -> None:
    with FakeTelegram() as api, running(api, tmp_path) as (bot, port):
        before = bot.rss_kb()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: send_big_body(port, chunked=i % 2 == 1), range(8)))
        grown_mb = (bot.rss_kb() - before) / 1024
        assert healthz(port) == 200
        mark = api.mark()
        assert post_update(api, port, "ransomware hospital", 1) == 200
        api.wait_for(lambda c: c.method == "sendMessage", after=mark)
    for sent, status in results:
        assert sent < 16 * 1024 * 1024, f"the server read {sent >> 20} MB of a refused body"
        assert status == "closed" or status.split()[1] in {"400", "413"}
    assert grown_mb < 30, f"RSS grew {grown_mb:.0f} MB"
    assert "Traceback" not in bot.log()


@pytest.mark.slow
def test_a_flood_of_half_sent_requests_leaves_health_and_updates_answered(tmp_path: Path) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 700:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    flood: list[socket.socket] = []
    with FakeTelegram() as api, running(api, tmp_path, open_files=256) as (bot, port):
        try:
            for _ in range(300):
                sock = socket.socket()
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.1", port))
                flood.append(sock)
            time.sleep(0.5)
            for sock in flood:
                with contextlib.suppress(OSError):
                    sock.send(f"POST {PATH} HTTP/1.1\r\nHost: x\r\n".encode())  # never finished
            time.sleep(1)
            started = time.monotonic()
            assert healthz(port, timeout=5) == 200
            mark = api.mark()
            assert post_update(api, port, "ransomware hospital", 1) == 200
            api.wait_for(lambda c: c.method == "sendMessage", after=mark, timeout=10)
            took = time.monotonic() - started
        finally:
            for sock in flood:
                sock.close()
        time.sleep(1)
        log = bot.log()
    assert took < 5, f"health and one update took {took:.1f} s during the flood"
    assert log.count("Too many open files") <= 2 and "Traceback" not in log
    assert len(log) < 20_000


SERVER = """
import asyncio, logging, resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
from bot.chat.telegram import webhook

async def main():
    webhook.quiet_repeats()
    server = webhook.make_server(webhook.webhook_app("/hook", None, "s", lambda: {"status": "ok"}), limit=10_000)
    server.bind_and_serve(int(sys.argv[1]), "127.0.0.1")
    print("listening", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


@pytest.mark.slow
def test_running_out_of_file_descriptors_lowers_the_bound_and_logs_it_once(tmp_path: Path) -> None:
    """A bound set too high for the process (64 descriptors, 10,000 connections allowed): the
    server learns its real capacity at the first "Too many open files" and keeps serving."""
    import subprocess
    import sys

    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parent.parent,
        )
    flood: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while b"listening" not in log.read_bytes():
            assert time.monotonic() < deadline and server.poll() is None, log.read_text()
            time.sleep(0.05)
        for _ in range(150):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
            flood.append(sock)
        time.sleep(1)
        started = time.monotonic()
        assert healthz(port, timeout=10) == 200
        took = time.monotonic() - started
    finally:
        for sock in flood:
            sock.close()
        server.kill()
        server.wait(timeout=10)
    text = log.read_text()
    assert took < 3, f"/healthz took {took:.1f} s"
    assert 1 <= text.count("Too many open files") <= 2 and "Traceback" not in text, text[-2000:]


@pytest.mark.slow
def test_a_half_sent_request_is_dropped_after_the_idle_timeout(tmp_path: Path) -> None:
    with (
        FakeTelegram() as api,
        running(api, tmp_path) as (_, port),
        socket.create_connection(("127.0.0.1", port), timeout=webhook.IDLE_TIMEOUT_S + 10) as sock,
    ):
        sock.sendall(f"POST {PATH} HTTP/1.1\r\nHost: x\r\n".encode())
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server
        waited = time.monotonic() - started
    assert webhook.IDLE_TIMEOUT_S - 1 < waited < webhook.IDLE_TIMEOUT_S + 5


def test_a_repeated_log_line_is_written_once_per_interval_with_the_count() -> None:
    now = [0.0]
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    log = logging.getLogger("test.repeats")
    log.propagate = False
    log.addHandler(Collect())
    log.addFilter(webhook.RepeatFilter(60, clock=lambda: now[0]))
    for _ in range(1000):
        log.warning("cannot accept (%s)", "Too many open files")
        now[0] += 0.01
    log.warning("another message")
    now[0] = 100
    log.warning("cannot accept (%s)", "Too many open files")
    assert records == [
        "cannot accept (Too many open files)",
        "another message",
        "cannot accept (Too many open files) (and 999 more like it in the last 60 s)",
    ]
