"""What trafilatura does not report about a page: sub-headline, chrome it dropped, related links.

These look only at class names, ids and tags of the page as served; main-content
extraction itself is trafilatura's job (``tasks.formats.html``).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from schemas import RelatedLink, RemovedBlock
from schemas.article import RemovedKind
from tasks.formats.urls import absolute
from tasks.text import clean_line

_TOKEN = re.compile(r"[\s_-]+")
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
    ]
)
_SUBHEADLINE_TAGS = frozenset({"p", "h2", "div", "span"})
_SUBHEADLINE_CHARS = (20, 400)
#: Class or id words that mark a page block as chrome, by kind of removed block.
_CHROME: dict[str, RemovedKind] = {
    **dict.fromkeys(["cookie", "cookies", "consent", "gdpr", "cmp"], "cookie"),
    **dict.fromkeys(["newsletter", "subscribe", "signup", "subscription"], "newsletter"),
    **dict.fromkeys(["share", "sharing", "social", "sharebar"], "share"),
    **dict.fromkeys(
        [
            "related",
            "recommended",
            "recommendations",
            "mostread",
            "readmore",
            "outbrain",
            "taboola",
        ],
        "related",
    ),
    **dict.fromkeys(
        ["ad", "ads", "advert", "advertisement", "sponsor", "sponsored", "promo"], "advertisement"
    ),
}
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


def _kind(element: HtmlElement) -> RemovedKind | None:
    if element.tag == "nav":
        return "navigation"
    if element.tag in _CONTAINERS or element.find(".//h1") is not None:
        return None
    return next((_CHROME[t] for t in sorted(_tokens(element)) if t in _CHROME), None)


def chrome(tree: HtmlElement, base: str | None) -> tuple[list[RemovedBlock], list[RelatedLink]]:
    """Outermost chrome blocks with their text, and the links of related-article blocks."""
    removed: list[RemovedBlock] = []
    related: list[RelatedLink] = []
    skip: set[HtmlElement] = set()
    for element in tree.iter():
        if not isinstance(element.tag, str) or element in skip:
            continue
        kind = _kind(element)
        if kind is None:
            continue
        skip.update(element.iterdescendants())
        if text := _text(element):
            removed.append(RemovedBlock(kind=kind, text=text))
        if kind == "related":
            for link in element.iter("a"):
                title, url = _text(link), absolute(link.get("href"), base)
                if title and url:
                    related.append(RelatedLink(title=title, url=url))
    return removed, related
