"""The banner patterns are tried only on blocks holding one of their words: never a miss."""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.article import RemovedKind
from tasks.formats.boilerplate import (
    _CASE_EXCEPTIONS,
    _MAX_BANNER_CHARS,
    _PATTERNS,
    PLACEHOLDERS,
    RELATED_MARKERS,
    classify,
    is_related_marker,
)
from tasks.text import strip_emphasis

_FRAGMENTS = [
    "We use cookies",
    "COOKIES",
    "accept",
    "Sign up for our NEWSLETTER",
    "inscrivez-vous à la lettre",
    "suscríbete al boletín",
    "in your İnbox",
    "ınbox",
    "boîte mail",
    "Share on Facebook",
    "partager",
    "Teilen per E-Mail",
    "compartir correo",
    "ſhare",
    "the council met",
    "Thumbnail",
    "Related Posts",
    "**",
    "__",
    "-",
    " ",
    ".",
    "\n",
]


def reference_marker(text: str) -> str:
    return strip_emphasis(text).strip(" :*#>-").casefold()


def reference(text: str) -> RemovedKind | None:
    """Every pattern tried on every short block, as before the word check."""
    if reference_marker(text) in PLACEHOLDERS:
        return PLACEHOLDERS[reference_marker(text)]
    if len(text) <= _MAX_BANNER_CHARS:
        for kind, _, pattern in _PATTERNS:
            if pattern.search(text):
                return kind
    return None


def test_case_exceptions_are_all_the_letters_re_folds_differently() -> None:
    letters = {letter for _, words, _ in _PATTERNS for word in words for letter in word}
    every = "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)
    found = {
        char
        for letter in letters
        for char in re.findall(re.escape(letter), every, re.IGNORECASE)
        if char.lower() != letter
    }
    assert found == set(_CASE_EXCEPTIONS.pattern.strip("[]"))


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=12).map(" ".join))
def test_classify_matches_every_pattern_it_skips(text: str) -> None:
    assert classify(text) == reference(text)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join))
def test_related_markers_are_found_however_long_the_block(text: str) -> None:
    assert is_related_marker(text) == (reference_marker(text) in RELATED_MARKERS)
    assert classify(text) == reference(text)


def test_case_folding_never_shortens_text() -> None:
    """Why a block longer than every marker need not be case-folded to be told apart."""
    assert all(len(chr(code).casefold()) >= 1 for code in range(sys.maxunicode + 1))


def test_share_banners_are_anchored_at_the_start() -> None:
    """Why a share word only counts at a block's start when skipping the patterns."""
    (pattern,) = [pattern for kind, _, pattern in _PATTERNS if kind == "share"]
    assert pattern.pattern.startswith("^") and not pattern.flags & re.MULTILINE
