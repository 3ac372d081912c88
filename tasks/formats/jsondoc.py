"""JSON: ``{title, body, url, ...}`` as producers and feeds send it, or a ninjs document."""

from __future__ import annotations

import json
import re
from typing import Any

from tasks.errors import PermanentError
from tasks.formats.dates import parse_datetime
from tasks.formats.extracted import Extracted
from tasks.formats.fragment import read_fragment
from tasks.formats.text import read_text
from tasks.text import clean_line

#: Markup that makes a body HTML even when it starts with text (feed summaries do).
_MARKUP = re.compile(r"<(?:p|br|div|a|em|strong|b|i|ul|ol|li|h[1-6]|blockquote|span|img)\b", re.I)
_HEADLINE = ("headline", "title")
_SUBHEADLINE = ("subheadline", "subtitle", "standfirst")
_BODY = ("body", "body_html", "body_text", "text", "content")
_PROVIDER = ("source", "provider", "sitename", "site_name")
_URL = ("canonical_url", "url", "link")
_BYLINE = ("byline", "by", "author", "authors")
_DESCRIPTION = ("description", "summary", "lead")
_PUBLISHED = ("published", "published_at", "datePublished", "date", "pubDate", "firstcreated")


def _first(data: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((data[name] for name in names if data.get(name)), None)


def _text(value: Any) -> str | None:
    """A string field, or the names of a list of people or objects (``authors``)."""
    if isinstance(value, list):
        value = ", ".join(str(v.get("name", "")) if isinstance(v, dict) else str(v) for v in value)
    elif isinstance(value, dict):
        value = value.get("name") or value.get("value")
    return clean_line(str(value)) or None if value else None


def _role(entries: Any, role: str | None = None) -> str | None:
    """The value of a ninjs ``headlines``/``bodies``/``descriptions``/``altids`` entry."""
    if not isinstance(entries, list):
        return None
    values = [
        e["value"]
        for e in entries
        if isinstance(e, dict)
        and isinstance(e.get("value"), str)
        and (role is None or e.get("role") == role)
    ]
    return values[0] if values else None


def _images(data: dict[str, Any]) -> list[str]:
    raw = data.get("images") or ([data["image"]] if data.get("image") else [])
    refs = [i.get("href") or i.get("url") if isinstance(i, dict) else i for i in raw]
    return [str(ref) for ref in refs if ref]


def read_json(content: str) -> Extracted:
    """Known field names first, ninjs roles second; the body is read as HTML or text."""
    try:
        data = json.loads(content)
    except ValueError as error:
        raise PermanentError(f"content is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise PermanentError("JSON content must be an object with a title and a body")
    body = _first(data, _BODY) or _role(data.get("bodies"))
    if not isinstance(body, str) or not body.strip():
        raise PermanentError("JSON content has no body (expected 'body', 'text' or 'bodies')")
    url = _text(_first(data, _URL) or _role(data.get("altids"), "url"))
    found = read_fragment(body, url) if _MARKUP.search(body) else read_text(body)
    infosources = data.get("infosources")
    infosource = infosources[0] if isinstance(infosources, list) and infosources else None
    found.headline = (
        _text(
            _first(data, _HEADLINE)
            or _role(data.get("headlines"), "main")
            or _role(data.get("headlines"))
        )
        or found.headline
    )
    found.subheadline = _text(_first(data, _SUBHEADLINE) or _role(data.get("headlines"), "sub"))
    found.provider = _text(_first(data, _PROVIDER) or infosource) or found.provider
    found.url = url or found.url
    found.byline = _text(_first(data, _BYLINE)) or found.byline
    found.description = (
        _text(_first(data, _DESCRIPTION) or _role(data.get("descriptions"))) or found.description
    )
    found.published_at = parse_datetime(_first(data, _PUBLISHED)) or found.published_at
    found.image_refs = _images(data) + found.image_refs
    return found
