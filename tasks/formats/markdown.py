"""Markdown: the first ``#`` heading is the headline, images become image references."""

from __future__ import annotations

import re

from tasks.formats.boilerplate import sift
from tasks.formats.extracted import Block, Extracted
from tasks.formats.text import promote_bold_headline
from tasks.text import blocks, clean, strip_emphasis

_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(\s*<?([^)\s>]*)>?[^)]*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
_LIST_MARK = re.compile(r"^(?:[-*+]|\d+[.)])\s+")


def _block(text: str) -> Block:
    """A block with its links as plain words; the first link target kept for teasers."""
    link = _LINK.search(text)
    plain = _LIST_MARK.sub("", _LINK.sub(r"\1", text))
    return Block(plain, href=(link.group(2) or None) if link else None)


def _separate(text: str) -> str:
    """Headings and list items as blocks of their own, even with no blank line around them."""
    lines = []
    for line in text.split("\n"):
        if heading := _HEADING.match(line):
            lines.append(f"\n{heading.group(2)}\n")
        elif _LIST_MARK.match(line):
            lines.append(f"\n{line}\n")
        else:
            lines.append(line)
    return "\n".join(lines)


def read_markdown(content: str) -> Extracted:
    text = clean(content)
    found = Extracted(image_refs=[src for _, src in _IMAGE.findall(text)])
    text = _IMAGE.sub("", text)
    heading = _HEADING.search(text)
    if heading and heading.group(1) == "#":
        found.headline = strip_emphasis(heading.group(2))
        text = text[: heading.start()] + text[heading.end() :]
    return promote_bold_headline(sift([_block(item) for item in blocks(_separate(text))], found))
