"""Reading the files a user points the CLI at into submissions."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.submission import ContentType, Submission
from tasks.formats.encoding import decode
from tasks.formats.feed import feed_items, is_feed, item_key

_SUFFIX_TYPES: dict[str, ContentType] = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".txt": "text",
}
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def expand(paths: list[str]) -> Iterator[Path | None]:
    """Each file named, every visible file of each directory named; ``-`` yields ``None``."""
    for name in paths:
        if name == "-":
            yield None
            continue
        path = Path(name)
        if path.is_dir():
            yield from sorted(
                p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
            )
        else:
            yield path


def read_content(path: Path | None) -> str:
    """The text of a file (or stdin), in whatever encoding it came (``tasks.formats.encoding``)."""
    data = sys.stdin.buffer.read() if path is None else path.read_bytes()
    return decode(data)[0]


def content_type_for(path: Path | None) -> ContentType:
    return _SUFFIX_TYPES.get(path.suffix.lower(), "auto") if path else "auto"


def id_for(path: Path) -> str:
    """A readable article id from a file name: ``lci-poutine-kiev.txt`` → ``lci-poutine-kiev``."""
    stem = _UNSAFE_ID_CHARS.sub("-", path.stem).strip("-._")[:120]
    return stem or "article"


@dataclass(frozen=True)
class Input:
    """One article to submit: a file, or one item of a feed file.

    A feed item has a stable ``id`` of its own, so the same item submitted again becomes
    a new version; a file only suggests its ``stem``, which ``newsflow run`` uses.
    """

    name: str
    content: str = ""
    content_type: ContentType = "auto"
    id: str | None = None
    stem: str | None = None
    error: OSError | None = None

    def submission(self, **overrides: Any) -> Submission:
        """The submission, with the producer's options given on the command line.

        Raises the ``OSError`` met reading the file, so callers report it like a refusal.
        """
        if self.error is not None:
            raise self.error
        given = {name: value for name, value in overrides.items() if value}
        fields = {"content": self.content, "content_type": self.content_type, "id": self.id}
        return Submission.model_validate(fields | given)


def read_inputs(paths: Iterable[str]) -> Iterator[Input]:
    """Every input named; an RSS or Atom feed file yields one JSON input per item."""
    for path in expand(list(paths)):
        name = "stdin" if path is None else str(path)
        try:
            content = read_content(path)
        except OSError as error:
            yield Input(name, error=error)
            continue
        base = id_for(path) if path else None
        if not is_feed(content):
            yield Input(name, content, content_type_for(path), stem=base)
            continue
        for index, item in enumerate(feed_items(content), start=1):
            item_id = f"{(base or 'feed')[:100]}-{item_key(item)}"
            content = json.dumps(item, ensure_ascii=False)
            yield Input(f"{name}#{index}", content, "json", item_id, stem=base)
