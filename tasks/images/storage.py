"""Where renditions are written: a local directory now, object storage later, same interface."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import stat
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from tasks.images.config import ImageConfig

#: Numbers the temporary files of this process.
_SEQUENCE = itertools.count()
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
            _write_atomically(path, data)
        return self.base_url + quote(key)


def _write_atomically(path: str, data: bytes) -> None:
    """Write a temporary file beside ``path``, then rename it over ``path``.

    The temporary name is unique per process and call (``O_EXCL`` refuses a leftover), and
    the directory is made only when the file cannot be created without it: cheaper than
    ``tempfile.mkstemp`` and ``makedirs`` on every call, for a file written per article.
    """
    directory = os.path.dirname(path)
    temporary = os.path.join(directory, f".tmp-{os.getpid()}-{next(_SEQUENCE)}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        handle = os.open(temporary, flags, 0o644)
    except FileNotFoundError:
        os.makedirs(directory, exist_ok=True)
        handle = os.open(temporary, flags, 0o644)
    try:
        with os.fdopen(handle, "wb") as file:
            os.fchmod(file.fileno(), 0o644)  # readable by the web server, whatever the umask
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


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
