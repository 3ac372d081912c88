"""Format readers: text scrapes, HTML pages, Markdown, JSON and feeds, one module each.

Every reader returns the same ``Extracted`` fields; ``READERS`` maps an ingest content
type to its reader.
"""

from collections.abc import Callable

from tasks.formats.extracted import Block, Extracted
from tasks.formats.html import read_html
from tasks.formats.jsondoc import read_json
from tasks.formats.markdown import read_markdown
from tasks.formats.text import read_text

READERS: dict[str, Callable[[str], Extracted]] = {
    "text": read_text,
    "markdown": read_markdown,
    "html": read_html,
    "json": read_json,
}

__all__ = ["READERS", "Block", "Extracted"]
