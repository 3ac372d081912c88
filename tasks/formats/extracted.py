"""What every format reader returns, so the normalize stage treats all formats alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from schemas import RelatedLink, RemovedBlock


@dataclass
class Block:
    """One paragraph, heading, list item or quote of the body.

    ``html`` is the block's own markup when the source had some (already sanitized);
    ``href`` its first link, which makes a teaser block a related link with a URL.
    """

    text: str
    html: str | None = None
    href: str | None = None


@dataclass
class Extracted:
    """Fields a reader found; the normalize stage fills language, hashes and counts."""

    headline: str | None = None
    subheadline: str | None = None
    provider: str | None = None
    byline: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    description: str | None = None
    blocks: list[Block] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    removed: list[RemovedBlock] = field(default_factory=list)
    image_refs: list[str] = field(default_factory=list)
