"""All configuration, from ``NEWSFLOW_*`` environment variables (see the README's table)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@\s]*@", re.I)


def redact(text: str) -> str:
    """Hide the password in every URL within ``text``: ``redis://:***@host``."""
    return _URL_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text)


class Settings(BaseSettings):
    """One process's configuration; read once at start-up."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", extra="ignore")

    redis_url: str = "redis://localhost:6379/0"
    broker_url: str | None = Field(default=None, description="Defaults to the Redis URL.")
    subscribers_file: Path | None = None
    log_format: Literal["json", "console"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    key_prefix: str = Field(default="newsflow", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    state_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    stream_maxlen: int = Field(default=100_000, ge=100)
    task_soft_time_limit: int = Field(default=60, ge=1)
    task_time_limit: int = Field(default=90, ge=2)
    visibility_timeout: int = Field(default=3600, ge=10)
    max_retries: int = Field(default=5, ge=0)
    retry_base_delay: float = Field(default=1.0, ge=0)
    retry_max_delay: float = Field(default=60.0, ge=0)
    soft_shutdown_timeout: float = Field(default=30.0, ge=0)
    max_submission_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    max_images: int = Field(default=20, ge=0)
    max_related_links: int = Field(default=200, ge=0)

    @model_validator(mode="after")
    def _limits_nest(self) -> Settings:
        """A message must not be redelivered while its task may still be running."""
        if not self.task_soft_time_limit < self.task_time_limit < self.visibility_timeout:
            raise ValueError(
                "need NEWSFLOW_TASK_SOFT_TIME_LIMIT < NEWSFLOW_TASK_TIME_LIMIT "
                "< NEWSFLOW_VISIBILITY_TIMEOUT"
            )
        return self

    @property
    def broker(self) -> str:
        return self.broker_url or self.redis_url
