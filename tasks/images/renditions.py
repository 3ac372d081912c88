"""Smart-cropped renditions: the crop keeps the focal point, the file is WebP or JPEG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

from schemas.thumbnail import FocalPoint
from tasks.images.config import RenditionSpec

#: (format, media type, file extension) of each encoding written for every rendition.
ENCODINGS = (("WEBP", "image/webp", "webp"), ("JPEG", "image/jpeg", "jpg"))
_SALIENCY_SIDE = 96


def saliency_focal_point(image: Image.Image) -> FocalPoint:
    """Where the detail is: edges and colourfulness, weighted toward their strongest part.

    A cheap stand-in for saliency (as in smartcrop.js and Thumbor's feature detector);
    a flat image keeps its centre.
    """
    small = image.copy()
    small.thumbnail((_SALIENCY_SIDE, _SALIENCY_SIDE), Image.Resampling.BILINEAR)
    edges = np.asarray(small.convert("L").filter(ImageFilter.FIND_EDGES), dtype=np.float64)
    saturation = np.asarray(small.convert("HSV"), dtype=np.float64)[:, :, 1]
    energy = edges + 0.5 * saturation
    energy[[0, -1], :] = 0  # FIND_EDGES marks the image border itself
    energy[:, [0, -1]] = 0
    energy = np.where(energy > np.percentile(energy, 75), energy, 0) ** 2
    total = energy.sum()
    if total <= 0:
        return FocalPoint(x=0.5, y=0.5, source="center")
    rows, cols = energy.shape
    y = float((energy.sum(axis=1) * (np.arange(rows) + 0.5)).sum() / total / rows)
    x = float((energy.sum(axis=0) * (np.arange(cols) + 0.5)).sum() / total / cols)
    return FocalPoint(x=round(x, 3), y=round(y, 3), source="saliency")


def crop_box(size: tuple[int, int], aspect: float, focal: FocalPoint) -> tuple[int, int, int, int]:
    """The largest box of ``aspect`` (width / height) centred on the focal point, inside."""
    width, height = size
    crop_w, crop_h = (
        (width, round(width / aspect))
        if width / height < aspect
        else (
            round(height * aspect),
            height,
        )
    )
    crop_w, crop_h = max(1, min(crop_w, width)), max(1, min(crop_h, height))
    left = min(max(0, round(focal.x * width - crop_w / 2)), width - crop_w)
    top = min(max(0, round(focal.y * height - crop_h / 2)), height - crop_h)
    return left, top, left + crop_w, top + crop_h


def render(image: Image.Image, spec: RenditionSpec, focal: FocalPoint) -> Image.Image:
    """The crop scaled down to the spec's box; never scaled up, so a small source stays sharp."""
    box = crop_box(image.size, spec.width / spec.height, focal)
    crop_w = box[2] - box[0]
    if crop_w >= spec.width:
        size = (spec.width, spec.height)
    else:
        size = (crop_w, max(1, round(crop_w * spec.height / spec.width)))
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def encode(image: Image.Image, image_format: str, quality: int) -> bytes:
    """The encoded file, with no metadata: Pillow writes EXIF or ICC only when asked to."""
    buffer = io.BytesIO()
    if image_format == "WEBP":
        image.save(buffer, "WEBP", quality=quality, method=4)
    else:
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()
