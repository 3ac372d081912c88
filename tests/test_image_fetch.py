"""Safe fetch and safe decode, against a local server that serves real images and misbehaves."""

from __future__ import annotations

import base64
import io
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpcore
import pytest
from PIL import Image

from schemas.thumbnail import FocalPoint
from tasks.images.config import DEFAULT_RENDITIONS, FetchLimits, ImageConfig, RenditionSpec
from tasks.images.decode import decode
from tasks.images.discover import Candidate
from tasks.images.errors import ImageRefused
from tasks.images.fetch import AddressGuard, Fetcher
from tasks.images.process import render_image
from tasks.images.renditions import crop_box
from tasks.images.storage import open_storage
from tests import images
from tests.images import ImageServer, Route


@pytest.fixture(scope="module")
def server() -> Iterator[ImageServer]:
    routes = images.standard_routes()
    routes["/unavailable.jpg"] = Route(status=503, content_type="text/plain")
    with images.serve(routes) as state:
        yield state


def limits(server: ImageServer, **overrides: Any) -> FetchLimits:
    options: dict[str, Any] = {
        "allow_hosts": server.allow,
        "retries": 0,
        "connect_timeout": 2.0,
        "read_timeout": 0.5,
    }
    return FetchLimits(**{**options, **overrides})


def fetch(href: str, fetch_limits: FetchLimits) -> bytes:
    with Fetcher(fetch_limits) as fetcher:
        return fetcher.fetch(href).data


def colour_distance(colour: str | tuple[int, ...], rgb: tuple[int, int, int]) -> float:
    """Euclidean RGB distance; ``colour`` as ``#rrggbb`` or a pixel."""
    values = [int(colour[i : i + 2], 16) for i in (1, 3, 5)] if isinstance(colour, str) else colour
    return float(sum((a - b) ** 2 for a, b in zip(values, rgb, strict=True)) ** 0.5)


OK_CASES = [
    ("/photo.jpg", 800, 600, "image/jpeg", (70, 90, 110)),
    ("/alpha.png", 400, 300, "image/png", images.RED),
    ("/blue.webp", 640, 480, "image/webp", images.BLUE),
    ("/anim.gif", 300, 200, "image/gif", images.GREEN),
    ("/cmyk.jpg", 500, 400, "image/jpeg", (225, 31, 31)),  # CMYK (0, 220, 220, 30)
    ("/rotated.jpg", 400, 600, "image/jpeg", None),
    ("/mislabelled.png", 800, 600, "image/jpeg", (70, 90, 110)),
    ("/octets", 640, 480, "image/webp", images.BLUE),
    ("/hop", 800, 600, "image/jpeg", (70, 90, 110)),
]


@pytest.mark.parametrize(("path", "width", "height", "mimetype", "colour"), OK_CASES)
def test_image_is_fetched_described_and_rendered(
    server: ImageServer,
    tmp_path: Path,
    path: str,
    width: int,
    height: int,
    mimetype: str,
    colour: tuple[int, int, int] | None,
) -> None:
    config = ImageConfig(media_dir=tmp_path, fetch=limits(server))
    data = fetch(server.url(path), config.fetch)
    info = render_image(
        data, Candidate(server.url(path)), "Headline", None, config, open_storage(config)
    )
    assert (info.status, info.width, info.height, info.mimetype) == ("ok", width, height, mimetype)
    assert info.bytes == len(data) and info.href == server.url(path)
    assert info.phash and len(info.phash) == 16
    assert info.blurhash and len(info.blurhash) == 28  # 4×3 components
    assert info.alt_text == "Headline"
    if colour:
        assert info.dominant_color and colour_distance(info.dominant_color, colour) < 60
    assert [(r.name, r.mimetype) for r in info.renditions] == [
        ("social", "image/jpeg"),
        ("card", "image/webp"),
        ("square", "image/webp"),
    ]
    targets = {spec.name: spec for spec in config.renditions}
    for rendition in info.renditions:
        file = Path(urlsplit(rendition.href).path)
        assert file.is_relative_to(tmp_path) and file.stat().st_size == rendition.bytes
        with Image.open(file) as written:
            assert written.size == (rendition.width, rendition.height)
            assert written.get_format_mimetype() == rendition.mimetype
            assert not written.getexif() and "icc_profile" not in written.info
            assert written.mode == "RGB"
        spec = targets[rendition.name]
        crop = crop_box(
            (width, height), spec.width / spec.height, FocalPoint(x=0.5, y=0.5, source="center")
        )
        assert rendition.width == min(spec.width, crop[2] - crop[0])
        assert abs(rendition.width / rendition.height - spec.width / spec.height) < 0.02


