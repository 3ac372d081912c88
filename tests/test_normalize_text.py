"""``clean`` skips the steps that have nothing to do; the result is what every step gives."""

from __future__ import annotations

import itertools
import re
import sys
import unicodedata

import ftfy
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.fingerprint import word_count_and_simhash
from tasks.text import (
    _CURRENCY,
    _FTFY,
    _INERT_OTHER,
    _LETTERS,
    _MAX_PASSES,
    _QUOTES,
    _clean_once,
    _is_clean,
    _quiet,
    blocks,
    clean,
    clean_blocks,
    tokens,
)

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
#: Whitespace of every kind, controls, invisibles, mojibake and plain letters.
_ALPHABET = (
    " \t\n\r\x0b\x0c\x85\u2028\u00a0\u2003\u202f\u3000\u200b\u00ad\ufeff\x01\x8d\x9d"
    "ÃÎ©é€™ﬁe\u0301ab."
)


def reference_clean(text: str) -> str:
    """Every step on every pass, as the clean-up is defined."""
    for _ in range(_MAX_PASSES):
        cleaned = ftfy.fix_text(_LINE_BREAKS.sub("\n", text), _FTFY)
        cleaned = unicodedata.normalize("NFC", _CONTROL.sub("", _INVISIBLE.sub("", cleaned)))
        cleaned = "\n".join(_SPACES.sub(" ", line).strip() for line in cleaned.split("\n"))
        if cleaned == text:
            break
        text = cleaned
    return text


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=30))
def test_clean_is_every_step(text: str) -> None:
    assert clean(text) == reference_clean(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_clean_is_every_step_on_any_text(text: str) -> None:
    assert clean(text) == reference_clean(text)


def reference_word_count(text: str) -> int:
    return len(re.findall(r"\w+(?:['’-]\w+)*", text))


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab É_1 \n\t'’-.,;()\u00a0\u2028İ"), max_size=60))
def test_word_count_by_tokens_is_the_pattern(text: str) -> None:
    assert word_count_and_simhash(tokens(text))[0] == reference_word_count(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_word_count_by_tokens_is_the_pattern_on_any_text(text: str) -> None:
    assert word_count_and_simhash(tokens(text))[0] == reference_word_count(text)


def test_clean_skips_only_text_it_would_leave_unchanged() -> None:
    """``_is_clean`` on every code point alone and on every pair of inert characters."""
    inert = _LETTERS + _QUOTES + _CURRENCY + _INERT_OTHER + "\t\n aZ.,-'"
    singles = (chr(code) for code in range(sys.maxunicode + 1))
    pairs = ("".join(pair) for pair in itertools.product(inert, repeat=2))
    for text in itertools.chain(singles, pairs):
        if _is_clean(text):
            assert _clean_once(text) == text, ascii(text)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET + "«»É’"), max_size=30))
def test_clean_blocks_are_the_blocks_of_clean(text: str) -> None:
    assert clean_blocks(text) == blocks(clean(text))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_clean_blocks_are_the_blocks_of_clean_on_any_text(text: str) -> None:
    assert clean_blocks(text) == blocks(clean(text))


def test_a_printable_block_has_no_whitespace_but_spaces() -> None:
    """Why ``clean_blocks`` need not fold a printable block of cleaned text."""
    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c.isprintable()]
    assert spaces == [" "]


def test_quiet_text_is_printable_but_its_line_feeds() -> None:
    """Why ``clean_blocks`` need not look at each block of quiet text to know it is folded."""
    every = (chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)
    assert all(char.isprintable() for char in every if char != "\n" and _quiet(char))
