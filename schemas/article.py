"""The article as each stage leaves it.

Each stage's model extends the previous one, so a stage's output carries everything
the later stages and ``newsflow status`` need, and the state stored in Redis under
one key per stage is self-describing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.submission import ArticleId, Submission
from schemas.thumbnail import ThumbnailInfo


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArticleRef(_Model):
    """What travels in a Celery message: the claim check, never the body."""

    article_id: ArticleId
    version: int = Field(ge=1)
    trace_id: str


class IngestedArticle(ArticleRef):
    """The submission accepted into the pipeline, with its content type resolved."""

    submission: Submission
    content_type: Literal["text", "html", "markdown", "json"]
    raw_sha256: str


class RelatedLink(_Model):
    """A teaser or related link found beside the article; never part of the body."""

    title: str
    teaser: str = ""
    url: str | None = None


RemovedKind = Literal[
    "placeholder", "related", "share", "newsletter", "cookie", "advertisement", "navigation"
]


class RemovedBlock(_Model):
    """Boilerplate taken out of the body, kept so that nothing is silently lost."""

    kind: RemovedKind
    text: str


class NormalizedArticle(IngestedArticle):
    """Clean, typed text fields extracted from the raw content (see docs/normalization.md)."""

    headline: str
    subheadline: str | None = None
    provider: str | None = None
    byline: str | None = None
    url: str | None = Field(default=None, description="The URL as submitted or found")
    canonical_url: str | None = Field(default=None, description="Tracking parameters removed")
    published_at: datetime | None = Field(default=None, description="Timezone-aware")
    language: str = Field(description="ISO 639-1 code, 'und' when undetermined")
    language_confidence: float = Field(ge=0.0, le=1.0)
    description: str | None = None
    paragraphs: list[str]
    body_html: str = Field(description="The body as HTML, sanitized with an allowlist")
    related: list[RelatedLink] = Field(default_factory=list)
    removed_blocks: list[RemovedBlock] = Field(default_factory=list)
    image_refs: list[str] = Field(default_factory=list)
    content_sha256: str = Field(description="SHA-256 of the normalized headline and body")
    simhash: str = Field(pattern=r"^[0-9a-f]{16}$", description="64-bit SimHash of the body")
    near_duplicates: list[str] = Field(
        default_factory=list, description="Ids of other articles whose SimHash is within 3 bits"
    )
    word_count: int = Field(ge=0)
    reading_minutes: int = Field(ge=0)

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.paragraphs)


class TopicTag(_Model):
    """One IPTC Media Topic assigned to the article."""

    code: str = Field(
        pattern=r"^(medtop:\d{8}|[a-z][a-z0-9]*:[A-Za-z0-9][A-Za-z0-9_.-]*)$",
        description="An IPTC Media Topic, or a 'scheme:name' topic from the user's topics file",
    )
    name: str
    relevance: int = Field(ge=0, le=100)
    evidence: list[str] = Field(default_factory=list)


class TaggedArticle(NormalizedArticle):
    """Topics, named entities (full names) and keywords of the headline and body."""

    subjects: list[TopicTag]
    people: list[str] = Field(default_factory=list)
    organisations: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


class ThumbnailedArticle(TaggedArticle):
    thumbnail: ThumbnailInfo


class PublishedRecord(_Model):
    """The publish stage's output: the ninjs document and the subscribers it matched."""

    article_id: ArticleId
    version: int
    document: dict[str, Any]
    subscribers: list[str]
    content_sha256: str = Field(description="Identical content is published once (deliver.lua)")