def test_exif_orientation_is_applied_and_metadata_stripped(server: ImageServer) -> None:
    data = fetch(server.url("/rotated.jpg"), limits(server))
    with Image.open(io.BytesIO(data)) as original:
        assert original.size == (600, 400) and original.getexif()[0x0112] == 6
    decoded = decode(data, max_pixels=10**7, min_side=10, renditions=DEFAULT_RENDITIONS)
    assert decoded.image.size == (400, 600)
    top, bottom = decoded.image.getpixel((200, 20)), decoded.image.getpixel((200, 580))
    assert colour_distance(top, images.RED) < 40  # the left half, turned
    assert colour_distance(bottom, images.BLUE) < 40
    assert not decoded.image.info


def test_jpeg_decodes_at_the_smallest_dct_scale_that_fills_every_rendition() -> None:
    photo = images.jpeg((3200, 2400))
    decoded = decode(photo, max_pixels=10**8, min_side=10, renditions=DEFAULT_RENDITIONS)
    assert (decoded.width, decoded.height) == (3200, 2400)
    assert decoded.image.size == (1200, 900)  # 3/8: social's 1200 columns, exactly
    wide = (RenditionSpec("hero", 800, 200),)
    assert decode(photo, 10**8, 10, wide).image.size == (800, 600)
    lead = decode(images.jpeg((1600, 1067)), 10**8, 10, DEFAULT_RENDITIONS)
    assert lead.image.size == (1200, 801)  # 3/4, so the social rendition is a plain crop
    cmyk = decode(images.cmyk_jpeg(), 10**8, 10, (RenditionSpec("small", 100, 80),))
    assert (cmyk.image.size, cmyk.image.mode) == ((125, 100), "RGB")  # Pillow, ¼ draft


REFUSALS = [
    ("/pixel.gif", "1×1 is smaller than 50 pixels"),
    ("/bomb.png", "more than the 50000000 pixel limit: Image size"),
    ("/bomb-10k.png", "10000×10000 is more than the 50000000 pixel limit"),
    ("/truncated.jpg", "truncated or corrupt image"),
    ("/vector.svg", "SVG is not accepted"),
    ("/page.html", "content type text/html is not an image"),
    ("/slow.jpg", "timed out"),
    ("/loop", "redirect loop"),
    ("/to-metadata", "169.254.169.254, a private, loopback, link-local"),
    ("/to-private", "10.0.0.1, a private"),
    ("/to-ftp", "redirected to a non-http"),
    ("/gone.jpg", "HTTP 404"),
    ("/unavailable.jpg", r"HTTP 503 \(gave up after 1 attempts\)"),
]


