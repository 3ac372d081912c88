"""All configuration, from ``NEWSFLOW_*`` environment variables (see the README's table)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tasks.images.config import FetchLimits, ImageConfig, parse_renditions

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
    topics_file: Path | None = Field(
        default=None, description="JSON file of extra topics and terms (docs/topics.md)."
    )
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
    stall_timeout: int = Field(default=3600, ge=10)
    sweep_interval: int = Field(default=30, ge=1)
    task_events: bool = Field(
        default=False,
        description="Send Celery task events always, not only once a monitor such as Flower "
        "asks for them (they cost 11-13 % of the throughput).",
    )
    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="Prometheus port of `newsflow worker`; 0: off."
    )
    max_submission_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    max_images: int = Field(default=20, ge=0)
    max_related_links: int = Field(default=200, ge=0)
    media_dir: Path = Field(default=Path("media"), description="Where renditions are written.")
    media_base_url: str | None = Field(default=None, description="Public URL of media_dir.")
    image_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    image_max_pixels: int = Field(default=50_000_000, ge=1)
    image_min_side: int = Field(default=50, ge=1)
    image_allow_private: bool = False
    image_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    image_file_dirs: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    image_connect_timeout: float = Field(default=5.0, gt=0)
    image_read_timeout: float = Field(default=10.0, gt=0)
    image_time_budget: float = Field(default=30.0, gt=0)
    image_max_redirects: int = Field(default=5, ge=0)
    image_retries: int = Field(default=2, ge=0)
    image_retry_delay: float = Field(default=0.5, ge=0)
    image_renditions: str = "social:1200x630:jpeg,card:640x360:webp,square:160x160:webp"
    title_card_format: Literal["svg", "raster"] = "svg"

    @field_validator("image_allow_hosts", "image_file_dirs", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """``a,b`` in the environment; a list when set in code."""
        return (
            [item.strip() for item in value.split(",") if item.strip()]
            if isinstance(value, str)
            else value
        )

    @field_validator("image_renditions")
    @classmethod
    def _renditions_parse(cls, value: str) -> str:
        parse_renditions(value)
        return value

    @model_validator(mode="after")
    def _limits_nest(self) -> Settings:
        """A message must not be redelivered while its task may still be running."""
        if self.stall_timeout <= self.task_time_limit:
            raise ValueError("need NEWSFLOW_STALL_TIMEOUT > NEWSFLOW_TASK_TIME_LIMIT")
        if not self.task_soft_time_limit < self.task_time_limit < self.visibility_timeout:
            raise ValueError(
                "need NEWSFLOW_TASK_SOFT_TIME_LIMIT < NEWSFLOW_TASK_TIME_LIMIT "
                "< NEWSFLOW_VISIBILITY_TIMEOUT"
            )
        return self

    @property
    def broker(self) -> str:
        return self.broker_url or self.redis_url

    def image_config(self, media_dir: Path | None = None) -> ImageConfig:
        """The thumbnail stage's configuration; ``newsflow run`` puts media beside its output."""
        return ImageConfig(
            media_dir=media_dir or self.media_dir,
            media_base_url=self.media_base_url,
            fetch=FetchLimits(
                max_bytes=self.image_max_bytes,
                connect_timeout=self.image_connect_timeout,
                read_timeout=self.image_read_timeout,
                # Half the soft limit at most: a read started near the end may take as long again.
                time_budget=min(self.image_time_budget, self.task_soft_time_limit / 2),
                max_redirects=self.image_max_redirects,
                retries=self.image_retries,
                retry_delay=self.image_retry_delay,
                allow_private=self.image_allow_private,
                allow_hosts=frozenset(self.image_allow_hosts),
                file_dirs=tuple(self.image_file_dirs),
            ),
            max_pixels=self.image_max_pixels,
            min_side=self.image_min_side,
            renditions=parse_renditions(self.image_renditions),
            title_card_format=self.title_card_format,
        )
