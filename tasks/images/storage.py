"""Where renditions are written: a local directory now, object storage later, same interface."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from tasks.images.config import ImageConfig

_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")


class Storage(Protocol):
    """Stores a file under a content-derived key and tells the URL subscribers will use."""

    def put(self, key: str, data: bytes, content_type: str) -> str: ...


class LocalStorage:
    """Files under ``root``; hrefs under ``base_url``, or the files' own ``file://`` URIs."""

    def __init__(self, root: Path, base_url: str | None = None) -> None:
        self.root = root.resolve()
        self.base_url = base_url.rstrip("/") + "/" if base_url else self.root.as_uri() + "/"

    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Write atomically, so a reader never sees half a file; the same key is overwritten.

        A file already holding ``data`` is left alone: re-runs and shared images cost one
        ``stat`` and one read, which matters for title cards written for every text article.
        """
        if not _KEY.match(key):
            raise ValueError(f"unsafe storage key {key!r}")
        path = os.path.join(self.root, key)
        if not _holds(path, data):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        return self.base_url + quote(key)


def _holds(path: str, data: bytes) -> bool:
    """Whether ``path`` is a regular file with exactly ``data`` in it."""
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode) or status.st_size != len(data):
            return False
        with open(path, "rb") as file:
            return file.read() == data
    except OSError:
        return False


def open_storage(config: ImageConfig) -> Storage:
    """The configured backend; only the local directory exists so far."""
    return _local_storage(Path(os.getcwd(), config.media_dir), config.media_base_url)


@lru_cache(maxsize=32)
def _local_storage(root: Path, base_url: str | None) -> LocalStorage:
    """One per directory: resolving it cost as much as writing a title card's files."""
    return LocalStorage(root, base_url)
