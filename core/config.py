"""The one settings object, read from SVETOFOR_* variables and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changethis", "change-me", "secret", "dev-insecure-secret"}


class Settings(BaseSettings):
    """Everything configurable about a Svetofor process."""

    model_config = SettingsConfigDict(
        env_prefix="SVETOFOR_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    model: str = Field(default="bundled", description="'bundled', a local path or a HF model id")
    config: Path | None = None
    timezone: str = "UTC"
    secret_key: str = "dev-insecure-secret"
    host: str = "127.0.0.1"
    port: int = 8000
    # SQLite waits this long for a writer's lock before failing (crawls and the API share a file).
    sqlite_busy_timeout_ms: int = 15_000

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'svetofor.db').as_posix()}"
        if self.environment == "production" and self.secret_key in PLACEHOLDER_SECRETS:
            raise ValueError("SVETOFOR_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings` instead)."""
    return Settings()
