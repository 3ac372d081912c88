"""Everything the thumbnail stage is configured with, built by ``workers`` from settings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

_SPEC = re.compile(
    r"^\s*([a-z][a-z0-9_-]{0,31})\s*:\s*(\d{1,5})\s*x\s*(\d{1,5})\s*(?::\s*([a-z+ ]+?))?\s*$"
)
#: The file formats a rendition can be written in.
FORMATS = ("webp", "jpeg")
#: A rendition named without formats is written in both, as before formats were chosen.
BOTH = FORMATS


@dataclass(frozen=True)
class RenditionSpec:
    """A named target box: the crop keeps this aspect ratio, the file fits in this size,
    and is written once per format (``webp``, ``jpeg``), in this order."""

    name: str
    width: int
    height: int
    formats: tuple[str, ...] = BOTH


#: ``social`` is for social networks' link previews (``og:image``, Twitter cards), where
#: JPEG is the format every consumer takes; ``card`` and ``square`` are for pages and apps,
#: where every current browser shows WebP (a third of the JPEG's bytes). One file each cost
#: about 10 ms less per lead image than WebP and JPEG of all three (docs/thumbnails.md).
DEFAULT_RENDITIONS = (
    RenditionSpec("social", 1200, 630, ("jpeg",)),
    RenditionSpec("card", 640, 360, ("webp",)),
    RenditionSpec("square", 160, 160, ("webp",)),
)


def _formats(name: str, text: str | None) -> tuple[str, ...]:
    if text is None:
        return BOTH
    formats = tuple(part.strip() for part in text.split("+"))
    unknown = [part for part in formats if part not in FORMATS]
    if unknown or len(set(formats)) != len(formats):
        raise ValueError(f"rendition {name!r}: formats are webp, jpeg, or both joined by +")
    return formats


def parse_renditions(text: str) -> tuple[RenditionSpec, ...]:
    """``social:1200x630:jpeg,card:640x360:webp``: renditions in an environment variable.

    Without ``:FORMATS`` a rendition is written as WebP and JPEG.
    """
    specs: list[RenditionSpec] = []
    for item in filter(str.strip, text.split(",")):
        match = _SPEC.match(item)
        if not match:
            raise ValueError(f"rendition {item.strip()!r} is not NAME:WIDTHxHEIGHT[:FORMATS]")
        name, width, height = match[1], int(match[2]), int(match[3])
        if not (16 <= width <= 4096 and 16 <= height <= 4096):
            raise ValueError(f"rendition {name!r}: sides must be between 16 and 4096 pixels")
        if name in {spec.name for spec in specs}:
            raise ValueError(f"rendition {name!r} is named twice")
        specs.append(RenditionSpec(name, width, height, _formats(name, match[4])))
    if not specs:
        raise ValueError("at least one rendition is needed")
    return tuple(specs)


@dataclass(frozen=True)
class FetchLimits:
    """How far the fetcher trusts a remote server (see docs/thumbnails.md, safety rules)."""

    max_bytes: int = 20 * 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    #: Seconds for all fetches of one article, retries included; keep it under the task limit.
    time_budget: float = 30.0
    max_redirects: int = 5
    retries: int = 2
    retry_delay: float = 0.5
    allow_private: bool = False
    #: ``host:port`` pairs whose addresses are trusted even when private (e.g. an internal CDN).
    allow_hosts: frozenset[str] = frozenset()
    #: Directories a ``file://`` reference may point into; none by default.
    file_dirs: tuple[Path, ...] = ()
    user_agent: str = "newsflow-thumbnailer/0.1"


@dataclass(frozen=True)
class ImageConfig:
    """The thumbnail stage's whole configuration."""

    media_dir: Path
    #: Published hrefs start with this; by default the media directory's ``file://`` URI.
    media_base_url: str | None = None
    fetch: FetchLimits = field(default_factory=FetchLimits)
    max_pixels: int = 50_000_000
    min_side: int = 50
    renditions: tuple[RenditionSpec, ...] = DEFAULT_RENDITIONS
    #: At most this many candidate images are tried before the article gets a title card.
    max_candidates: int = 3
    webp_quality: int = 80
    jpeg_quality: int = 82
    #: ``svg``: the headline as text (about 1 kB, no raster work); ``raster``: WebP and JPEG
    #: cards, for consumers that take no SVG (social networks' og:image).
    title_card_format: Literal["svg", "raster"] = "svg"
