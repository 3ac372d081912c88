"""Format readers: turn raw text, HTML, Markdown or JSON into the same ``Extracted`` fields."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from schemas import RelatedLink
from tasks.errors import PermanentError
from tasks.text import blocks, clean, clean_line, strip_emphasis

#: Lines a scraper leaves where a picture or widget was.
PLACEHOLDERS = frozenset(
    {
        "thumbnail",
        "image",
        "photo",
        "picture",
        "video",
        "vidéo",
        "advertisement",
        "publicité",
        "share this",
        "partager",
        "share",
        "partager cet article",
    }
)
#: Headings after which a page lists other articles, not this one.
RELATED_MARKERS = frozenset(
    {
        "related posts",
        "related articles",
        "related stories",
        "related",
        "read more",
        "read also",
        "see also",
        "more stories",
        "you may also like",
        "recommended",
        "à lire aussi",
        "lire aussi",
        "à lire également",
        "articles similaires",
        "sur le même sujet",
        "vous aimerez aussi",
        "nos autres articles",
    }
)
_TEASER_END = ("…", "...")
_MAX_PROVIDER_LENGTH = 60


@dataclass
class Extracted:
    """Fields a reader found; the normalize stage fills language, hashes and counts."""

    headline: str | None = None
    subheadline: str | None = None
    provider: str | None = None
    byline: str | None = None
    url: str | None = None
    description: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    removed_blocks: list[str] = field(default_factory=list)
    image_refs: list[str] = field(default_factory=list)


def _marker(block: str) -> str:
    return strip_emphasis(block).strip(" :*#>-").casefold()


def _is_bold(block: str) -> bool:
    return len(block) > 4 and block.startswith("**") and block.endswith("**")


def _related(teaser_blocks: list[str]) -> list[RelatedLink]:
    """Pair teaser titles with the snippet that follows each of them."""
    links: list[RelatedLink] = []
    for block in teaser_blocks:
        text = strip_emphasis(block)
        is_snippet = text.endswith(_TEASER_END) or len(text) > 200
        if is_snippet and links and not links[-1].teaser:
            links[-1] = links[-1].model_copy(update={"teaser": text})
        else:
            links.append(RelatedLink(title=text))
    return links


def read_blocks(items: list[str], found: Extracted) -> Extracted:
    """Shared by text and Markdown: placeholders, a bold headline, teasers after a marker."""
    body: list[str] = []
    for index, block in enumerate(items):
        marker = _marker(block)
        if marker in RELATED_MARKERS:
            found.removed_blocks.append(block)
            found.related.extend(_related(items[index + 1 :]))
            break
        if marker in PLACEHOLDERS:
            found.removed_blocks.append(block)
            continue
        body.append(block)
    if body and _is_bold(body[0]):
        bold = strip_emphasis(body.pop(0))
        if found.headline and not bold.startswith(found.headline):
            found.subheadline = bold
        else:
            found.headline = bold
    found.paragraphs.extend(strip_emphasis(block) for block in body)
    return found


def read_text(content: str) -> Extracted:
    """A plain-text scrape; an optional first line ``Title|Source`` names the provider."""
    items = blocks(clean(content))
    found = Extracted()
    if items and "|" in items[0]:
        title, _, provider = items[0].rpartition("|")
        if title.strip() and 0 < len(provider.strip()) <= _MAX_PROVIDER_LENGTH:
            found.headline, found.provider = title.strip(), provider.strip()
            items = items[1:]
    return read_blocks(items, found)


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)


def read_markdown(content: str) -> Extracted:
    """Markdown: the first ``#`` heading is the headline, images become image references."""
    text = clean(content)
    found = Extracted(image_refs=[src for _, src in _MD_IMAGE.findall(text)])
    text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", text))
    heading = _MD_HEADING.search(text)
    if heading and heading.group(1) == "#":
        found.headline = strip_emphasis(heading.group(2))
        text = text[: heading.start()] + text[heading.end() :]
    text = _MD_HEADING.sub(r"\2", text)
    return read_blocks(blocks(text), found)


