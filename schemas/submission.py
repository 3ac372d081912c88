"""The raw submission: what a producer hands to ``newsflow submit``.

Validation happens here, at submit time, so a bad submission is refused with the
field and the reason before anything is queued. Size limits are configurable, so they
are checked by ``tasks.limits``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

#: Article ids become part of Redis keys and file names, so they are restricted.
ARTICLE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
ArticleId = Annotated[str, StringConstraints(pattern=ARTICLE_ID_PATTERN)]

IMAGE_SCHEMES = ("http://", "https://", "data:image/", "file://")

ContentType = Literal["auto", "text", "html", "markdown", "json"]


class Submission(BaseModel):
    """One raw article as received, before any processing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    content: str = Field(description="The raw article: scraped text, HTML, Markdown or JSON.")
    id: ArticleId | None = Field(default=None, description="Producer's id; generated if absent.")
    source: str | None = Field(default=None, max_length=200, description="Provider name.")
    url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://\S+$")
    content_type: ContentType = "auto"
    images: list[Annotated[str, StringConstraints(max_length=4096)]] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @field_validator("content")
    @classmethod
    def _content_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content is empty or whitespace only")
        if "\x00" in value:
            raise ValueError("content contains NUL bytes: binary data is not an article")
        return value

    @field_validator("images")
    @classmethod
    def _fetchable(cls, hrefs: list[str]) -> list[str]:
        """Only what the thumbnail stage may fetch; other schemes are refused here, early."""
        for href in hrefs:
            if not href.strip().lower().startswith(IMAGE_SCHEMES):
                raise ValueError(f"{href[:80]!r}: images must be http(s), data: or file: URLs")
        return hrefs

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)