@pytest.mark.parametrize(("path", "reason"), REFUSALS)
def test_bad_images_and_bad_servers_are_refused_with_a_reason(
    server: ImageServer, tmp_path: Path, path: str, reason: str
) -> None:
    config = ImageConfig(media_dir=tmp_path, fetch=limits(server, read_timeout=0.3))
    with pytest.raises(ImageRefused, match=reason):
        data = fetch(server.url(path), config.fetch)
        render_image(data, Candidate(server.url(path)), "H", None, config, open_storage(config))
    assert not list(tmp_path.rglob("*.*"))


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a TCP connection is opened to."""
    opened: list[str] = []
    real = httpcore.SyncBackend.connect_tcp

    def spy(self: httpcore.SyncBackend, host: str, port: int, *args: Any) -> Any:
        opened.append(host)
        return real(self, host, port, *args)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", spy)
    return opened


def test_redirects_to_private_addresses_never_connect(
    server: ImageServer, connections: list[str]
) -> None:
    for path in ("/to-metadata", "/to-private"):
        with pytest.raises(ImageRefused, match="private"):
            fetch(server.url(path), limits(server))
    assert set(connections) == {"127.0.0.1"}


def test_loopback_is_refused_by_default(server: ImageServer, connections: list[str]) -> None:
    with pytest.raises(ImageRefused, match=r"127.0.0.1, a private, loopback"):
        fetch(server.url("/photo.jpg"), FetchLimits())
    assert connections == []
    assert fetch(server.url("/photo.jpg"), FetchLimits(allow_private=True)) == (
        server.routes["/photo.jpg"].body
    )


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Host names resolved to chosen addresses; anything else resolves as usual."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in table[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def test_the_resolved_address_is_checked_and_connected_with_the_original_host(
    server: ImageServer, fake_dns: dict[str, list[str]], connections: list[str]
) -> None:
    fake_dns["images.example"] = ["127.0.0.1"]
    url = f"http://images.example:{server.port}/photo.jpg"
    with pytest.raises(ImageRefused, match=r"images.example resolves to 127.0.0.1"):
        fetch(url, limits(server))
    assert connections == []
    allowed = limits(server, allow_hosts=frozenset({f"images.example:{server.port}"}))
    assert fetch(url, allowed) == server.routes["/photo.jpg"].body
    assert connections == ["127.0.0.1"]
    assert server.requests[-1] == ("/photo.jpg", f"images.example:{server.port}")


def test_every_resolved_address_must_pass(
    server: ImageServer, fake_dns: dict[str, list[str]], connections: list[str]
) -> None:
    fake_dns["mixed.example"] = ["93.184.216.34", "127.0.0.1"]
    with pytest.raises(ImageRefused, match=r"127.0.0.1"):
        fetch(f"http://mixed.example:{server.port}/photo.jpg", FetchLimits())
    assert connections == []


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
    ],
)
def test_address_guard(address: str, allowed: bool) -> None:
    guard = AddressGuard(FetchLimits())
    if allowed:
        guard.check("host", 80, address)
    else:
        with pytest.raises(ImageRefused):
            guard.check("host", 80, address)


def test_transient_failures_are_retried_with_backoff(server: ImageServer) -> None:
    sleeps: list[float] = []
    retrying = limits(server, retries=2, retry_delay=0.5)
    with Fetcher(retrying, sleep=sleeps.append) as fetcher:
        assert fetcher.fetch(server.url("/flaky.jpg")).data == server.routes["/flaky.jpg"].body
    assert sleeps == [0.5, 1.0] and server.hits["/flaky.jpg"] == 3
    sleeps.clear()
    with Fetcher(limits(server, retries=1), sleep=sleeps.append) as fetcher:
        with pytest.raises(ImageRefused, match=r"HTTP 503 \(gave up after 2 attempts\)"):
            fetcher.fetch(server.url("/unavailable.jpg"))
        with pytest.raises(ImageRefused, match="HTTP 404"):
            fetcher.fetch(server.url("/gone.jpg"))  # not transient: no retry
    assert sleeps == [0.5]


def test_size_limits(server: ImageServer) -> None:
    with pytest.raises(ImageRefused, match="bytes announced, more than 1024"):
        fetch(server.url("/photo.jpg"), limits(server, max_bytes=1024))
    big = "data:image/png;base64," + base64.b64encode(b"x" * 4096).decode()
    with pytest.raises(ImageRefused, match="more than 1024 bytes"):
        fetch(big, limits(server, max_bytes=1024))


def test_redirect_limit(server: ImageServer) -> None:
    with pytest.raises(ImageRefused, match="more than 0 redirects"):
        fetch(server.url("/hop"), limits(server, max_redirects=0))


def test_time_budget_covers_all_fetches(server: ImageServer) -> None:
    with pytest.raises(ImageRefused, match="time budget is spent"):
        fetch(server.url("/photo.jpg"), limits(server, time_budget=1e-9))


def test_data_uris(server: ImageServer) -> None:
    png = images.png_with_alpha()
    href = "data:image/png;base64," + base64.b64encode(png).decode()
    assert fetch(href, FetchLimits()) == png
    with pytest.raises(ImageRefused, match="text/html is not an image"):
        fetch("data:text/html,<script>1</script>", FetchLimits())
    with pytest.raises(ImageRefused, match="malformed data"):
        fetch("data:image/png;base64,***", FetchLimits())


def test_file_uris_only_under_configured_directories(tmp_path: Path) -> None:
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (allowed / "a.jpg").write_bytes(images.jpeg())
    (outside / "b.jpg").write_bytes(images.jpeg())
    (allowed / "link.jpg").symlink_to(outside / "b.jpg")
    fetch_limits = FetchLimits(file_dirs=(allowed,))
    assert fetch((allowed / "a.jpg").as_uri(), fetch_limits) == images.jpeg()
    for path in (outside / "b.jpg", allowed / "link.jpg", allowed / ".." / "outside" / "b.jpg"):
        with pytest.raises(ImageRefused, match="outside the directories"):
            fetch(path.as_uri(), fetch_limits)
    with pytest.raises(ImageRefused, match="outside the directories"):
        fetch((allowed / "a.jpg").as_uri(), FetchLimits())
    with pytest.raises(ImageRefused, match="another host"):
        fetch("file://server/share/a.jpg", fetch_limits)


@pytest.mark.parametrize("href", ["ftp://example.com/a.jpg", "javascript:alert(1)", "a.jpg"])
def test_other_schemes_are_refused(href: str) -> None:
    with pytest.raises(ImageRefused, match="is not fetched"):
        fetch(href, FetchLimits())


@pytest.mark.parametrize("href", ["http:///no-host.jpg", "http://[::1/a.jpg"])
def test_malformed_urls_are_refused(href: str) -> None:
    with pytest.raises(ImageRefused, match="invalid URL"):
        fetch(href, FetchLimits())
