"""The body as HTML, through an allowlist: no script, style, event handler or foreign URL scheme."""

from __future__ import annotations

from html import escape
from operator import attrgetter

import nh3

from tasks.formats.extracted import Block

_TAGS = {
    "p", "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "a", "em", "strong", "b", "i",
    "br", "sub", "sup", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}}
#: The only characters nh3 does not give back as they were in escaped paragraph text (NUL
#: dropped, CR a line feed, no-break space ``&nbsp;``); tests/test_normalize_sanitize.py.
_REWRITTEN = ("\x00", "\r", "\u00a0")
#: What ``html.escape(text, quote=False)`` replaces.
_ESCAPED = ("&", "<", ">")
_HTML = attrgetter("html")
_TEXT = attrgetter("text")


def sanitize(html: str) -> str:
    """Markup reduced to the allowlist; links get ``rel="noopener noreferrer nofollow"``."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def body_html(blocks: list[Block]) -> str:
    """Each block's own markup where the source had some, else its text as a paragraph.

    List items come one block each, wrapped in their own list; adjacent lists are joined.
    Paragraphs made here from escaped text are what sanitizing them gives, unless they hold
    a character nh3 rewrites, so they skip it.
    """
    if list(map(_HTML, blocks)).count(None) == len(blocks):
        html = _paragraphs(list(map(_TEXT, blocks)))
        if not any(map(html.__contains__, _REWRITTEN)):
            return html
    else:
        html = "\n".join(block.html or _paragraph(block.text) for block in blocks)
    return sanitize(html.replace("</ul>\n<ul>", "\n"))


def _paragraphs(texts: list[str]) -> str:
    """Texts as paragraphs, escaped in one pass over them all when none needs escaping."""
    if not texts or any(map("\n".join(texts).__contains__, _ESCAPED)):
        return "\n".join(map(_paragraph, texts))
    return "<p>" + "</p>\n<p>".join(texts) + "</p>"


def _paragraph(text: str) -> str:
    return f"<p>{escape(text, quote=False)}</p>"
