"""Plain-text scrapes like the seed: ``Title|Source`` line, placeholders, a bold headline."""

from __future__ import annotations

from operator import attrgetter

from tasks.formats.boilerplate import sift
from tasks.formats.extracted import Block, Extracted
from tasks.text import clean_blocks, has_emphasis, strip_emphasis

_TEXT = attrgetter("text")

_MAX_PROVIDER_LENGTH = 60


def _is_bold(text: str) -> bool:
    return len(text) > 4 and text.startswith("**") and text.endswith("**")


def promote_bold_headline(found: Extracted) -> Extracted:
    """A bold first block is the headline, or the sub-headline when it adds to a known one."""
    if found.blocks and _is_bold(found.blocks[0].text):
        bold = strip_emphasis(found.blocks.pop(0).text)
        if found.headline and not bold.startswith(found.headline):
            found.subheadline = bold
        else:
            found.headline = bold
    if has_emphasis("\n".join(map(_TEXT, found.blocks))):  # one check, not one per block
        for block in found.blocks:
            block.text = strip_emphasis(block.text)
    return found


def read_text(content: str) -> Extracted:
    """A plain-text scrape; an optional first line ``Title|Source`` names the provider."""
    items = clean_blocks(content)
    found = Extracted()
    if items and "|" in items[0]:
        title, _, provider = items[0].rpartition("|")
        if title.strip() and 0 < len(provider.strip()) <= _MAX_PROVIDER_LENGTH:
            found.headline, found.provider = strip_emphasis(title).strip(), provider.strip()
            items = items[1:]
    return promote_bold_headline(sift([Block(text) for text in items], found))
