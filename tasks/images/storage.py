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
        """Store ``data`` under ``key``; a file already holding ``data`` is left alone.

        A new key (every title card, every new image) is written in place: open with
        ``O_EXCL``, write, close, with no temporary file, ``stat`` or rename, which halved
        the cost of a title card's three files. An existing key that holds other bytes (a
        write cut short, a changed encoder) is replaced atomically. Either way, the href is
        returned only once the file holds exactly ``data``, so no published href points to
        half a file.
        """
        if not _KEY.match(key):
            raise ValueError(f"unsafe storage key {key!r}")
        path = os.path.join(self.root, key)
        try:
            _create(path, data)
        except FileExistsError:
            if not _holds(path, data):
                _write_atomically(path, data)
        return self.base_url + quote(key)


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_MODE = 0o644  # readable by the web server


def _umask_may_strip_mode() -> bool:
    """Whether this process's umask takes bits off ``_MODE``, so that each new file needs an
    ``fchmod``: a system call per file that the usual umask (022) makes needless.

    Read from ``/proc``: ``os.umask`` can only read it by changing it, which would race with
    other threads' files. Without ``/proc``, assume it may.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return bool(int(line.split()[1], 8) & _MODE)
    except (OSError, ValueError):
        pass
    return True


_CHMOD_NEEDED = _umask_may_strip_mode()


def _open_new(path: str) -> int:
    """A new file at ``path``, its directory made when missing (one ``mkdir`` at most)."""
    try:
        handle = os.open(path, _NEW_FILE, _MODE)
    except FileNotFoundError:
        directory = os.path.dirname(path)
        try:
            os.mkdir(directory)
        except FileNotFoundError:
            os.makedirs(directory, exist_ok=True)
        except FileExistsError:
            pass  # made meanwhile by another worker
        handle = os.open(path, _NEW_FILE, _MODE)
    if _CHMOD_NEEDED:
        os.fchmod(handle, _MODE)
    return handle


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def _create(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``, which must not exist yet.

    A write cut short leaves a short file, never published: the next ``put`` of the key
    finds it different and replaces it. It is not unlinked here, since by then another
    worker may have renamed a whole file into its place.
    """
    handle = _open_new(path)
    try:
        _write_all(handle, data)
    finally:
        os.close(handle)


def _write_atomically(path: str, data: bytes) -> None:
    """Write a temporary file beside ``path``, then rename it over ``path``.

    The temporary name is unique per process and call (``O_EXCL`` refuses a leftover).
    """
    temporary = os.path.join(os.path.dirname(path), f".tmp-{os.getpid()}-{next(_SEQUENCE)}")
    try:
        _create(temporary, data)
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
