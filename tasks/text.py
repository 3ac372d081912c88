"""Text clean-up shared by the normalize stage's format readers."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and bidi control characters carry no text and break matching.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BOLD = re.compile(r"(\*\*|__)(.+?)\1", re.DOTALL)
_WORD = re.compile(r"\w+(?:['’-]\w+)*")


def clean(text: str) -> str:
    """NFC, no invisible or control characters, single spaces; line breaks kept."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines)


def clean_line(text: str) -> str:
    """``clean`` folded onto one line."""
    return " ".join(clean(text).split())


def strip_emphasis(text: str) -> str:
    """Drop Markdown bold markers, keeping the words."""
    return _BOLD.sub(r"\2", text)


def blocks(text: str) -> list[str]:
    """Split cleaned text into blank-line separated blocks, each folded onto one line."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
