"""Decode untrusted image bytes with Pillow, refusing what could exhaust or fool the worker."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import simplejpeg
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
#: EXIF orientation → the transpose that makes the picture upright (as ImageOps does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class Decoded:
    """An RGB image, upright, without metadata; the sides are the source's, upright.

    ``pixels`` are the same pixels as the decoder's array (rows × columns × RGB), when
    libjpeg-turbo made them and no turn was needed: a rendition that is a plain crop is
    encoded from a view of them, with no copy.
    """

    image: Image.Image
    width: int
    height: int
    mimetype: str
    pixels: np.ndarray | None = None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: CMYK, palette, grey and transparent images all become plain RGB."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _scaled_jpeg(
    data: bytes, needed: tuple[int, int], orientation: int | None
) -> tuple[Image.Image, np.ndarray | None]:
    """A YCbCr or grey JPEG through libjpeg-turbo's TurboJPEG API (``simplejpeg``), at the
    smallest of its DCT scales (1/8 steps, not only Pillow's ½, ¼, ⅛) that fills ``needed``.

    A 1600×1067 photo decodes at 3/4, 1200×801, so the social rendition is a plain crop:
    6–7 ms instead of Pillow's full decode and a 1600→1200 resample (15 ms), and the
    scaled inverse DCT is as sharp as Lanczos (docs/thumbnails.md, *Cost*).
    """
    try:
        pixels = simplejpeg.decode_jpeg(data, "RGB", min_width=needed[0], min_height=needed[1])
    except ValueError as error:
        raise ImageRefused(f"truncated or corrupt image: {error}") from error
    image = Image.fromarray(pixels, "RGB")
    transpose = _UPRIGHT.get(orientation or 1)
    return (image, pixels) if transpose is None else (image.transpose(transpose), None)


def _pillow(image: Image.Image, needed: tuple[int, int] | None) -> Image.Image:
    """Any allowed format through Pillow; a JPEG (CMYK here) in draft mode, at ½, ¼ or ⅛."""
    if needed is not None:
        image.draft("RGB", needed)
    try:
        image.load()
        ImageOps.exif_transpose(image, in_place=True)  # not a copy of the whole image
        rgb = _flatten(image)
        rgb.info.clear()  # EXIF, ICC, XMP and comments never reach a rendition
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageRefused(f"truncated or corrupt image: {error}") from error
    return rgb


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
    orientation = image.getexif().get(_ORIENTATION)
    swapped = orientation in _SWAPS_SIDES
    if swapped:
        width, height = height, width
    if min(width, height) < min_side:
        raise ImageRefused(f"{width}×{height} is smaller than {min_side} pixels on a side")
    mimetype = ALLOWED_FORMATS[str(image.format)]
    if image.format != "JPEG":
        return Decoded(_pillow(image, None), width, height, mimetype)
    needed_w, needed_h = decode_size((width, height), renditions)
    needed = (needed_h, needed_w) if swapped else (needed_w, needed_h)
    if image.mode in ("RGB", "L"):  # YCbCr or grey; CMYK and YCCK keep Pillow's conversion
        upright, pixels = _scaled_jpeg(data, needed, orientation)
        return Decoded(upright, width, height, mimetype, pixels)
    return Decoded(_pillow(image, needed), width, height, mimetype)
