"""Raster title cards (``NEWSFLOW_TITLE_CARD_FORMAT=raster``), drawn with Pillow, for
consumers that take no SVG; and the palette that SVG cards share."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import font_source_sans_pro
from PIL import Image, ImageDraw, ImageFont, features

#: Dark backgrounds on which white text has a WCAG contrast ratio above 7:1.
PALETTE = ("#1f3a5f", "#5b2333", "#23493a", "#47366b", "#6a3513", "#2f4858", "#5a2f50", "#3b4720")
TEXT_COLOR = "#ffffff"
_FONT_DIR = Path(font_source_sans_pro.font_directory)
_MIN_FONT = 9


@cache
def _font(size: int, weight: str) -> ImageFont.FreeTypeFont:
    """Source Sans Pro ships with a pip package: Latin, Greek and Cyrillic, no system fonts."""
    return ImageFont.truetype(str(_FONT_DIR / f"SourceSansPro-{weight}.ttf"), size)


def background_for(headline: str) -> str:
    """A colour chosen by the headline, so the same article always gets the same card."""
    digest = hashlib.sha256(headline.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap; a word wider than the line is cut between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while font.getlength(line) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and font.getlength(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


def _fit(
    text: str, width: int, height: int, start: int
) -> tuple[ImageFont.FreeTypeFont, list[str], int]:
    """The largest font size at which the wrapped text fits; at the smallest, an ellipsis."""
    size = start
    while True:
        font = _font(size, "Bold")
        spacing = round(size * 1.15)
        lines = _wrap(text, font, width)
        fits = len(lines) * spacing <= height
        if fits or size <= _MIN_FONT:
            break
        size = max(_MIN_FONT, int(size * 0.9))
    if not fits:
        keep = max(1, height // spacing)
        lines = lines[:keep]
        while lines[-1] and font.getlength(lines[-1] + "…") > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] = lines[-1].rstrip() + "…"
    return font, lines, spacing


def renderable(text: str) -> bool:
    """Whether the font has glyphs for ``text``: Latin, Greek, Cyrillic and punctuation."""
    return all(
        ord(ch) < 0x0530 or 0x1D00 <= ord(ch) < 0x2070 or 0x20A0 <= ord(ch) < 0x20D0 for ch in text
    )


def draw_title_card(
    headline: str, provider: str | None, language: str, size: tuple[int, int]
) -> Image.Image:
    """White headline on the article's colour; text the font cannot show is left off.

    Missing-glyph boxes would be worse than no text: the alt text still carries the headline.
    """
    width, height = size
    image = Image.new("RGB", size, background_for(headline))
    draw = ImageDraw.Draw(image)
    margin = max(6, round(min(width, height) * 0.08))
    label_size = max(_MIN_FONT, round(height * 0.06))
    show_label = bool(provider) and renderable(provider or "") and height >= 120
    text_height = height - 2 * margin - (label_size * 2 if show_label else 0)
    # With libraqm, text is shaped for the language; without it Pillow refuses the option.
    layout_language = language if features.check("raqm") else None
    if renderable(headline):
        font, lines, spacing = _fit(headline, width - 2 * margin, text_height, round(height / 7))
        y = margin + (text_height - len(lines) * spacing) // 2
        for line in lines:
            draw.text(
                (margin, y), line, fill=TEXT_COLOR, font=font, anchor="la", language=layout_language
            )
            y += spacing
    if show_label and provider:
        draw.text(
            (margin, height - margin),
            provider,
            fill="#d8d8d8",
            font=_font(label_size, "Semibold"),
            anchor="ld",
            language=layout_language,
        )
    return image
