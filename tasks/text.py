"""Text clean-up shared by the normalize stage's format readers."""

from __future__ import annotations

import math
import re
import unicodedata

import ftfy

#: Repair mojibake and odd code points, but keep typographic quotes and literal entities.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, unescape_html=False, explain=False)
# Zero-width and bidi control characters carry no text and break matching.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_BOLD = re.compile(r"(\*\*|__)(.+?)\1", re.DOTALL)
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_MAX_PASSES = 4
#: Silent reading speed of adult readers, words per minute (Brysbaert 2019).
READING_WPM = 238


def repair(text: str) -> str:
    """Mojibake repaired on the raw content, before any parser can strip half of it.

    ``Ã`` followed by a soft hyphen is a UTF-8 ``í`` read as Windows-1252; an HTML parser
    drops the soft hyphen and leaves ``Ã`` beyond repair, so this runs first.
    """
    return ftfy.fix_text(text, _FTFY)


def _clean_once(text: str) -> str:
    text = ftfy.fix_text(_LINE_BREAKS.sub("\n", text), _FTFY)
    text = unicodedata.normalize("NFC", _CONTROL.sub("", _INVISIBLE.sub("", text)))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines)


def clean(text: str) -> str:
    """Mojibake repaired, NFC, no invisible or control characters, single spaces; lines kept.

    Removing a control character can leave a new mojibake pair behind (``\x8dÎ\x80``),
    so the clean-up repeats until nothing changes: normalizing twice equals once.
    """
    for _ in range(_MAX_PASSES):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


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


def reading_minutes(words: int) -> int:
    """Whole minutes to read ``words`` words, at least one for any text."""
    return max(1, math.ceil(words / READING_WPM)) if words else 0
