"""HTML pages: trafilatura for the main content and metadata, htmldate for the published time."""

from __future__ import annotations

import re
from datetime import datetime, time
from html import escape

import lxml.html
from htmldate import find_date
from lxml.etree import ParserError, _Element
from trafilatura import bare_extraction
from trafilatura.settings import Document

from tasks.formats import page
from tasks.formats.boilerplate import sift
from tasks.formats.dates import parse_datetime
from tasks.formats.extracted import Block, Extracted
from tasks.formats.urls import absolute
from tasks.text import clean_line

#: trafilatura's inline elements (TEI names) and the HTML they stand for.
_INLINE = {"hi": "em", "ref": "a", "lb": "br", "code": "code", "del": "s"}
_BOLD_RENDS = {"#b", "#strong"}
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
#: lxml refuses a str that declares its own encoding; the text is already decoded.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _inline(element: _Element) -> str:
    """An element's content as HTML; ``sanitize`` later strips whatever is not allowed."""
    parts = [escape(element.text or "", quote=False)]
    for child in element:
        tag = _INLINE.get(str(child.tag))
        if child.tag == "hi" and child.get("rend") in _BOLD_RENDS:
            tag = "strong"
        inner = _inline(child)
        if tag == "br":
            parts.append("<br>")
        elif tag == "a":
            parts.append(f'<a href="{escape(child.get("target", ""))}">{inner}</a>')
        elif tag:
            parts.append(f"<{tag}>{inner}</{tag}>")
        else:
            parts.append(inner)
        parts.append(escape(child.tail or "", quote=False))
    return "".join(parts)


def _href(element: _Element, base: str | None) -> str | None:
    ref = element.find(".//ref")
    return absolute(ref.get("target"), base) if ref is not None else None


def _blocks(body: _Element, base: str | None, found: Extracted) -> list[Block]:
    """trafilatura's body (TEI-like XML) as blocks; pictures become image references."""
    items: list[Block] = []
    for element in body:
        text = clean_line("".join(element.itertext()))
        if element.tag == "graphic":
            if src := absolute(element.get("src"), base):
                found.image_refs.append(src)
        elif not text:
            continue
        elif element.tag == "head":
            rank = (element.get("rend") or "")[-1:]
            level = min(4, max(2, int(rank) if rank.isdigit() else 2))
            items.append(Block(text, f"<h{level}>{_inline(element)}</h{level}>"))
        elif element.tag == "list":
            for item in element.iter("item"):
                if item_text := clean_line("".join(item.itertext())):
                    html = f"<ul><li>{_inline(item)}</li></ul>"
                    items.append(Block(item_text, html, _href(item, base)))
        elif element.tag == "quote":
            items.append(Block(text, f"<blockquote>{_inline(element)}</blockquote>"))
        elif element.tag == "p":
            items.append(Block(text, f"<p>{_inline(element)}</p>", _href(element, base)))
        else:
            items.append(Block(text))
    return items


def _published(content: str, tree: lxml.html.HtmlElement | None) -> datetime | None:
    """htmldate's publication date, with the time of day the page states for that date.

    htmldate reads meta tags and JSON-LD before the date in the URL, but from a
    ``<time datetime>`` element it keeps the day only; the page's own timestamp for
    that day restores the time and the zone.
    """
    try:
        found = find_date(
            content,
            original_date=True,
            extensive_search=False,
            deferred_url_extractor=True,
            outputformat=_DATE_FORMAT,
        )
    except (ValueError, TypeError):
        return None
    day = parse_datetime(found)
    if day is None or found is None or not found.endswith("T00:00:00"):
        return day
    for stamp in page.timestamps(tree):
        exact = parse_datetime(stamp)
        if exact is not None and exact.date() == day.date() and exact.time() != time(0):
            return exact
    return day


def _tree(content: str) -> lxml.html.HtmlElement | None:
    """The page as served, for what trafilatura does not report (``tasks.formats.page``)."""
    try:
        return lxml.html.document_fromstring(_XML_DECLARATION.sub("", content, count=1))
    except (ParserError, ValueError):
        return None


def read_html(content: str) -> Extracted:
    """An HTML page: main content, metadata and the boilerplate trafilatura dropped.

    Precision over recall: a newsroom would rather lose a marginal paragraph than publish
    a menu, and every block left out of the body is reported anyway.
    """
    document = bare_extraction(
        content,
        with_metadata=True,
        include_comments=False,
        include_images=True,
        include_links=True,
        include_formatting=True,
        include_tables=True,
        favor_precision=True,
    )
    if not isinstance(document, Document) or document.body is None:
        return Extracted()
    tree = _tree(content)
    url = document.url or page.json_ld(tree, "url", "mainEntityOfPage")
    found = Extracted(
        headline=clean_line(document.title or "") or None,
        provider=clean_line(document.sitename or document.hostname or "") or None,
        byline=clean_line(document.author or "") or None,
        url=url,
        published_at=_published(content, tree),
        description=clean_line(document.description or "") or page.json_ld(tree, "description"),
        image_refs=[
            ref for ref in [absolute(document.image or page.json_ld(tree, "image"), url)] if ref
        ],
    )
    items = _blocks(document.body, url, found)
    if items and found.headline and items[0].text == found.headline:
        items.pop(0)
    if tree is not None:
        found.subheadline = page.subheadline(tree)
        found.removed, found.related = page.chrome(tree, url)
    if items and found.subheadline and items[0].text == found.subheadline:
        items.pop(0)
    return sift(items, found)
