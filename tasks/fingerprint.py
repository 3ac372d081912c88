"""Content identity: an exact hash for "same text again" and a SimHash for "nearly the same".

Both are computed on normalized text, so whitespace, encoding and markup differences
between two copies of an article change neither.
"""

from __future__ import annotations

import hashlib
import re
from hashlib import blake2b

import numpy as np

_WORD = re.compile(r"\w+")
_BITS = 64
_SHINGLE = 3
#: SplitMix64's multipliers (Steele, Lea and Flood 2014).
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
#: Hamming distance at or under which two SimHashes are the same story (Manku et al. 2007).
NEAR_DUPLICATE_BITS = 3


def content_sha256(headline: str, body: str) -> str:
    """SHA-256 of the normalized headline and body: equal exactly when the text is equal."""
    return hashlib.sha256(f"{headline}\n\n{body}".encode()).hexdigest()


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer on each value: every input bit flips about half the output bits."""
    values = (values ^ (values >> np.uint64(30))) * _MIX[0]
    values = (values ^ (values >> np.uint64(27))) * _MIX[1]
    return values ^ (values >> np.uint64(31))


def _word_hashes(words: list[str]) -> np.ndarray:
    """blake2b-64 of each word, computed once per distinct word (articles repeat their words)."""
    digests = {word: blake2b(word.encode(), digest_size=8).digest() for word in set(words)}
    return np.frombuffer(b"".join(map(digests.__getitem__, words)), dtype=">u8").astype(np.uint64)


def _shingle_hashes(words: list[str]) -> np.ndarray:
    """One 64-bit hash per word 3-shingle (one for a text of fewer words), order-sensitive:
    ``mix(mix(mix(a) ^ b) ^ c)`` of the words' hashes."""
    hashes = _word_hashes(words)
    if len(hashes) < _SHINGLE:
        folded = hashes[:1]
        for value in hashes[1:]:
            folded = _mix(folded) ^ value
        return _mix(folded)
    return _mix(_mix(_mix(hashes[:-2]) ^ hashes[1:-1]) ^ hashes[2:])


def simhash(text: str) -> str:
    """64-bit SimHash over word 3-shingles, as 16 hex digits.

    Each distinct word is hashed once and the shingles' hashes are combined from the words'
    with numpy, so the cost grows with the vocabulary, not with a hash per shingle. The bit
    votes are counted over all shingles at once (their bits unpacked, most significant first).
    """
    words = _WORD.findall(text.casefold())
    if not words:
        return f"{0:016x}"
    shingles = _shingle_hashes(words)
    bits = np.unpackbits(shingles.astype(">u8").view(np.uint8)).reshape(-1, _BITS)
    ones = bits.sum(axis=0, dtype=np.int64)[::-1]
    fingerprint = sum(1 << int(bit) for bit in np.flatnonzero(2 * ones > len(bits)))
    return f"{fingerprint:016x}"


def hamming(a: str, b: str) -> int:
    """Bits that differ between two SimHashes (``tasks/neardup.lua`` computes the same)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
