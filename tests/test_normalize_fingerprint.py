"""SimHash values are stored and compared across processes, machines and releases."""

from __future__ import annotations

import hashlib
import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.fingerprint import simhash
from tasks.text import _CUTS, TokenCache

_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    value = ((value ^ value >> 30) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ value >> 27) * 0x94D049BB133111EB) & _MASK
    return value ^ value >> 31


def _shingle_hash(words: list[str]) -> int:
    hashes = [
        int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "big") for w in words
    ]
    folded = hashes[0]
    for value in hashes[1:]:
        folded = _mix(folded) ^ value
    return _mix(folded)


def reference_simhash(text: str) -> str:
    """The definition, one bit at a time: each word 3-shingle's hash, folded from the words'
    blake2b-64 with SplitMix64's finalizer, votes per bit."""
    words = re.findall(r"\w+", text.casefold())
    shingles = [words[i : i + 3] for i in range(max(1, len(words) - 2))] if words else []
    votes = [0] * 64
    for shingle in shingles:
        value = _shingle_hash(shingle)
        for bit in range(64):
            votes[bit] += 1 if value >> bit & 1 else -1
    return f"{sum(1 << bit for bit in range(64) if votes[bit] > 0):016x}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The council approved the new rail line on Tuesday after a long debate.",
            "ec7477373140ea8c",
        ),
        ("Le conseil a approuvé la nouvelle ligne ferroviaire mardi.", "504242384ffcd596"),
        ("two words", "6b7f727125fa88fd"),
        ("", "0000000000000000"),
    ],
)
def test_simhash_values_are_stable(text: str, expected: str) -> None:
    assert simhash(text) == expected


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab cd É ß\n.'-İ"), max_size=120))
def test_simhash_is_its_definition(text: str) -> None:
    assert simhash(text) == reference_simhash(text)


def test_tokens_are_cut_where_no_word_is() -> None:
    """What ``_records`` relies on to find words token by token: no cut character is a
    word character or a joiner, and each is its own case fold; and ``\\w`` is what the
    ``isalnum`` shortcuts take it for, on every code point."""
    cuts = _CUTS + " \t\n\r\x0b\x0c"
    assert all(char.isascii() and char.casefold() == char for char in cuts)
    assert not re.search(r"[\w'’-]", cuts)
    word = re.compile(r"\w")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (word.match(char) is not None) == (char.isalnum() or char == "_"), hex(code)


def test_every_word_character_case_folds_to_one() -> None:
    """Why a token's word count always has a word hash's record to ride on."""
    word = re.compile(r"\w")
    for code in range(sys.maxunicode + 1):
        if word.match(chr(code)):
            assert word.search(chr(code).casefold()), hex(code)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab É_1 \n\t.,;()'’-İß\u00a0\u2028"), max_size=80))
def test_simhash_is_its_definition_with_punctuation(text: str) -> None:
    assert simhash(text) == reference_simhash(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_simhash_is_its_definition_on_any_text(text: str) -> None:
    assert simhash(text) == reference_simhash(text)


def test_simhash_outlives_a_full_token_cache() -> None:
    """The per-process token cache starts again when full; values do not change."""
    cache: TokenCache[str, int] = TokenCache(len, size=2)
    assert [cache[t] for t in ("a", "bb", "ccc", "a")] == [1, 2, 3, 1]
    assert len(cache) <= 2 and cache["bb"] == 2
    text = " ".join(f"w{n}" for n in range(60_000))
    assert simhash(text) == reference_simhash(text)
