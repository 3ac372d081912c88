"""Text clean-up shared by the normalize stage's format readers."""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Callable
from functools import lru_cache
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
# Checking for them costs 0.01-0.03 ms per article, against 1-3 ms for each ftfy pass;
# tests/test_normalize_ftfy.py checks the claim against ftfy itself.
_LOWER = "ßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœ"
_UPPER = "ÀÁÂÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÚÛÜÝŒ"
_QUOTES = "«»‘“”¡¿"
_CURRENCY = "£€¥¢"
_INERT_OTHER = "’–—…°\u00a0\u202f"
_LETTERS = _LOWER + _UPPER
_INERT = f"\t\n\x20-\x7e{_LETTERS}{_QUOTES}{_CURRENCY}{_INERT_OTHER}"
#: ftfy.badness's patterns over those characters, as conditions on the character just read:
#: each such pattern's match starts at an upper-case letter, a quote, a currency sign, œ or °.
_SUSPECT_PAIR = (
    f"(?<=[{_LOWER}][{_UPPER}])|(?<=[{_LETTERS}][{_QUOTES}])|(?<=[{_QUOTES}])(?=[{_LETTERS}])"
    f"|(?<=[{_LETTERS}{_QUOTES}][{_CURRENCY}])|(?<=[{_CURRENCY}])(?=[{_LETTERS}{_QUOTES}])"
    f"|(?<=[{_UPPER}]°)|(?<=[ÂÎ])(?=[ \u00a0¡«»¿œ–—‘“”])|(?<=[Œœ])(?=[^A-Za-z])"
)


def _suspect(quiet: str, inert: str) -> re.Pattern[str]:
    """One scan for a character outside ``inert``, or one that starts a suspect pair.

    The pattern starts with a single character class, so the regex engine skips ahead over
    the ``quiet`` characters (inert ones that start no pair) without trying a match there.
    """
    return re.compile(f"[^{quiet}](?:(?<=[^{inert}])|{_SUSPECT_PAIR})")


_QUIET = "".join(char for char in _LOWER + _INERT_OTHER if char not in "œ°")
_FTFY_MAY_CHANGE = _suspect(f"\t\n\x20-\x7e{_QUIET}", _INERT)
#: The same scan with the inert characters the clean-up still folds (tab, no-break spaces).
_UNCLEAN = _suspect(
    "\n\x20-\x7e" + _QUIET.replace("\u00a0", "").replace("\u202f", ""),
    _INERT.replace("\t", "").replace("\u00a0", "").replace("\u202f", ""),
)
#: Lines up to this long keep their ftfy repair for a while (256 of them, a few MB at most).
_REMEMBERED_LINE = 5000
#: Distinct tokens a TokenCache keeps before it starts again: news vocabulary repeats, and
#: 30,000 tokens with their values take about 5 MB (twice that with the previous generation).
_TOKEN_CACHE_SIZE = 30_000
#: ASCII punctuation no word holds (``\\w``, with inner apostrophes and hyphens for counting).
_CUTS = "".join(char for char in string.punctuation if char not in "'-_")
_CUTS_TO_SPACES = bytes.maketrans(_CUTS.encode(), b" " * len(_CUTS))
#: Silent reading speed of adult readers, words per minute (Brysbaert 2019).
READING_WPM = 238


def repair(text: str) -> str:
    """Mojibake repaired on the raw content, before any parser can strip half of it.

    ``Ã`` followed by a soft hyphen is a UTF-8 ``í`` read as Windows-1252; an HTML parser
    drops the soft hyphen and leaves ``Ã`` beyond repair, so this runs first. ftfy fixes
    each line (up to and with its ``\\n``) on its own, so only the lines where the scan
    finds something it may change go through it: an emoji costs its line's repair, not the
    whole article's. (No condition of the scan looks behind at a line feed, so it finds
    the same in a line alone as in the whole text.)
    """
    if _quiet(text):
        return text
    parts, done = [], 0
    while found := _FTFY_MAY_CHANGE.search(text, done):
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end()) + 1 or len(text)
        parts += [text[done:start], _fix_line(text[start:end])]
        done = end
    return "".join([*parts, text[done:]]) if parts else text


def _fix_line(line: str) -> str:
    return _fix_short_line(line) if len(line) <= _REMEMBERED_LINE else ftfy.fix_text(line, _FTFY)


