"""SimHash values are stored and compared across processes, machines and releases."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.fingerprint import simhash


def reference_simhash(text: str) -> str:
    """The definition, one bit at a time: blake2b-64 of each word 3-shingle votes per bit."""
    words = re.findall(r"\w+", text.casefold())
    shingles = [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))] if words else []
    votes = [0] * 64
    for shingle in shingles:
        value = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            votes[bit] += 1 if value >> bit & 1 else -1
    return f"{sum(1 << bit for bit in range(64) if votes[bit] > 0):016x}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The council approved the new rail line on Tuesday after a long debate.",
            "f76ebf8d05b556e7",
        ),
        ("Le conseil a approuvé la nouvelle ligne ferroviaire mardi.", "41e5f569398d02f3"),
        ("two words", "b0ce94d70c1661cc"),
        ("", "0000000000000000"),
    ],
)
def test_simhash_values_are_stable(text: str, expected: str) -> None:
    assert simhash(text) == expected


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab cd É ß\n.'-İ"), max_size=120))
def test_simhash_is_its_definition(text: str) -> None:
    assert simhash(text) == reference_simhash(text)
