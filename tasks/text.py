"""Text clean-up shared by the normalize stage's format readers."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

import ftfy

#: Repair mojibake and odd code points, but keep typographic quotes and literal entities.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, unescape_html=False, explain=False)
# Zero-width and bidi control characters carry no text and break matching; nor do controls.
_INVISIBLE_OR_CONTROL = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad"
    r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Scanning for one character class is several times cheaper than running a substitution
# that matches every space or tries an alternation at every position: these say when to.
_OTHER_SPACE = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_LINE_BREAK_CHAR = re.compile(r"[\r\u2028\u2029\x85\x0b\x0c]")
_BOLD = re.compile(r"(\*\*|__)(.+?)\1", re.DOTALL)
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_MAX_PASSES = 4
# ftfy (its fixers and its mojibake heuristic, ftfy.badness) leaves text made only of these
# characters unchanged, unless one of the pairs below occurs: ASCII, the accented letters
# of Western European languages, quotes, dashes, currency signs and no-break spaces.
# Checking for them costs 0.05-0.1 ms per article, against 1-3 ms for each ftfy pass;
# tests/test_normalize_ftfy.py checks the claim against ftfy itself.
_LOWER = "ßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœ"
_UPPER = "ÀÁÂÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÚÛÜÝŒ"
_QUOTES = "«»‘“”¡¿"
_CURRENCY = "£€¥¢"
_INERT_OTHER = "’–—…°\u00a0\u202f"
_FTFY_SUSPECT = re.compile(f"[^\t\n\x20-\x7e{_LOWER}{_UPPER}{_QUOTES}{_CURRENCY}{_INERT_OTHER}]")
# ftfy.badness's patterns over those characters; each match starts at a character of
# _PAIR_START, so only those positions are tried.
_PAIR_START = re.compile(f"[{_UPPER}{_QUOTES}{_CURRENCY}œ°]")
_LETTERS = _LOWER + _UPPER
_SUSPECT_PAIR = re.compile(
    f"(?<=[{_LOWER}])[{_UPPER}]|(?<=[{_LETTERS}])[{_QUOTES}]|[{_QUOTES}](?=[{_LETTERS}])"
    f"|(?<=[{_LETTERS}{_QUOTES}])[{_CURRENCY}]|[{_CURRENCY}](?=[{_LETTERS}{_QUOTES}])"
    f"|(?<=[{_UPPER}])°|[ÂÎ][ \u00a0¡«»¿œ–—‘“”]|[Œœ][^A-Za-z]"
)
#: Distinct tokens a TokenCache keeps before it starts again: news vocabulary repeats, and
#: 50,000 tokens with their values take about 10 MB.
_TOKEN_CACHE_SIZE = 50_000
#: Silent reading speed of adult readers, words per minute (Brysbaert 2019).
READING_WPM = 238


def repair(text: str) -> str:
    """Mojibake repaired on the raw content, before any parser can strip half of it.

    ``Ã`` followed by a soft hyphen is a UTF-8 ``í`` read as Windows-1252; an HTML parser
    drops the soft hyphen and leaves ``Ã`` beyond repair, so this runs first.
    """
    return ftfy.fix_text(text, _FTFY) if _ftfy_may_change(text) else text


def _ftfy_may_change(text: str) -> bool:
    """False when ftfy would return ``text`` as it is (most articles), so it need not run."""
    if _FTFY_SUSPECT.search(text):
        return True
    if text.isascii():
        return False
    return any(_SUSPECT_PAIR.match(text, found.start()) for found in _PAIR_START.finditer(text))


def _clean_once(text: str) -> str:
    if _LINE_BREAK_CHAR.search(text):
        text = _LINE_BREAKS.sub("\n", text)
    text = unicodedata.normalize("NFC", _INVISIBLE_OR_CONTROL.sub("", repair(text)))
    if "  " in text or _OTHER_SPACE.search(text):
        text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


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
    """Drop Markdown bold markers, keeping the words (a substitution only where some occur)."""
    return _BOLD.sub(r"\2", text) if "**" in text or "__" in text else text


def blocks(text: str) -> list[str]:
    """Split cleaned text into blank-line separated blocks, each folded onto one line."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


_V = TypeVar("_V")


class TokenCache(dict[str, _V]):
    """What ``compute`` gives for each token, computed the first time a process meets it.

    Cleared when full, so that text made of ever new tokens cannot grow it without bound.
    """

    def __init__(self, compute: Callable[[str], _V], size: int = _TOKEN_CACHE_SIZE) -> None:
        super().__init__()
        self._compute, self._size = compute, size

    def __missing__(self, token: str) -> _V:
        if len(self) >= self._size:
            self.clear()
        value = self[token] = self._compute(token)
        return value


def _token_words(token: str) -> int:
    return 1 if token.isalnum() else len(_WORD.findall(token))


_TOKEN_WORDS = TokenCache(_token_words)


def word_count(tokens: list[str]) -> int:
    """Words (``\\w+`` with inner apostrophes and hyphens) of the text split into ``tokens``.

    No word spans whitespace, so the text's words are its tokens' words; each distinct
    token is counted once per process.
    """
    return sum(map(_TOKEN_WORDS.__getitem__, tokens))


def reading_minutes(words: int) -> int:
    """Whole minutes to read ``words`` words, at least one for any text."""
    return max(1, math.ceil(words / READING_WPM)) if words else 0