@lru_cache(maxsize=256)
def _fix_short_line(line: str) -> str:
    """ftfy on one line, remembered: clean repairs again the lines repair just repaired."""
    return ftfy.fix_text(line, _FTFY)


def _ftfy_may_change(text: str) -> bool:
    """False when ftfy would return ``text`` as it is (most articles), so it need not run."""
    return _FTFY_MAY_CHANGE.search(text) is not None


@lru_cache(maxsize=4)
def _quiet(text: str) -> bool:
    """No character that ftfy or the clean-up may act on, nor a suspect pair.

    Remembered for the last few texts: the stage repairs the raw content, then its reader
    cleans the very same string.
    """
    return _UNCLEAN.search(text) is None


def _is_clean(text: str) -> bool:
    """True when ``_clean_once`` would return ``text`` as it is (most articles).

    Inert characters (above) are left alone by ftfy, are NFC, and are neither line breaks,
    invisible nor control characters; of them only tab and the no-break spaces are folded,
    and then only double spaces and spaces at the ends of lines remain to change.
    """
    return (
        _quiet(text)
        and "  " not in text
        and "\n " not in text
        and " \n" not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
    )


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
        if _is_clean(text):
            break
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
    return _BOLD.sub(r"\2", text) if has_emphasis(text) else text


def has_emphasis(text: str) -> bool:
    """Whether ``text`` may hold bold markers; ``strip_emphasis`` leaves it as it is if not."""
    return "**" in text or "__" in text


def blocks(text: str) -> list[str]:
    """Split cleaned text into blank-line separated blocks, each folded onto one line."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


_K = TypeVar("_K", str, bytes)
_V = TypeVar("_V")


class TokenCache(dict[_K, _V]):
    """What ``compute`` gives for each token, computed the first time a process meets it.

    When full it starts again, keeping the full generation aside: a token met again is
    taken from there, so common words survive, and text made of ever new tokens cannot
    grow it beyond twice ``size``.
    """

    def __init__(self, compute: Callable[[_K], _V], size: int = _TOKEN_CACHE_SIZE) -> None:
        super().__init__()
        self._compute: Callable[[_K], _V] = compute
        self._size = size
        self._previous: dict[_K, _V] = {}

    def __missing__(self, token: _K) -> _V:
        if len(self) >= self._size:
            self._previous = dict(self)
            self.clear()
        value = self._previous[token] if token in self._previous else self._compute(token)
        self[token] = value
        return value


def tokens(text: str) -> list[bytes]:
    """The text as UTF-8, cut at ASCII whitespace and at the punctuation of ``_CUTS``.

    No word contains a cut character, nor becomes one by case folding, so the text's
    words, case-folded or not, are its tokens' words one token after the other. Cutting
    bytes splits no character: UTF-8 puts no byte under 0x80 in a multi-byte one. Cutting
    at punctuation too makes ``said,`` and ``said`` one token, so fewer are new to a cache.
    """
    return text.encode().translate(_CUTS_TO_SPACES).split()


def token_words(token: bytes) -> int:
    """Words (``\\w+`` with inner apostrophes and hyphens) of one of a text's ``tokens``: the
    text's word count is the sum over its tokens (``tasks.fingerprint`` keeps them)."""
    text = token.decode()
    return 1 if text.isalnum() else len(_WORD.findall(text))


def clean_blocks(text: str) -> list[str]:
    """``blocks(clean(text))``, with less work: the lines of cleaned text have no spaces at
    either end and no double spaces, so its blank lines are empty and a block that is a
    single line with no other whitespace than single spaces is already folded.

    Quiet text has no character that is not printable but the line feed, so when its only
    line feeds, but at either end, are those between blocks (most texts), every block is
    such a line.
    """
    cleaned = clean(text)
    core = cleaned.strip("\n")
    pieces = core.split("\n\n")
    if _quiet(cleaned) and core.count("\n") == 2 * len(pieces) - 2:
        return list(filter(str.strip, pieces))
    return [
        block if block.isprintable() else " ".join(block.split())
        for block in cleaned.split("\n\n")
        if block.strip()
    ]


def reading_minutes(words: int) -> int:
    """Whole minutes to read ``words`` words, at least one for any text."""
    return max(1, math.ceil(words / READING_WPM)) if words else 0
