"""Decode untrusted image bytes with Pillow, refusing what could exhaust or fool the worker."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from tasks.images.config import RenditionSpec
from tasks.images.errors import ImageRefused
from tasks.images.renditions import decode_size

#: Pillow format name → media type. Only these decoders are ever tried.
ALLOWED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
_ORIENTATION = 0x0112
_SWAPS_SIDES = {5, 6, 7, 8}


@dataclass(frozen=True)
class Decoded:
    """An RGB image, upright, without metadata; the sides are the source's, upright."""

    image: Image.Image
    width: int
    height: int
    mimetype: str


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: CMYK, palette, grey and transparent images all become plain RGB."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def decode(
    data: bytes, max_pixels: int, min_side: int, renditions: tuple[RenditionSpec, ...]
) -> Decoded:
    """Decode ``data``; JPEGs at the smallest DCT scale that still fills every rendition."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
    except UnidentifiedImageError as error:
        raise ImageRefused("not an image in an allowed format (JPEG, PNG, WebP, GIF)") from error
    except Image.DecompressionBombError as error:
        raise ImageRefused(f"more than the {max_pixels} pixel limit: {error}") from error
    width, height = image.size
    if width * height > max_pixels:
        raise ImageRefused(f"{width}×{height} is more than the {max_pixels} pixel limit")
    swapped = image.getexif().get(_ORIENTATION) in _SWAPS_SIDES
    if swapped:
        width, height = height, width
    if min(width, height) < min_side:
        raise ImageRefused(f"{width}×{height} is smaller than {min_side} pixels on a side")
    if image.format == "JPEG":
        needed_w, needed_h = decode_size((width, height), renditions)
        image.draft("RGB", (needed_h, needed_w) if swapped else (needed_w, needed_h))
    try:
        image.load()
        ImageOps.exif_transpose(image, in_place=True)  # not a copy of the whole image
        rgb = _flatten(image)
        rgb.info.clear()  # EXIF, ICC, XMP and comments never reach a rendition
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageRefused(f"truncated or corrupt image: {error}") from error
    return Decoded(rgb, width, height, ALLOWED_FORMATS[str(image.format)])
