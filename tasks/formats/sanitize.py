"""The body as HTML, through an allowlist: no script, style, event handler or foreign URL scheme."""

from __future__ import annotations

from html import escape

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
    html = "\n".join(block.html or f"<p>{escape(block.text, quote=False)}</p>" for block in blocks)
    if all(block.html is None for block in blocks) and not any(map(html.__contains__, _REWRITTEN)):
        return html
    return sanitize(html.replace("</ul>\n<ul>", "\n"))
