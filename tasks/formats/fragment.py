"""HTML fragments (a JSON body, a feed item): already the article, so no extraction needed."""

from __future__ import annotations

import lxml.html
from lxml.etree import ParserError

from tasks.formats.boilerplate import sift
from tasks.formats.extracted import Block, Extracted
from tasks.formats.sanitize import sanitize
from tasks.formats.urls import absolute
from tasks.text import clean_blocks, clean_line

_BLOCK_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "nav", "form", "button"})


def _blocks(root: lxml.html.HtmlElement, base: str | None, found: Extracted) -> list[Block]:
    """Outermost block elements in document order, each with its sanitized markup."""
    for element in list(root.iter(*_SKIP_TAGS)):
        element.drop_tree()
    for image in root.iter("img"):
        if src := absolute(image.get("src"), base):
            found.image_refs.append(src)
    for line_break in root.iter("br"):
        line_break.tail = "\n" + (line_break.tail or "")
    items: list[Block] = []
    for element in root.iter(*_BLOCK_TAGS):
        if next(element.iterancestors(*_BLOCK_TAGS), None) is not None:
            continue
        if text := clean_line(element.text_content()):
            link = element.find(".//a[@href]")
            href = absolute(link.get("href"), base) if link is not None else None
            html = sanitize(lxml.html.tostring(element, encoding="unicode", with_tail=False))
            items.append(Block(text, f"<ul>{html}</ul>" if element.tag == "li" else html, href))
    return items


def read_fragment(content: str, base: str | None = None) -> Extracted:
    """Paragraphs of an HTML fragment, boilerplate sifted out as for a page.

    A fragment with no block element (a feed summary) is split at blank lines and ``<br>``s.
    """
    found = Extracted()
    try:
        root = lxml.html.fragment_fromstring(content, create_parent="div")
    except (ParserError, ValueError):
        return sift([Block(text) for text in clean_blocks(content)], found)
    items = _blocks(root, base, found)
    if not items:
        items = [Block(text) for text in clean_blocks(root.text_content())]
    return sift(items, found)
