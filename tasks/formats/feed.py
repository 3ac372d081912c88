"""RSS and Atom feeds: one article per item, each as the JSON the JSON reader understands.

A feed is a batch, not an article, so it is expanded where submissions are made (the
CLI), and each item goes through the chain on its own with a stable id.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import feedparser

_FEED_ROOT = re.compile(r"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"^\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*", re.DOTALL)


def is_feed(content: str) -> bool:
    """An RSS 2.0, RSS 1.0 (RDF) or Atom document: its root element, after any prologue."""
    start = _PROLOGUE.match(content)
    return bool(_FEED_ROOT.match(content, start.end() if start else 0))


def _images(entry: Any) -> list[str]:
    media = [
        m.get("url") for m in [*entry.get("media_content", []), *entry.get("media_thumbnail", [])]
    ]
    enclosures = [
        link.get("href")
        for link in entry.get("links", [])
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/")
    ]
    return [ref for ref in [*media, *enclosures] if ref]


def item_key(entry: dict[str, Any]) -> str:
    """A stable short key for an item: the same item in tomorrow's feed gets the same id."""
    identity = entry.get("id") or entry.get("url") or entry.get("title") or json.dumps(entry)
    return hashlib.sha256(str(identity).encode()).hexdigest()[:16]


def feed_items(content: str) -> list[dict[str, Any]]:
    """Each item as ``{id, title, body, url, author, published, summary, source, images}``."""
    parsed = feedparser.parse(content)
    source = parsed.feed.get("title")
    items: list[dict[str, Any]] = []
    for entry in parsed.entries:
        contents = entry.get("content") or []
        body = contents[0].get("value") if contents else None
        summary = entry.get("summary")
        item = {
            "id": entry.get("id") or entry.get("link"),
            "title": entry.get("title"),
            "body": body or summary,
            "summary": summary if body and summary != body else None,
            "url": entry.get("link"),
            "author": entry.get("author"),
            "published": entry.get("published") or entry.get("updated"),
            "source": source,
            "images": _images(entry),
        }
        if item["body"]:
            items.append({key: value for key, value in item.items() if value})
    return items
