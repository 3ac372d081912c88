"""The banner patterns are tried only on blocks holding one of their words, and blocks only
when the scan over them all suspects them: never a miss."""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import RelatedLink, RemovedBlock
from schemas.article import RemovedKind
from tasks.formats.boilerplate import (
    _BANNER_BYTES,
    _BANNER_WORDS,
    _CASE_EXCEPTIONS,
    _INLINE_LEADS,
    _INLINE_RELATED,
    _MAX_BANNER_CHARS,
    _PATTERNS,
    _SHARE_WORDS,
    PLACEHOLDERS,
    RELATED_MARKERS,
    _related,
    classify,
    is_related_marker,
    sift,
)
from tasks.formats.extracted import Block, Extracted
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


#: Every code point but the surrogates, as one string.
_EVERY = "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)


def _matched_by_ignorecase(letters: set[str]) -> set[str]:
    """The characters re.IGNORECASE matches to one of ``letters`` that do not lower-case to it."""
    return {
        char
        for letter in letters
        for char in re.findall(re.escape(letter), _EVERY, re.IGNORECASE)
        if char.lower() != letter
    }


def test_case_exceptions_are_all_the_letters_re_folds_differently() -> None:
    letters = {letter for _, words, _ in _PATTERNS for word in words for letter in word}
    assert _matched_by_ignorecase(letters) == set(_CASE_EXCEPTIONS.pattern.strip("[]"))


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


def reference_sift(items: list[Block], found: Extracted) -> Extracted:
    """Every block looked at, as before the scan over them all."""
    for index, block in enumerate(items):
        marker = reference_marker(block.text)
        if marker in RELATED_MARKERS:
            found.removed.append(RemovedBlock(kind="related", text=block.text))
            _related(items[index + 1 :], found)
            break
        if kind := classify(block.text):
            found.removed.append(RemovedBlock(kind=kind, text=block.text))
        elif inline := _INLINE_RELATED.match(block.text):
            found.removed.append(RemovedBlock(kind="related", text=block.text))
            found.related.append(RelatedLink(title=inline["title"], url=block.href))
        else:
            found.blocks.append(block)
    return found


_BLOCK_FRAGMENTS = [
    *_FRAGMENTS,
    "Read more: the budget",
    "SEE ALSO – the vote",
    "lire aussi : la réforme",
    "Lesen Sie auch",
    "ſee also: x",
    "À LIRE AUSSI : x",
    "MÁS INFORMACIÓN: x",
    "BOÎTE mail",
    "coo\u212aies",
    "İmage",
    "Image",
    "Advertisement",
    "The minister said, on Monday.",
    "More",
    ": ",
    "…",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_BLOCK_FRAGMENTS), max_size=5).map(" ".join), max_size=12))
def test_sift_looks_at_every_block_that_is_not_article_text(texts: list[str]) -> None:
    got = sift([Block(text, href="https://a.example/") for text in texts], Extracted())
    assert got == reference_sift(
        [Block(text, href="https://a.example/") for text in texts], Extracted()
    )


def test_no_marker_holds_what_lowers_to_a_full_stop_or_a_comma() -> None:
    """Why a block without a full stop or a comma, lower-cased, is all the markers need."""
    assert {char for char in _EVERY if {".", ","} & set(char.lower())} == {".", ","}
    assert not any("." in marker or "," in marker for marker in [*PLACEHOLDERS, *RELATED_MARKERS])


def test_inline_leads_are_found_lower_cased_but_for_the_case_exceptions() -> None:
    found = _matched_by_ignorecase({letter for lead in _INLINE_LEADS for letter in lead})
    assert found <= set(_CASE_EXCEPTIONS.pattern.strip("[]"))
    assert all(any(word in char.lower() for word in _BANNER_WORDS) for char in found)


def test_the_scan_finds_what_lower_case_hides_from_bytes() -> None:
    """Every character whose ``str.lower`` (or re.IGNORECASE match) differs from what
    ``bytes.lower`` makes of its UTF-8, and that a banner word, share word or inline lead
    may use, holds one of the bytes the scan looks for; so do the non-ASCII banner words."""
    letters = set("".join([*_BANNER_WORDS, *_SHARE_WORDS]))  # looked for in str.lower
    lead_letters = set("".join(_INLINE_LEADS))  # matched with re.IGNORECASE
    lowered_otherwise = {
        char
        for char in _EVERY
        if char.lower().encode() != char.encode().lower() and letters & set(char.lower())
    }
    matched_otherwise = {
        char
        for letter in lead_letters
        for char in re.findall(re.escape(letter), _EVERY, re.IGNORECASE)
        if char.encode().lower() not in (letter.encode(), letter.upper().encode())
    }
    non_ascii_words = {word for word in _BANNER_WORDS if not word.isascii()}
    for text in lowered_otherwise | matched_otherwise | non_ascii_words:
        assert any(found in text.encode() for found in _BANNER_BYTES if not found.isascii()), text


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=8))
def test_sift_looks_at_every_block_that_is_not_article_text_on_any_text(texts: list[str]) -> None:
    got = sift([Block(text) for text in texts], Extracted())
    assert got == reference_sift([Block(text) for text in texts], Extracted())
