"""Settings from the environment and ``.env``, read once at start and passed in where needed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IdSet = Annotated[frozenset[int], NoDecode]
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    """Every knob the bot has. Environment variables win over ``.env``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    # State that must survive restarts (feedback votes, watches) in SQLite; INDEX_DIR when unset.
    data_dir: Path | None = None

    # Telegram. The token is a secret: SecretStr keeps it out of reprs and error messages.
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    admin_ids: IdSet = frozenset()
    allowed_user_ids: IdSet = frozenset()
    allowed_chat_ids: IdSet = frozenset()

    # Webhook mode: set WEBHOOK_URL (https://host/some/path) and Telegram pushes updates to
    # WEBHOOK_LISTEN:WEBHOOK_PORT on that path; unset, the bot long-polls (the default).
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None

    # Operations. LOG_QUESTIONS puts question text in the per-update log line (off: privacy).
    log_questions: bool = False
    log_level: str = "INFO"
    # Polling mode proves it is alive by refreshing this file; `incident-bot health` reads it.
    heartbeat_file: Path | None = None
    health_max_age: float = Field(default=90.0, gt=0)
    # Updates handled at once; more wait in the queue (bounded work when Telegram is slow).
    concurrent_updates: int = Field(default=8, ge=1, le=256)
    # Outgoing message limits (Telegram's flood limits: 30 per second overall, 20 per minute in
    # one group); 0 turns a limit off, for a test against a fake Bot API.
    rate_limit_per_second: float = Field(default=30, ge=0)
    rate_limit_group_per_minute: float = Field(default=20, ge=0)

    # Refresh: every REFRESH_INTERVAL seconds the running bot rebuilds when the seeds changed
    # (0: never on its own; /reindex still does).
    refresh_interval: float = Field(default=300.0, ge=0)
    # /watch: per chat at most WATCH_MAX_PER_CHAT watches of WATCH_MAX_LENGTH characters; a watch
    # matching more than WATCH_MAX_SHARE of the notes in the index is refused (it would flood its
    # chat with most new notes); a refresh sends a chat at most WATCH_MESSAGES_PER_REFRESH notes,
    # the rest summed up in one line.
    watch_max_per_chat: int = Field(default=20, ge=1, le=1000)
    watch_max_length: int = Field(default=200, ge=10, le=1000)
    watch_max_share: float = Field(default=0.05, gt=0, le=1)
    watch_messages_per_refresh: int = Field(default=3, ge=1, le=50)

    @field_validator("admin_ids", "allowed_user_ids", "allowed_chat_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        """Accept ``"1, 2,-100"`` from the environment; lists and sets pass through."""
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("webhook_url", "heartbeat_file", "data_dir", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_charset(cls, value: object) -> object:
        """Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as a secret token."""
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not _SECRET.fullmatch(value):
                raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ValueError("WEBHOOK_URL must be an absolute https:// URL")
        return value

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts to, taken from WEBHOOK_URL ("/" when it has none)."""
        path = urlsplit(self.webhook_url or "").path.rstrip("/")
        return path or "/"

    @property
    def state_dir(self) -> Path:
        """Where the SQLite state files live: DATA_DIR, else INDEX_DIR (outside its builds)."""
        return self.data_dir or self.index_dir

    @property
    def heartbeat_path(self) -> Path:
        return self.heartbeat_file or self.index_dir / ".heartbeat"

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        """An empty ``TELEGRAM_BOT_TOKEN=`` in ``.env`` means "no token", not an empty one."""
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @property
    def telegram_file_base_url(self) -> str:
        """Where files are downloaded: ``…/bot`` becomes ``…/file/bot`` (Bot API convention)."""
        base = self.telegram_api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"