class _PageParser(HTMLParser):
    """Just enough HTML reading for the chain: title, meta tags, headings and paragraphs."""

    _SKIP = frozenset(
        {
            "script",
            "style",
            "nav",
            "header",
            "footer",
            "aside",
            "form",
            "noscript",
            "template",
            "svg",
            "button",
            "figcaption",
        }
    )
    _BLOCKS = frozenset({"p", "h1", "h2", "h3", "li", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.h1: str | None = None
        self.paragraphs: list[str] = []
        self.images: list[str] = []
        self.canonical: str | None = None
        self._skip_depth = 0
        self._in_title = False
        self._block: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            name = (values.get("property") or values.get("name") or "").casefold()
            if name and "content" in values:
                self.meta.setdefault(name, values["content"])
        elif tag == "link" and values.get("rel", "").casefold() == "canonical":
            self.canonical = values.get("href") or None
        elif tag == "img" and not self._skip_depth and values.get("src"):
            self.images.append(values["src"])
        elif tag in self._BLOCKS and not self._skip_depth:
            self._flush()
            self._block = tag

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in self._BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._block and not self._skip_depth:
            self._buffer.append(data)

    def _flush(self) -> None:
        text = clean_line("".join(self._buffer))
        if text and self._block == "h1" and self.h1 is None:
            self.h1 = text
        elif text and self._block != "h1":
            self.paragraphs.append(text)
        self._block, self._buffer = None, []

    def close(self) -> None:
        super().close()
        self._flush()


def read_html(content: str) -> Extracted:
    """An HTML page: Open Graph and meta tags first, then the page's own elements."""
    page = _PageParser()
    page.feed(content)
    page.close()
    meta = page.meta
    title = clean_line(meta.get("og:title") or page.h1 or page.title) or None
    image = meta.get("og:image") or meta.get("twitter:image")
    found = Extracted(
        headline=title,
        provider=clean_line(meta.get("og:site_name", "")) or None,
        byline=clean_line(meta.get("author", "")) or None,
        url=meta.get("og:url") or page.canonical,
        description=clean_line(meta.get("og:description") or meta.get("description") or "") or None,
        image_refs=[ref for ref in [image, *page.images] if ref],
    )
    return read_blocks(page.paragraphs, found)


def _first(data: dict[str, Any], *names: str) -> Any:
    return next((data[name] for name in names if data.get(name)), None)


def read_json(content: str) -> Extracted:
    """``{title, body, url, ...}`` or a ninjs document (``headlines`` and ``bodies``)."""
    data = json.loads(content)
    if not isinstance(data, dict):
        raise PermanentError("JSON content must be an object with a title and a body")
    headline = _first(data, "headline", "title")
    body = _first(data, "body", "body_text", "text", "content")
    if "headlines" in data or "bodies" in data:
        headline = headline or next((h.get("value") for h in data.get("headlines", [])), None)
        body = body or next((b.get("value") for b in data.get("bodies", [])), None)
    if not isinstance(body, str) or not body.strip():
        raise PermanentError("JSON content has no body (expected 'body', 'text' or 'bodies')")
    found = read_html(body) if body.lstrip().startswith("<") else read_text(body)
    found.headline = clean_line(str(headline)) if headline else found.headline
    found.provider = _first(data, "source", "provider") or found.provider
    found.url = _first(data, "url", "link") or found.url
    found.byline = _first(data, "byline", "by", "author") or found.byline
    found.description = _first(data, "description", "summary") or found.description
    images = data.get("images")
    if isinstance(images, list):
        found.image_refs = [str(i) for i in images] + found.image_refs
    return found


READERS = {"text": read_text, "markdown": read_markdown, "html": read_html, "json": read_json}
