"""Settings from the environment and ``.env``, read once at start and passed in where needed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IdSet = Annotated[frozenset[int], NoDecode]


class Settings(BaseSettings):
    """Every knob the bot has. Environment variables win over ``.env``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path("index")

    # Telegram. The token is a secret: SecretStr keeps it out of reprs and error messages.
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    admin_ids: IdSet = frozenset()
    allowed_user_ids: IdSet = frozenset()
    allowed_chat_ids: IdSet = frozenset()

    @field_validator("admin_ids", "allowed_user_ids", "allowed_chat_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        """Accept ``"1, 2,-100"`` from the environment; lists and sets pass through."""
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value

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
