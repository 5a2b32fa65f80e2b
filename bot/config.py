"""Settings from the environment (prefix ``TALKS_``) and an optional ``.env`` file."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from knowledge import DEFAULT_MODEL


def default_database_url() -> str:
    """An SQLite file in the user's data folder (XDG), created on first use."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{base / 'talks-bot' / 'talks.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TALKS_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    admin_chat_id: int | None = None  # unhandled errors are told there (a group or a user)
    error_notice_minutes: float = Field(default=10.0, gt=0)  # at most one notice per period
    database_url: str = Field(default_factory=default_database_url)
    bot_api_base_url: str = "https://api.telegram.org/bot"
    bot_api_file_url: str = "https://api.telegram.org/file/bot"
    spacy_model: str = DEFAULT_MODEL
    seed_article: bool = True
    default_tz: str = "UTC"
    digest_time: str = "08:00"
    log_level: str = "INFO"
    max_question_chars: int = Field(default=1000, ge=10)
    reader: bool = True  # TALKS_READER=off: the rule engine alone (no learned reader)
    digest_tick_seconds: float = Field(default=60.0, gt=0)
    send_rate: float = Field(default=29.0, gt=0, le=30)  # messages/s overall (Telegram: ~30)
    send_attempts: int = Field(default=3, ge=1)  # tries of one message in all (Sender retries)
    send_backoff_seconds: float = Field(default=1.0, ge=0)  # after a network error, doubling
    # the least time between two messages to one chat (Telegram: about one a second)
    send_chat_interval_seconds: float = Field(default=1.0, ge=0)
    # Reaching Telegram at start: the pause after a failed getMe, doubling up to the maximum
    connect_retry_seconds: float = Field(default=1.0, gt=0)
    connect_retry_max_seconds: float = Field(default=60.0, gt=0)
    webhook_url: str | None = None  # the public https URL Telegram posts updates to
    webhook_listen: str = "0.0.0.0"  # all interfaces: in a container the port is published
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    webhook_secret: SecretStr | None = None  # random per start when unset
    # Loading by URL (knowledge.ingest.fetch): hosts allowed to be private (127.0.0.1 in tests).
    fetch_allow_hosts: Annotated[frozenset[str], NoDecode] = frozenset()
    fetch_timeout_seconds: float = Field(default=20.0, gt=0)  # the whole fetch, redirects too
    fetch_max_bytes: int = Field(default=5_000_000, gt=0)
    fetch_max_redirects: int = Field(default=5, ge=0)
    feed_poll_minutes: float = Field(default=15.0, gt=0)  # how often each feed is fetched
    # How long a process holds a chat it sends to (or a feed it polls): one that dies mid-round
    # holds them that long at most, then another process sends (polls) them.
    claim_seconds: float = Field(default=300.0, gt=0)
    # The question log and the record of digest sends are kept this long (/stats reports the
    # last day and week; deliveries, which stop a repeat, are kept as long as their articles)
    retention_days: float = Field(default=90.0, ge=7)
    # This process's name among those sharing a store (its heartbeat, read by `talks-bot
    # health`): the host name, which a container shares with the health check run in it
    replica_name: str = Field(default_factory=socket.gethostname, min_length=1, max_length=50)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as e:
                raise ValueError("TALKS_ADMIN_IDS must be comma-separated numeric user ids") from e
        return value

    @field_validator("fetch_allow_hosts", mode="before")
    @classmethod
    def _parse_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            parts = (p.strip().strip("[]").rstrip(".").lower() for p in re.split(r"[,;]", value))
            return frozenset(p for p in parts if p)
        return value
