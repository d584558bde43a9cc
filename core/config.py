"""The one settings object, read from SVETOFOR_* variables and `.env`."""

from __future__ import annotations

from datetime import time, timedelta
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
    # For models whose label names are not obvious: "LABEL_0=negative,LABEL_1=positive".
    model_labels: str = ""
    # auto: bf16 autocast where the CPU computes bf16 natively (faster, same labels), else
    # smoothed int8 for a model with calibration ranges (2-4 % of labels differ), else fp32.
    model_precision: Literal["auto", "bf16", "fp32", "int8"] = "auto"
    classify_tick: timedelta = timedelta(seconds=2)  # how often new mentions are labelled
    # A brand with this many corrections in force gets its own adapter (trained in the
    # background, retrained as corrections grow by `adaptation_retrain_step`).
    adaptation_min_corrections: int = Field(default=30, ge=5)
    adaptation_retrain_step: int = Field(default=10, ge=1)
    config: Path | None = None
    timezone: str = "UTC"
    secret_key: str = "dev-insecure-secret"
    host: str = "127.0.0.1"
    port: int = 8000
    # SQLite waits this long for a writer's lock before failing (crawls and the API share a file).
    sqlite_busy_timeout_ms: int = 15_000
    # How often `svetofor serve` looks for sources whose crawl schedule is due.
    scheduler_tick: timedelta = timedelta(seconds=10)
    # How often the service checks deadlines and sends queued alerts.
    desk_tick: timedelta = timedelta(seconds=30)
    public_url: str = "http://127.0.0.1:8000"
    rate_limit_per_minute: int = 600  # per API key  # for case links in replies and alerts
    # Scale-out (docs/scale-out.md): with a broker, background work runs in Celery workers
    # (`svetofor worker`, `svetofor beat`) and `svetofor serve` only serves.
    broker_url: str | None = None  # redis://host:6379/0
    # Where the per-key rate limit is counted, shared by every API replica (default: the broker).
    ratelimit_url: str | None = None
    # How long a worker owns the mentions it took to label; a worker that dies lets them go
    # after this (another labels them), so it bounds the delay a killed worker causes.
    label_lease: timedelta = timedelta(seconds=120)
    # Mentions one classification task labels (the model is loaded once per worker process).
    classify_batch: int = Field(default=64, ge=1)

    # Alert channels: each is on when its settings are given.
    alert_webhook_url: str | None = None
    alert_webhook_secret: str = ""
    alert_telegram_token: str | None = None
    alert_telegram_chat_id: str | None = None
    alert_telegram_api_base: str = "https://api.telegram.org"
    # Telegram's callbacks (the alert buttons) come to POST /api/v1/telegram/webhook carrying
    # this secret in X-Telegram-Bot-Api-Secret-Token (setWebhook's secret_token); unset: off
    alert_telegram_webhook_secret: str | None = None
    # ...or ask Telegram for them (getUpdates) every few seconds: no public URL needed
    alert_telegram_polling: bool = False
    # VK API service token for `vk` sources without their own `options.token`
    vk_token: str | None = None
    alert_slack_token: str | None = None  # a bot token (xoxb-…) with chat:write
    alert_slack_channel: str | None = None  # a channel id (C…) the bot is in
    alert_slack_api_base: str = "https://slack.com/api"
    alert_smtp_host: str | None = None
    alert_smtp_port: int = 25
    alert_smtp_username: str | None = None
    alert_smtp_password: str | None = None
    alert_smtp_starttls: bool = False
    alert_email_from: str = "svetofor@localhost"
    alert_email_to: str = ""  # comma-separated
    alert_quiet_hours: str = ""  # e.g. "22:00-08:00", in alert_timezone
    alert_timezone: str = "UTC"
    alert_digest_time: time = time(9, 0)
    # A source's first crawl that imports more older mentions (outside the brand's
    # alert_window) than this sends one summary alert; fewer are stored silently.
    alert_history_summary_min: int = Field(default=10, ge=0)
    # Per channel: more alerts than this in a minute are bundled into one message per kind
    # (0: never bundle).
    alert_rate_per_minute: int = Field(default=10, ge=0)
    # Send a new case's alert as soon as its labelling batch commits (else on the desk tick).
    alert_at_once: bool = True
    # Source health alerts: failed runs in a row that make a source "failing", and how many
    # schedule periods without a finished crawl make it "silent".
    alert_source_failing_runs: int = Field(default=3, ge=1)
    alert_source_silent_factor: float = Field(default=3.0, gt=1)

    @field_validator("timezone", "alert_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value:
            return value  # the default: SQLite under data_dir
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend, driver = make_url(value).get_backend_name(), make_url(value).get_driver_name()
        except ArgumentError:
            backend = driver = ""
        if backend == "sqlite" or (backend, driver) == ("postgresql", "psycopg"):
            return value
        raise ValueError(
            "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB"
            " (SQLite and PostgreSQL through psycopg 3 are the databases Svetofor runs on)"
        )

    @field_validator("broker_url", "ratelimit_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("a Redis URL: redis://HOST:6379/0 (or rediss:// with TLS)")
        return value

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'svetofor.db').as_posix()}"
        if self.environment == "production" and self.secret_key in PLACEHOLDER_SECRETS:
            raise ValueError("SVETOFOR_SECRET_KEY must be set to a real secret in production")
        if self.alert_webhook_url and not self.alert_webhook_secret:
            raise ValueError("SVETOFOR_ALERT_WEBHOOK_SECRET is required to sign webhook alerts")
        return self

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def distributed(self) -> bool:
        """Background work goes to Celery workers through the broker."""
        return bool(self.broker_url)

    @property
    def rate_limit_storage(self) -> str | None:
        return self.ratelimit_url or self.broker_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings` instead)."""
    return Settings()
