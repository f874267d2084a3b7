"""Is the running bot healthy? For container healthchecks and ``incident-bot health``.

Webhook mode answers ``GET /healthz`` on the webhook port. Polling mode has no port, so the bot
refreshes a heartbeat file (``HEARTBEAT_FILE``, default ``INDEX_DIR/.heartbeat``) each time a
``getUpdates`` call comes back from Telegram; a missing or stale file, or one written by a
process that is gone, means unhealthy. The file holds the same JSON as ``/healthz``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bot.settings import Settings

HEALTH_PATH = "/healthz"


def snapshot(library: Any, mode: str, **extra: Any) -> dict[str, Any]:
    """What ``/healthz`` and the heartbeat say: the index in service and who serves it.
    ``status`` is ``damaged`` (with ``damage`` saying why) when a file of the index in service
    changed on disk under the bot, which would crash it at the next read."""
    info = library.engine.info
    damage = library.damage()
    return {
        "status": "damaged" if damage else "ok",
        **({"damage": damage} if damage else {}),
        "mode": mode,
        "notes": info.notes,
        "passages": info.passages,
        "built_at": info.built_at.isoformat(),
        "rebuilding": library.rebuilding,
        "pid": os.getpid(),
        "at": round(time.time(), 3),
        **extra,
    }


def write_heartbeat(path: Path, payload: dict[str, Any]) -> None:
    """Replace the heartbeat file atomically, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".heartbeat-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_heartbeat(path: Path, pid: int | None = None) -> None:
    """Remove the heartbeat at a clean stop, if it is ours."""
    try:
        if pid is None or json.loads(path.read_text("utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return True  # nothing to check against
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_heartbeat(path: Path, max_age: float, now: float | None = None) -> tuple[bool, str]:
    """(healthy, one line) from the heartbeat file at ``path``."""
    now = time.time() if now is None else now
    try:
        data = json.loads(path.read_text("utf-8"))
        at = float(data["at"])
    except FileNotFoundError:
        return False, f"unhealthy: no heartbeat at {path} (is the bot running in polling mode?)"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return False, f"unhealthy: unreadable heartbeat {path}: {type(exc).__name__}"
    age = now - at
    if age > max_age:
        return False, f"unhealthy: heartbeat {path} is {age:.0f} s old (max {max_age:.0f} s)"
    if not _alive(data.get("pid")):
        return False, f"unhealthy: the bot that wrote {path} (pid {data.get('pid')}) is not running"
    if data.get("status", "ok") != "ok":
        return False, f"unhealthy: {data.get('damage') or data.get('status')}"
    return True, (
        f"healthy: polling, {data.get('notes')} notes, {data.get('passages')} passages, "
        f"built {data.get('built_at')}, heartbeat {age:.0f} s ago"
    )


def check_http(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    """(healthy, one line) from ``GET url`` (the webhook server's /healthz)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        return False, f"unhealthy: {url} answered {exc.code}"
    except (OSError, ValueError) as exc:
        return False, f"unhealthy: {url}: {getattr(exc, 'reason', None) or exc}"
    if data.get("status", "ok") != "ok":
        return False, f"unhealthy: {data.get('damage') or data.get('status')}"
    return True, (
        f"healthy: webhook, {data.get('notes')} notes, {data.get('passages')} passages, built {data.get('built_at')}"
    )


def health_url(settings: Settings) -> str:
    host = settings.webhook_listen
    if host in {"", "0.0.0.0", "::", "[::]"}:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.webhook_port}{HEALTH_PATH}"


def check(settings: Settings) -> tuple[bool, str]:
    """Webhook mode asks the running server; polling mode reads the heartbeat file."""
    if settings.webhook_url:
        return check_http(health_url(settings))
    return check_heartbeat(settings.heartbeat_path, settings.health_max_age)
