"""Fetch an image without letting a reference reach what it should not (SSRF, bombs, hangs).

http(s) goes through httpx with a network backend that resolves the host itself,
refuses private, loopback and link-local addresses unless configured, and connects to
the very address it checked (TLS still verifies and sends the original host name).
Redirects are followed by hand, so every hop is checked again. ``data:`` URIs are
decoded in memory and ``file://`` references are read only under configured directories.
"""

from __future__ import annotations

import base64
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes, urljoin, urlsplit
from urllib.request import url2pathname

import certifi
import httpcore
import httpx
import structlog

from tasks.images.config import FetchLimits
from tasks.images.errors import ImageRefused

logger = structlog.get_logger("newsflow.images")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Statuses worth another try: the server may well answer next time.
_TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_ACCEPT = "image/webp,image/jpeg,image/png,image/gif;q=0.9,*/*;q=0.1"


class _Transient(Exception):
    """A failure that another attempt may not repeat: timeouts, resets, 5xx, 429."""


@dataclass(frozen=True)
class Fetched:
    """The image bytes as received, before anything trusts them."""

    data: bytes
    content_type: str | None
    url: str


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address hidden in an IPv4-mapped or 6to4 IPv6 address, if any."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour or address
    return address


class AddressGuard:
    """Decides which peer addresses a connection may reach."""

    def __init__(self, limits: FetchLimits) -> None:
        self._limits = limits

    def check(self, host: str, port: int, address: str) -> None:
        """Refuse ``address`` unless it is public, or private use is allowed for this host."""
        if self._limits.allow_private or f"{host}:{port}" in self._limits.allow_hosts:
            return
        ip = _unwrap(ipaddress.ip_address(address.split("%", 1)[0]))
        if not ip.is_global or ip.is_multicast:
            raise ImageRefused(
                f"{host} resolves to {ip}, a private, loopback, link-local or reserved address"
            )

    def resolve(self, host: str, port: int) -> list[str]:
        """Every address of ``host``; all must pass, so a mixed answer cannot slip through."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise ImageRefused(f"cannot resolve {host}: {error}") from error
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            self.check(host, port, address)
        return addresses


class GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses the guard accepted, and checks the connected peer again."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        error: httpcore.ConnectError | None = None
        for address in self._guard.resolve(host, port):
            try:
                stream = super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as failed:
                error = failed
                continue
            peer = stream.get_extra_info("socket").getpeername()[0]
            try:
                self._guard.check(host, port, peer)
            except ImageRefused:
                stream.close()
                raise
            return stream
        raise error or httpcore.ConnectError(f"no address for {host}")


@cache
def _tls_context() -> ssl.SSLContext:
    """One verifying context per process: loading the CA bundle costs about 40 ms of CPU,
    which every stage run paid, image or not, when each fetcher built its own."""
    return ssl.create_default_context(cafile=certifi.where())


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool built on the guarded backend."""

    def __init__(self, guard: AddressGuard) -> None:
        # The shared context: httpx would otherwise load the CA bundle for a pool it discards.
        super().__init__(verify=_tls_context(), retries=0)
        # httpx has no public hook for a network backend, so its pool is replaced as built.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context(),
            max_connections=4,
            network_backend=GuardedBackend(guard),
        )


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError as error:
        raise ImageRefused(f"invalid URL: {error}") from error


def _media_type(value: str | None) -> str | None:
    return value.split(";", 1)[0].strip().lower() or None if value else None


def _check_media_type(media_type: str | None) -> None:
    """Only images (and anonymous bytes, sniffed later) are read; SVG can carry scripts."""
    if media_type is None or media_type == "application/octet-stream":
        return
    if media_type == "image/svg+xml":
        raise ImageRefused("SVG is not accepted (vector images may carry scripts)")
    if not media_type.startswith("image/"):
        raise ImageRefused(f"content type {media_type} is not an image")


