"""What trafilatura does not report about a page: sub-headline, chrome it dropped, related links.

These look only at class names, ids and tags of the page as served; main-content
extraction itself is trafilatura's job (``tasks.formats.html``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

from schemas import RelatedLink, RemovedBlock
from schemas.article import RemovedKind
from tasks.formats.boilerplate import classify, is_related_marker
from tasks.formats.urls import absolute
from tasks.text import clean_line

_TOKEN = re.compile(r"[\s_-]+")
#: JSON-LD types that describe the article itself, not the site or its publisher.
_ARTICLE_TYPE = re.compile(r"Article|BlogPosting|Report|LiveBlogPosting")
#: Class-name words publishers use for the line under the headline.
_SUBHEADLINE_CLASSES = frozenset(
    [
        "standfirst",
        "subtitle",
        "subheadline",
        "subhead",
        "dek",
        "deck",
        "chapo",
        "chapeau",
        "lede",
        "lead",
        "intro",
        "entradilla",
        "sumario",
        "bajada",
        "vorspann",
        "desc",
    ]
)
_SUBHEADLINE_TAGS = frozenset({"p", "h2", "div", "span"})
_SUBHEADLINE_CHARS = (20, 400)
#: Class or id words that mark a page block as chrome: whole words for the short ones,
#: parts of words for the distinctive ones (``jp-relatedposts``, ``sharedaddy``).
_CHROME_WORDS: dict[str, RemovedKind] = {
    **dict.fromkeys(["ad", "ads", "dfp"], "advertisement"),
    "cmp": "cookie",
}
_CHROME_PARTS: tuple[tuple[str, RemovedKind], ...] = (
    ("cookie", "cookie"),
    ("consent", "cookie"),
    ("gdpr", "cookie"),
    ("newsletter", "newsletter"),
    ("signup", "newsletter"),
    ("share", "share"),
    ("sharing", "share"),
    ("social", "share"),
    ("related", "related"),
    ("relacionad", "related"),
    ("verwandt", "related"),
    ("empfehl", "related"),
    ("recomend", "related"),
    ("recommend", "related"),
    ("readmore", "related"),
    ("mostread", "related"),
    ("outbrain", "related"),
    ("taboola", "related"),
    ("advert", "advertisement"),
    ("sponsor", "advertisement"),
)
#: Chrome is short; a long block with such a class wraps the article (``subscriber-content``),
#: unless most of its text is links (a long list of related articles).
_MAX_CHROME_CHARS = 1500
_LINK_LIST_SHARE = 0.6
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_TEXT_BLOCKS = frozenset({"p", "div", "span", "li", "section", "aside"})
_CONTAINERS = frozenset({"html", "body", "main", "article"})


def _tokens(element: HtmlElement) -> set[str]:
    names = f"{element.get('class', '')} {element.get('id', '')}".casefold()
    return {token for token in _TOKEN.split(names) if token}


def _text(element: HtmlElement) -> str:
    """Text with a space between elements, so ``<a>Home</a><a>News</a>`` reads as two words."""
    return clean_line(" ".join(element.itertext()))


def subheadline(tree: HtmlElement) -> str | None:
    """The first short block whose class says it is the standfirst, dek or chapô."""
    for element in tree.iter(*_SUBHEADLINE_TAGS):
        if _tokens(element) & _SUBHEADLINE_CLASSES:
            text = _text(element)
            if _SUBHEADLINE_CHARS[0] <= len(text) <= _SUBHEADLINE_CHARS[1]:
                return text
    return None


def _json_ld(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every object of the page's JSON-LD blocks, ``@graph`` members included."""
    for script in tree.iter("script"):
        if script.get("type", "").casefold() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                yield item
                yield from (g for g in item.get("@graph", []) if isinstance(g, dict))


def _plain(value: Any) -> str | None:
    """A JSON-LD value as one string: the first of a list, the ``url`` or ``@id`` of an object."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    return clean_line(value) or None if isinstance(value, str) else None


def json_ld(tree: HtmlElement | None, *names: str) -> str | None:
    """The first of ``names`` that a JSON-LD object of the page has, as a string.

    trafilatura reads headline, author, publisher and dates from JSON-LD but not the URL,
    description or image, which some pages give nowhere else.
    """
    for item in _json_ld(tree) if tree is not None else ():
        if not _ARTICLE_TYPE.search(str(item.get("@type", ""))):
            continue
        for name in names:
            if value := _plain(item.get(name)):
                return value
    return None


def timestamps(tree: HtmlElement | None) -> Iterator[str]:
    """Machine-readable publication times: ``datePublished`` and ``<time datetime>``."""
    if tree is None:
        return
    for element in tree.iter("meta", "time"):
        if element.tag == "time" and element.get("datetime"):
            yield element.get("datetime", "")
        elif "published" in (element.get("itemprop") or element.get("property") or "").casefold():
            yield element.get("content", "")
    for item in _json_ld(tree):
        if isinstance(item.get("datePublished"), str):
            yield item["datePublished"]


def _kind(element: HtmlElement) -> RemovedKind | None:
    """Chrome by tag, by class or id, or by what a short block says (``Share this``)."""
    if element.tag == "nav":
        return "navigation"
    if element.tag in _CONTAINERS or element.find(".//h1") is not None:
        return None
    tokens = _tokens(element)
    if kind := next((_CHROME_WORDS[t] for t in sorted(tokens) if t in _CHROME_WORDS), None):
        return kind
    if kind := next((k for part, k in _CHROME_PARTS if any(part in t for t in tokens)), None):
        return kind
    return classify(_text(element)) if element.tag in _TEXT_BLOCKS else None


def _is_chrome_sized(element: HtmlElement, kind: RemovedKind) -> bool:
    """Menus and link lists are chrome at any length; other blocks only when short."""
    text = _text(element)
    if kind == "navigation" or len(text) <= _MAX_CHROME_CHARS:
        return True
    linked = sum(len(_text(link)) for link in element.iter("a"))
    return linked > len(text) * _LINK_LIST_SHARE


def _links(elements: list[HtmlElement], base: str | None) -> list[RelatedLink]:
    related = []
    for element in elements:
        for link in element.iter("a"):
            title, url = _text(link), absolute(link.get("href"), base)
            if title and url:
                related.append(RelatedLink(title=title, url=url))
    return related


def _teasers(heading: HtmlElement) -> list[HtmlElement]:
    """What follows a ``Read also`` heading, up to the next heading or other chrome."""
    teasers = []
    for sibling in heading.itersiblings():
        if sibling.tag in _HEADINGS or _kind(sibling) not in (None, "related"):
            break
        teasers.append(sibling)
    return teasers


def chrome(tree: HtmlElement, base: str | None) -> tuple[list[RemovedBlock], list[RelatedLink]]:
    """Outermost chrome blocks with their text, and the links of related-article blocks."""
    removed: list[RemovedBlock] = []
    related: list[RelatedLink] = []
    skip: set[HtmlElement] = set()
    for element in tree.iter():
        if not isinstance(element.tag, str) or element in skip:
            continue
        kind: RemovedKind | None = None
        if element.tag in _HEADINGS and is_related_marker(_text(element)):
            kind, block = "related", [element, *_teasers(element)]
        elif (kind := _kind(element)) and _is_chrome_sized(element, kind):
            block = [element]
        else:
            continue
        for part in block:
            skip.update(part.iter())
        if text := " ".join(_text(part) for part in block).strip():
            removed.append(RemovedBlock(kind=kind, text=text))
        if kind == "related":
            related.extend(_links(block, base))
    return removed, related
