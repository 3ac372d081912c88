"""Describe an image: dominant colour, BlurHash placeholder, perceptual hash."""

from __future__ import annotations

import blurhash
import numpy as np
from PIL import Image

_HASH_SIDE = 32
_HASH_LOW = 8


def dominant_color(image: Image.Image) -> str:
    """The most common colour of a median-cut palette, as ``#rrggbb`` (a loading background)."""
    small = image.resize((64, 64), Image.Resampling.BILINEAR)
    palette_image = small.quantize(colors=5, method=Image.Quantize.MEDIANCUT)
    index = int(np.bincount(np.asarray(palette_image).ravel()).argmax())  # ties: lowest index
    palette = palette_image.getpalette() or [0, 0, 0]
    red, green, blue = palette[index * 3 : index * 3 + 3]
    return f"#{red:02x}{green:02x}{blue:02x}"


def blurhash_of(image: Image.Image) -> str:
    """A BlurHash with 4 components along the long side and 3 along the short one."""
    wide = image.width >= image.height
    small = image.copy()
    small.thumbnail((32, 32), Image.Resampling.BILINEAR)
    pixels = np.asarray(small.convert("RGB"))
    return str(
        blurhash.encode(pixels, components_x=4 if wide else 3, components_y=3 if wide else 4)
    )


def _dct_matrix(size: int) -> np.ndarray:
    k = np.arange(size)[:, None]
    n = np.arange(size)[None, :]
    return np.cos(np.pi * (2 * n + 1) * k / (2 * size))


_DCT = _dct_matrix(_HASH_SIDE)


def perceptual_hash(image: Image.Image) -> str:
    """64-bit pHash (DCT of a 32×32 grey image): re-encoded or resized copies stay close."""
    grey = np.asarray(
        image.convert("L").resize((_HASH_SIDE, _HASH_SIDE), Image.Resampling.LANCZOS),
        dtype=np.float64,
    )
    low = (_DCT @ grey @ _DCT.T)[:_HASH_LOW, :_HASH_LOW]
    bits = (low > np.median(low)).flatten()
    return f"{int(''.join('1' if bit else '0' for bit in bits), 2):016x}"