class Fetcher:
    """Fetches image references under one set of limits; a context manager for its client."""

    def __init__(self, limits: FetchLimits, sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits = limits
        self._sleep = sleep
        # One budget for every fetch of this stage run, so it ends within its time limit.
        self._deadline = time.monotonic() + limits.time_budget
        self._client = httpx.Client(
            transport=GuardedTransport(AddressGuard(limits)),
            timeout=httpx.Timeout(
                limits.read_timeout, connect=limits.connect_timeout, pool=limits.connect_timeout
            ),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address guard
            headers={"User-Agent": limits.user_agent, "Accept": _ACCEPT},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def _remaining(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise ImageRefused(f"the {self.limits.time_budget:g} s image time budget is spent")
        return left

    def fetch(self, href: str) -> Fetched:
        """The bytes behind ``href``, or ``ImageRefused`` with the reason."""
        scheme = _scheme(href)
        if scheme == "data":
            return self._data(href)
        if scheme == "file":
            return self._file(href)
        if scheme in ("http", "https"):
            return self._http(href)
        raise ImageRefused(f"scheme {scheme or '(none)'!r} is not fetched")

    def _http(self, url: str) -> Fetched:
        """Bounded retries with exponential backoff for transient failures only."""
        attempt = 1
        while True:
            try:
                return self._follow(url)
            except _Transient as error:
                if attempt > self.limits.retries:
                    raise ImageRefused(f"{error} (gave up after {attempt} attempts)") from error
                delay = self.limits.retry_delay * 2 ** (attempt - 1)
                logger.info("image.fetch_retry", url=url, error=str(error), retry_in_s=delay)
                self._sleep(min(delay, self._remaining()))
                attempt += 1

    def _follow(self, url: str) -> Fetched:
        seen: set[str] = set()
        for _ in range(self.limits.max_redirects + 1):
            if _scheme(url) not in ("http", "https"):
                raise ImageRefused(f"redirected to a non-http(s) URL: {url[:200]}")
            seen.add(url)
            left = self._remaining()
            timeout = httpx.Timeout(
                min(self.limits.read_timeout, left), connect=min(self.limits.connect_timeout, left)
            )
            try:
                with self._client.stream("GET", url, timeout=timeout) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise ImageRefused(f"HTTP {response.status_code} without a Location")
                        url = urljoin(url, location)
                        if url in seen:
                            raise ImageRefused(f"redirect loop at {url[:200]}")
                        continue
                    return self._read(response, url)
            except httpx.TimeoutException as error:
                raise _Transient(f"timed out ({type(error).__name__})") from error
            except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
                raise _Transient(f"network error: {error}") from error
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as error:
                raise ImageRefused(f"invalid URL: {error}") from error
        raise ImageRefused(f"more than {self.limits.max_redirects} redirects")

    def _read(self, response: httpx.Response, url: str) -> Fetched:
        status = response.status_code
        if status in _TRANSIENT_STATUSES:
            raise _Transient(f"HTTP {status}")
        if status != 200:
            raise ImageRefused(f"HTTP {status}")
        media_type = _media_type(response.headers.get("content-type"))
        _check_media_type(media_type)
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.limits.max_bytes:
            raise ImageRefused(f"{length} bytes announced, more than {self.limits.max_bytes}")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise ImageRefused(f"more than {self.limits.max_bytes} bytes")
            chunks.append(chunk)
            self._remaining()
        return Fetched(b"".join(chunks), media_type, url)

    def _data(self, href: str) -> Fetched:
        header, comma, payload = href[5:].partition(",")
        if not comma:
            raise ImageRefused("malformed data: URI")
        parameters = header.split(";")
        media_type = parameters[0].strip().lower() or None
        _check_media_type(media_type)
        if len(payload) * 3 // 4 > self.limits.max_bytes:
            raise ImageRefused(f"data: URI holds more than {self.limits.max_bytes} bytes")
        try:
            if "base64" in (p.strip().lower() for p in parameters[1:]):
                data = base64.b64decode(unquote_to_bytes(payload), validate=True)
            else:
                data = unquote_to_bytes(payload)
        except ValueError as error:
            raise ImageRefused(f"malformed data: URI: {error}") from error
        return Fetched(data, media_type, "data:")

    def _file(self, href: str) -> Fetched:
        parts = urlsplit(href)
        if parts.netloc not in ("", "localhost"):
            raise ImageRefused("file:// URIs on another host are not read")
        try:
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError) as error:
            raise ImageRefused(f"no such file: {parts.path}") from error
        allowed = [Path(d).resolve() for d in self.limits.file_dirs]
        if not any(path.is_relative_to(directory) for directory in allowed):
            raise ImageRefused(f"{path} is outside the directories images may be read from")
        if not path.is_file():
            raise ImageRefused(f"{path} is not a regular file")
        with path.open("rb") as file:
            data = file.read(self.limits.max_bytes + 1)
        if len(data) > self.limits.max_bytes:
            raise ImageRefused(f"{path} is larger than {self.limits.max_bytes} bytes")
        return Fetched(data, None, path.as_uri())
