"""Content identity: an exact hash for "same text again" and a SimHash for "nearly the same".

Both are computed on normalized text, so whitespace, encoding and markup differences
between two copies of an article change neither.
"""

from __future__ import annotations

import hashlib
import re
from hashlib import blake2b

import numpy as np

from tasks.text import TokenCache, token_words, tokens

_WORD = re.compile(r"\w+")
_BITS = 64
_SHINGLE = 3
#: Rows summed per pass in uint64 byte lanes: a lane holds up to 255.
_LANE_ROWS = 255
#: A word's hash, and the word count of the token it opens (0 for the token's other words).
_RECORD = np.dtype([("hash", ">u8"), ("words", "<u4")])
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


def _token_records(token: bytes) -> bytes:
    """One ``_RECORD`` per word hash of the token, the first carrying the token's word count
    (a token with words has a word hash: every ``\\w`` character case-folds to some)."""
    hashes = _token_hashes(token)
    first = token_words(token).to_bytes(4, "little")
    return b"".join(
        hashes[at : at + 8] + (first if at == 0 else bytes(4)) for at in range(0, len(hashes), 8)
    )


#: Kept per process: articles share most of their words, and most of their tokens (a word
#: with the punctuation around it), so each is hashed about once per worker, not per article.
_WORD_HASH: TokenCache[str, bytes] = TokenCache(_blake2b_64)
_TOKEN_RECORDS: TokenCache[bytes, bytes] = TokenCache(_token_records)


def _records(pieces: list[bytes]) -> np.ndarray:
    """The ``_RECORD`` of every ``\\w`` word of the case-folded text, in order: the words of
    its tokens (``tasks.text.tokens``) one after the other, found with one lookup a token."""
    return np.frombuffer(b"".join(map(_TOKEN_RECORDS.__getitem__, pieces)), dtype=_RECORD)


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
    return word_count_and_simhash(tokens(text))[1]


def word_count_and_simhash(pieces: list[bytes]) -> tuple[int, str]:
    """The word count (``\\w+`` with inner apostrophes and hyphens, ``tasks.text.token_words``
    token by token) and the ``simhash`` of the text whose ``tasks.text.tokens`` are ``pieces``.

    Each distinct token is looked up once per process, its word count and word hashes
    together, and the shingles' hashes are combined from the words' with numpy, so the cost
    grows with the article's tokens, not with a hash per word or shingle. The bit votes are
    counted over all shingles at once.
    """
    records = _records(pieces)
    words = int(records["words"].sum())
    if not len(records):
        return words, f"{0:016x}"
    hashes = records["hash"].astype(np.uint64)
    return words, f"{_majority_bits(_shingle_hashes(hashes)):016x}"


def hamming(a: str, b: str) -> int:
    """Bits that differ between two SimHashes (``tasks/neardup.lua`` computes the same)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
