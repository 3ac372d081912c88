"""Real images made with Pillow at test time, and a local HTTP server that serves and misbehaves."""

from __future__ import annotations

import io
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw

RED, GREEN, BLUE = (220, 30, 30), (30, 160, 60), (30, 60, 200)


def _save(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def photo(size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A blue-grey scene with a detailed object in its right third."""
    width, height = size
    image = Image.new("RGB", size, (70, 90, 110))
    draw = ImageDraw.Draw(image)
    left = width * 2 // 3
    for step in range(0, height // 2, 6):
        colour = (255, 200 - step % 150, 40 + step % 200)
        draw.ellipse((left - step // 3, height // 4 + step // 2, left + step // 3, height // 2))
        draw.line((left - 60, height // 4 + step, left + 60, height // 3 + step), fill=colour)
    return image


def jpeg(size: tuple[int, int] = (800, 600), quality: int = 90) -> bytes:
    return _save(photo(size), "JPEG", quality=quality)


def png_with_alpha() -> bytes:
    """A red rectangle on a transparent background: the background must become white."""
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((40, 30, 360, 270), fill=(*RED, 255))
    return _save(image, "PNG")


def webp() -> bytes:
    image = Image.new("RGB", (640, 480), BLUE)
    ImageDraw.Draw(image).ellipse((100, 100, 200, 200), fill=(250, 250, 250))
    return _save(image, "WEBP", quality=90)


def animated_gif() -> bytes:
    """Two frames; the first (green) is the one that counts."""
    frames = [Image.new("RGB", (300, 200), GREEN), Image.new("RGB", (300, 200), RED)]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def cmyk_jpeg() -> bytes:
    return _save(Image.new("CMYK", (500, 400), (0, 220, 220, 30)), "JPEG", quality=90)


def rotated_jpeg() -> bytes:
    """Stored 600×400, red left and blue right, with EXIF orientation 6 (turn 90° clockwise)."""
    image = Image.new("RGB", (600, 400), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, 299, 399), fill=RED)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "CameraMaker"
    return _save(image, "JPEG", quality=90, exif=exif.tobytes())


def pixel_gif() -> bytes:
    return _save(Image.new("RGB", (1, 1), (255, 255, 255)), "GIF")


def bomb_png(side: int = 100_000) -> bytes:
    """A valid PNG header claiming ``side``×``side`` pixels: refused before any decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = jpeg()
    return data[: len(data) // 2]


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><script>1</script></svg>'


@dataclass
class Route:
    """A canned response; ``stall`` sends half the body and then waits for the server to stop."""

    body: bytes = b""
    content_type: str | None = "image/jpeg"
    status: int = 200
    location: str | None = None
    stall: bool = False
    failures_first: int = 0


@dataclass
class ImageServer:
    """The server's address, routes and what it received."""

    port: int
    routes: dict[str, Route]
    requests: list[tuple[str, str]] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def allow_entry(self) -> str:
        """The allowlist entry that lets the fetcher reach this loopback server."""
        return f"127.0.0.1:{self.port}"

    @property
    def allow(self) -> frozenset[str]:
        return frozenset({self.allow_entry})


def _handler(
    server: ImageServer, release: threading.Event
) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            return

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            server.requests.append((path, self.headers.get("Host", "")))
            server.hits[path] = server.hits.get(path, 0) + 1
            route = server.routes.get(path)
            if route is None:
                self.send_error(404)
                return
            if server.hits[path] <= route.failures_first:
                self.send_error(503)
                return
            self.send_response(route.status)
            if route.location:
                self.send_header("Location", route.location)
            if route.content_type:
                self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if route.stall:
                self.wfile.write(route.body[: len(route.body) // 2])
                self.wfile.flush()
                release.wait(30)
                return
            self.wfile.write(route.body)

    return Handler


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[ImageServer]:
    """A ThreadingHTTPServer on 127.0.0.1 and a free port, for the duration of the block."""
    release = threading.Event()
    state = ImageServer(port=0, routes=routes)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, release))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def standard_routes() -> dict[str, Route]:
    """Every case of issue 5: real images of each kind, and servers that misbehave."""
    photo_bytes = jpeg()
    return {
        "/photo.jpg": Route(photo_bytes),
        "/same-photo.jpg": Route(photo_bytes),
        "/photo-smaller.jpg": Route(jpeg((400, 300), quality=60)),
        "/alpha.png": Route(png_with_alpha(), "image/png"),
        "/blue.webp": Route(webp(), "image/webp"),
        "/anim.gif": Route(animated_gif(), "image/gif"),
        "/cmyk.jpg": Route(cmyk_jpeg()),
        "/rotated.jpg": Route(rotated_jpeg()),
        "/pixel.gif": Route(pixel_gif(), "image/gif"),
        "/bomb.png": Route(bomb_png(), "image/png"),
        "/bomb-10k.png": Route(bomb_png(10_000), "image/png"),
        "/truncated.jpg": Route(truncated_jpeg()),
        "/vector.svg": Route(SVG, "image/svg+xml"),
        "/mislabelled.png": Route(jpeg(), "image/png"),
        "/octets": Route(webp(), "application/octet-stream"),
        "/page.html": Route(b"<html><body>not an image</body></html>", "text/html"),
        "/slow.jpg": Route(photo_bytes, stall=True),
        "/loop": Route(status=302, location="/loop", content_type=None),
        "/hop": Route(status=301, location="/photo.jpg", content_type=None),
        "/to-metadata": Route(
            status=302, location="http://169.254.169.254/latest/meta-data/", content_type=None
        ),
        "/to-private": Route(status=307, location="http://10.0.0.1/a.jpg", content_type=None),
        "/to-ftp": Route(status=302, location="ftp://127.0.0.1/a.jpg", content_type=None),
        "/flaky.jpg": Route(photo_bytes, failures_first=2),
        "/gone.jpg": Route(status=404, content_type="text/plain"),
    }
