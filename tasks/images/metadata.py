"""Describe an image: dominant colour, BlurHash placeholder, perceptual hash.

Every function, and the saliency of ``renditions``, reads one shared copy of the picture
about 100 pixels a side (``look_copy``), as it is: none of them resamples on its own.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from PIL import Image

_HASH_SIDE = 32
_HASH_LOW = 8
#: The short side ``look_copy`` keeps at least, so it is 64–127 px.
LOOK_SIDE = 64
_BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def look_copy(small: Image.Image) -> Image.Image:
    """The copy every description reads: ``small`` box-reduced by an integer factor (a
    300×201 pyramid level becomes 100×67 in 0.1 ms; each resample of its own cost 0.3)."""
    factor = max(1, min(small.size) // LOOK_SIDE)
    return small.reduce(factor) if factor > 1 else small


def dominant_color(look: Image.Image) -> str:
    """The most common colour of a median-cut palette, as ``#rrggbb`` (a loading background).

    From the look halved: median cut costs by the pixel, and 50×33 of them were enough.
    """
    palette_image = look.reduce(2).quantize(colors=5, method=Image.Quantize.MEDIANCUT)
    index = int(np.bincount(np.asarray(palette_image).ravel()).argmax())  # ties: lowest index
    palette = palette_image.getpalette() or [0, 0, 0]
    red, green, blue = palette[index * 3 : index * 3 + 3]
    return f"#{red:02x}{green:02x}{blue:02x}"


def _srgb_to_linear(value: int) -> float:
    channel = value / 255.0
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


_LINEAR = np.array([_srgb_to_linear(value) for value in range(256)])


def _linear_to_srgb(value: float) -> int:
    value = max(0.0, min(1.0, value))
    if value <= 0.0031308:
        return int(value * 12.92 * 255 + 0.5)
    return int((1.055 * math.pow(value, 1 / 2.4) - 0.055) * 255 + 0.5)


def _base83(value: int, length: int) -> str:
    return "".join(_BASE83[value // 83 ** (length - 1 - i) % 83] for i in range(length))


def _quantized_ac(component: np.ndarray, scale: float) -> int:
    """One AC component as BlurHash stores it: signed square root, 19 steps per channel."""
    steps = [
        int(max(0.0, min(18.0, math.floor(math.copysign(abs(c / scale) ** 0.5, c) * 9 + 9.5))))
        for c in component.tolist()
    ]
    return steps[0] * 19 * 19 + steps[1] * 19 + steps[2]


def _blurhash(components: np.ndarray) -> str:
    """The BlurHash string of ``components`` (rows × columns × RGB, linear light)."""
    rows, columns = components.shape[:2]
    flat = components.reshape(-1, 3)
    dc, ac = flat[0], flat[1:]
    largest = float(np.abs(ac).max()) if len(ac) else 0.0
    quant_max = int(max(0, min(82, math.floor(largest * 166 - 0.5))))
    scale = (quant_max + 1) / 166
    red, green, blue = (_linear_to_srgb(float(c)) for c in dc)
    return (
        _base83(columns - 1 + (rows - 1) * 9, 1)
        + _base83(quant_max, 1)
        + _base83((red << 16) + (green << 8) + blue, 4)
        + "".join(_base83(_quantized_ac(c, scale), 2) for c in ac)
    )


def blurhash_encode(pixels: np.ndarray, components_x: int, components_y: int) -> str:
    """BlurHash of sRGB pixels (height × width × 3, uint8) as a few matrix products.

    The same cosine sums as the reference implementation (the ``blurhash`` package), which
    loops over every pixel in Python and took 3–5 ms per image.
    """
    height, width = pixels.shape[:2]
    linear = _LINEAR[pixels]
    basis_x = np.cos(np.pi * np.outer(np.arange(components_x), np.arange(width)) / width)
    basis_y = np.cos(np.pi * np.outer(np.arange(components_y), np.arange(height)) / height)
    rows = np.tensordot(basis_y, linear, axes=(1, 0))  # components_y × width × 3
    components = np.tensordot(rows, basis_x, axes=(1, 1)).transpose(0, 2, 1)
    components *= 2.0 / (width * height)
    components[0, 0] /= 2.0  # the DC term is not doubled
    return _blurhash(components)


def _components(image: Image.Image) -> tuple[int, int]:
    """4 components along the long side and 3 along the short one."""
    return (4, 3) if image.width >= image.height else (3, 4)


def blurhash_of(look: Image.Image) -> str:
    """A BlurHash with 4 components along the long side and 3 along the short one."""
    return blurhash_encode(np.asarray(look), *_components(look))


@cache
def flat_blurhash(color: str, size: tuple[int, int]) -> str:
    """The BlurHash of a single colour: the colour as DC term, every AC term zero."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    columns, rows = (4, 3) if size[0] >= size[1] else (3, 4)
    components = np.zeros((rows, columns, 3))
    components[0, 0] = _LINEAR[[red, green, blue]]
    return _blurhash(components)


def _dct_matrix(size: int) -> np.ndarray:
    k = np.arange(size)[:, None]
    n = np.arange(size)[None, :]
    return np.cos(np.pi * (2 * n + 1) * k / (2 * size))


_DCT = _dct_matrix(_HASH_SIDE)


def perceptual_hash(look: Image.Image) -> str:
    """64-bit pHash (DCT of a 32×32 grey image): re-encoded or resized copies stay close."""
    grey = np.asarray(
        look.convert("L").resize((_HASH_SIDE, _HASH_SIDE), Image.Resampling.LANCZOS),
        dtype=np.float64,
    )
    low = (_DCT @ grey @ _DCT.T)[:_HASH_LOW, :_HASH_LOW]
    bits = (low > np.median(low)).flatten()
    return f"{int(''.join('1' if bit else '0' for bit in bits), 2):016x}"
