"""Content identity: an exact hash for "same text again" and a SimHash for "nearly the same".

Both are computed on normalized text, so whitespace, encoding and markup differences
between two copies of an article change neither.
"""

from __future__ import annotations

import hashlib
import re
from hashlib import blake2b

import numpy as np

from tasks.text import TokenCache, tokens

_WORD = re.compile(r"\w+")
_BITS = 64
_SHINGLE = 3
#: Rows summed per pass in uint64 byte lanes: a lane holds up to 255.
_LANE_ROWS = 255
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


def _blake2b_64(word: str) -> bytes:
    return blake2b(word.encode(), digest_size=8).digest()


def _token_hashes(token: bytes) -> bytes:
    """blake2b-64 of each ``\\w+`` word of the case-folded token, concatenated big-endian."""
    text = token.decode()
    folded = text.casefold()
    if text.isalnum() and folded.isalnum():
        return _WORD_HASH[folded]
    return b"".join(map(_WORD_HASH.__getitem__, _WORD.findall(folded)))


#: Kept per process: articles share most of their words, and most of their tokens (a word
#: with the punctuation around it), so each is hashed about once per worker, not per article.
_WORD_HASH: TokenCache[str, bytes] = TokenCache(_blake2b_64)
_TOKEN_HASHES: TokenCache[bytes, bytes] = TokenCache(_token_hashes)


def _word_hashes(pieces: list[bytes]) -> np.ndarray:
    """The 64-bit hash of every ``\\w+`` word of the case-folded text, in order: the words
    of its tokens (``tasks.text.tokens``) one after the other."""
    joined = b"".join(map(_TOKEN_HASHES.__getitem__, pieces))
    return np.frombuffer(joined, dtype=">u8").astype(np.uint64)


def _shingle_hashes(hashes: np.ndarray) -> np.ndarray:
    """One 64-bit hash per word 3-shingle (one for a text of fewer words), order-sensitive:
    ``mix(mix(mix(a) ^ b) ^ c)`` of the words' hashes."""
    if len(hashes) < _SHINGLE:
        folded = hashes[:1]
        for value in hashes[1:]:
            folded = _mix(folded) ^ value
        return _mix(folded)
    return _mix(_mix(_mix(hashes[:-2]) ^ hashes[1:-1]) ^ hashes[2:])


def _majority_bits(values: np.ndarray) -> int:
    """The bits set in more than half of ``values``.

    The values' bits are unpacked (bit ``i`` of a value at column ``i``) and the columns
    summed eight at a time in the byte lanes of a uint64, 255 rows per sum so that no lane
    carries into the next.
    """
    bits = np.unpackbits(values.astype("<u8").view(np.uint8), bitorder="little")
    lanes = bits.reshape(-1, _BITS).view(np.uint64)
    sums = np.add.reduceat(lanes, np.arange(0, len(lanes), _LANE_ROWS), axis=0)
    ones = sums.view(np.uint8).sum(axis=0, dtype=np.int64)
    majority = np.packbits(2 * ones > len(values), bitorder="little")
    return int.from_bytes(majority.tobytes(), "little")


def simhash(text: str) -> str:
    """64-bit SimHash over word 3-shingles of the case-folded text, as 16 hex digits."""
    return simhash_tokens(tokens(text))


def simhash_tokens(pieces: list[bytes]) -> str:
    """``simhash`` of the text whose ``tasks.text.tokens`` are ``pieces``.

    Each distinct token is hashed once per process and the shingles' hashes are combined
    from the words' with numpy, so the cost grows with the article's tokens, not with a
    hash per word or shingle. The bit votes are counted over all shingles at once.
    """
    hashes = _word_hashes(pieces)
    if not len(hashes):
        return f"{0:016x}"
    return f"{_majority_bits(_shingle_hashes(hashes)):016x}"


def hamming(a: str, b: str) -> int:
    """Bits that differ between two SimHashes (``tasks/neardup.lua`` computes the same)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
