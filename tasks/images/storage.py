"""Where renditions are written: a local directory now, object storage later, same interface."""

from __future__ import annotations

import os
import re
import tempfile
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
        self.base_url = base_url.rstrip("/") + "/" if base_url else None

    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Write atomically, so a reader never sees half a file; the same key is overwritten."""
        if not _KEY.match(key):
            raise ValueError(f"unsafe storage key {key!r}")
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if not (path.is_file() and path.read_bytes() == data):
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        return self.base_url + quote(key) if self.base_url else path.as_uri()


def open_storage(config: ImageConfig) -> Storage:
    """The configured backend; only the local directory exists so far."""
    return LocalStorage(config.media_dir, config.media_base_url)
