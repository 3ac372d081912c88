"""Reading the files a user points the CLI at into submissions."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

from schemas.submission import ContentType

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
    """The text of a file (or stdin), UTF-8 with a Windows-1252 fallback."""
    data = sys.stdin.buffer.read() if path is None else path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def content_type_for(path: Path | None) -> ContentType:
    return _SUFFIX_TYPES.get(path.suffix.lower(), "auto") if path else "auto"


def id_for(path: Path) -> str:
    """A readable article id from a file name: ``lci-poutine-kiev.txt`` → ``lci-poutine-kiev``."""
    stem = _UNSAFE_ID_CHARS.sub("-", path.stem).strip("-._")[:120]
    return stem or "article"
