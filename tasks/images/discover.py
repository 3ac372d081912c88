"""Choose the article's lead image candidates, best first, with their alt text and caption.

Order: the producer's own images (the submission), then a ninjs document's picture
associations, then what the normalizer found on the page (og:image, twitter:image,
content images, Markdown images). Alt text and captions are looked up in the raw
content, since the normalizer keeps only the references.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from schemas import TaggedArticle
from schemas.thumbnail import FocalPoint

_FETCHABLE = ("http", "https", "data", "file")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"([^\"]*)\")?\s*\)")
_PLACEHOLDERS = {"thumbnail", "image", "photo", "picture", "miniature"}


@dataclass(frozen=True)
class Candidate:
    """One image reference that may become the lead image."""

    href: str
    alt: str | None = None
    caption: str | None = None


@dataclass(frozen=True)
class Discovery:
    """The candidates, and why there are none when there are none."""

    candidates: tuple[Candidate, ...]
    reason: str | None
    focal_point: FocalPoint | None


class _ImageText(HTMLParser):
    """Alt text and captions by image URL: ``og:image:alt``, ``<img alt>``, ``<figcaption>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.alt: dict[str, str] = {}
        self.caption: dict[str, str] = {}
        self._meta: dict[str, str] = {}
        self._figure: list[str] = []
        self._in_caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta":
            key = values.get("property") or values.get("name") or ""
            self._meta.setdefault(key.lower(), values.get("content", "").strip())
        elif tag == "img" and values.get("src"):
            src = values["src"].strip()
            if values.get("alt", "").strip():
                self.alt.setdefault(src, values["alt"].strip())
            self._figure.append(src)
        elif tag == "figure":
            self._figure = []
        elif tag == "figcaption":
            self._in_caption = []

    def handle_data(self, data: str) -> None:
        if self._in_caption is not None:
            self._in_caption.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "figcaption" and self._in_caption is not None:
            text = " ".join("".join(self._in_caption).split())
            for src in self._figure:
                if text:
                    self.caption.setdefault(src, text)
            self._in_caption = None

    def close(self) -> None:
        super().close()
        for image, alt in (("og:image", "og:image:alt"), ("twitter:image", "twitter:image:alt")):
            if self._meta.get(image) and self._meta.get(alt):
                self.alt.setdefault(self._meta[image], self._meta[alt])


def _texts_in_html(content: str) -> tuple[dict[str, str], dict[str, str]]:
    parser = _ImageText()
    parser.feed(content)
    parser.close()
    return parser.alt, parser.caption


def _texts_in_markdown(content: str) -> tuple[dict[str, str], dict[str, str]]:
    alt: dict[str, str] = {}
    caption: dict[str, str] = {}
    for text, src, title in _MD_IMAGE.findall(content):
        if text.strip():
            alt.setdefault(src, text.strip())
        if title.strip():
            caption.setdefault(src, title.strip())
    return alt, caption


def _first_text(items: Any) -> str | None:
    if isinstance(items, list):
        for item in items:
            value = item.get("value") if isinstance(item, dict) else item
            if isinstance(value, str) and value.strip():
                return value.strip()
    return items.strip() if isinstance(items, str) and items.strip() else None


def _association_href(association: dict[str, Any]) -> str | None:
    """The widest rendition's href, else the association's own http(s) URI."""
    renditions = [r for r in association.get("renditions") or [] if isinstance(r, dict)]
    with_href = [r for r in renditions if isinstance(r.get("href"), str)]
    if with_href:
        return str(max(with_href, key=lambda r: r.get("width") or 0)["href"])
    uri = association.get("uri")
    return uri if isinstance(uri, str) and uri.startswith(("http://", "https://")) else None


def ninjs_pictures(content: str) -> list[Candidate]:
    """Picture associations of a ninjs document (a list in 2.x, a name-keyed object in 1.x)."""
    try:
        document = json.loads(content)
    except ValueError:
        return []
    associations = document.get("associations") if isinstance(document, dict) else None
    if isinstance(associations, dict):
        associations = list(associations.values())
    found: list[Candidate] = []
    for association in associations if isinstance(associations, list) else []:
        if not isinstance(association, dict) or association.get("type") not in (
            "picture",
            "graphic",
        ):
            continue
        if href := _association_href(association):
            found.append(
                Candidate(
                    href=href,
                    alt=_first_text(association.get("altText"))
                    or _first_text(association.get("headlines")),
                    caption=_first_text(association.get("descriptions"))
                    or _first_text(association.get("description_text")),
                )
            )
    return found


def _supplied_focal_point(metadata: dict[str, Any]) -> FocalPoint | None:
    """``metadata.focal_point = {"x": 0.3, "y": 0.4}``, fractions of the lead image's sides."""
    point = metadata.get("focal_point")
    if not isinstance(point, dict):
        return None
    try:
        return FocalPoint.model_validate(
            {"x": point.get("x"), "y": point.get("y"), "source": "supplied"}
        )
    except ValueError:
        return None


def _texts(article: TaggedArticle) -> tuple[dict[str, str], dict[str, str]]:
    """Alt text and captions by image URL, as written and resolved against the article URL."""
    content = article.submission.content
    if article.content_type == "html":
        alt, caption = _texts_in_html(content)
    elif article.content_type == "markdown":
        alt, caption = _texts_in_markdown(content)
    else:
        return {}, {}
    base = article.url or ""
    alt |= {urljoin(base, src): text for src, text in alt.items()}
    caption |= {urljoin(base, src): text for src, text in caption.items()}
    return alt, caption


def _with_texts(article: TaggedArticle, candidates: list[Candidate]) -> tuple[Candidate, ...]:
    """The candidates with their alt text and caption; the page is parsed only now, since
    most articles name no image and parsing a whole page costs more than the rest."""
    alt, caption = _texts(article)
    return tuple(
        Candidate(
            href=c.href,
            alt=c.alt or alt.get(c.href),
            caption=c.caption or caption.get(c.href),
        )
        for c in candidates
    )


def discover(article: TaggedArticle) -> Discovery:
    """The lead image candidates of ``article``, deduplicated, in order of preference."""
    ordered = [Candidate(href.strip()) for href in article.submission.images]
    if article.content_type == "json":
        ordered += ninjs_pictures(article.submission.content)
    ordered += [Candidate(href.strip()) for href in article.image_refs]
    seen: set[str] = set()
    candidates: list[Candidate] = []
    skipped: list[str] = []
    for candidate in ordered:
        if candidate.href in seen:
            continue
        seen.add(candidate.href)
        if urlsplit(candidate.href).scheme.lower() not in _FETCHABLE:
            skipped.append(candidate.href[:80])
            continue
        candidates.append(candidate)
    focal = _supplied_focal_point(article.submission.metadata)
    if candidates:
        return Discovery(_with_texts(article, candidates), None, focal)
    if skipped:
        reason = f"no usable image reference (unsupported: {', '.join(skipped[:3])})"
    elif any(
        block.kind == "placeholder" and block.text.strip().casefold() in _PLACEHOLDERS
        for block in article.removed_blocks
    ):
        reason = "only an image placeholder in the content"
    else:
        reason = "no image reference"
    return Discovery((), reason, focal)
