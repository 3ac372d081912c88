"""Keywords: the article's most telling phrases, YAKE-style but fast enough for the stage.

YAKE itself takes about 20 ms for a 3 KB article, more than the whole tag stage may spend,
so this keeps its main signals on lemmas: frequency, an early first mention, presence in
the headline, capitalisation, and phrases of up to three words that neither start nor end
with a stopword. Where the tagger has a trained model for the language, its inverse document
frequencies demote words every article uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from tasks.nlp import BREAKS, Reading, read, stopwords

#: Chunks are what lies between runs of breaks; phrases never cross a chunk's end.
_CHUNK = re.compile(f"[^{BREAKS}]+")
#: Put between the headline's tokens and the body's.
_BREAK = "\n"
_MAX_WORDS = 3
_MAX_KEYWORDS = 10
_HEADLINE_BOOST = 2.0
_Key = tuple[str, ...]
_KINDS: dict[str, dict[str, int]] = {}
_KINDS_MAX = 200_000


@dataclass(frozen=True)
class Rarity:
    """Inverse document frequency relative to the median word, per lemma phrase.

    Phrases the model never saw are the rarest. A plain dict, so a whole array of phrases
    is weighed in one C-level pass.
    """

    known: dict[str, float]
    unseen: float

    def __call__(self, phrase: str) -> float:
        return self.known.get(phrase, self.unseen)

    def of(self, phrases: Iterable[str], count: int) -> np.ndarray:
        return np.fromiter(map(self.known.get, phrases, repeat(self.unseen)), np.float64, count)


@dataclass
class _Words:
    """Headline then body as flat token lists, chunk breaks included, and numpy flags.

    One regex pass and numpy arrays count every phrase of every size without a Python
    loop over each start and end position.
    """

    words: list[str]
    keys: list[str]
    #: Where the token's chunk starts, from the text's offset (0 or 0.1) to 1 (its end).
    where: np.ndarray
    breaks: np.ndarray
    #: Capitalised and not the first word of its chunk.
    capital: np.ndarray
    weight: np.ndarray


def _read(reading: Reading, offset: float, weight: float) -> _Words:
    text, words = reading.text, reading.tokens
    count = len(words)
    breaks = np.array(reading.breaks, dtype=bool)
    starts = np.array([chunk.start() for chunk in _CHUNK.finditer(text)] or [0], np.float64)
    # The n-th run of breaks ends the chunk before it; a text may open with one.
    chunk = np.cumsum(breaks) - (text[:1] in BREAKS)
    where = offset + (1 - offset) * starts[np.clip(chunk, 0, len(starts) - 1)] / max(len(text), 1)
    upper = {word for word in set(words) if word[0].isupper()}
    capital = np.fromiter(map(upper.__contains__, words), bool, count)
    capital[1:] &= ~breaks[:-1]
    if count:
        capital[0] = False
    return _Words(words, reading.lemmas, where, breaks, capital, np.full(count, weight))


def _joined(head: _Words, body: _Words) -> _Words:
    """Headline and body as one token list, a break between them."""
    return _Words(
        [*head.words, _BREAK, *body.words],
        [*head.keys, _BREAK, *body.keys],
        np.concatenate([head.where, [0.0], body.where]),
        np.concatenate([head.breaks, [True], body.breaks]),
        np.concatenate([head.capital, [False], body.capital]),
        np.concatenate([head.weight, [0.0], body.weight]),
    )


@dataclass(frozen=True)
class _Phrases:
    """Distinct phrases of one size: first word index, weighted count, occurrences."""

    size: int
    first: np.ndarray
    count: np.ndarray
    occurrences: np.ndarray
    capitalised: np.ndarray


def _kinds(unique: set[str], language: str) -> dict[str, int]:
    """Per lemma: 2 if a phrase may start (3+ letters) or end on it (2+), 1 end only, 0 none.

    Cached per language, as most lemmas come back in every article.
    """
    kinds = _KINDS.setdefault(language, {})
    new = unique.difference(kinds)
    if len(kinds) + len(new) > _KINDS_MAX:
        kinds.clear()
        new = unique
    stop = stopwords(language)
    for key in new:
        content = key not in stop and len(key) > 1 and not key.isdigit()
        kinds[key] = content + (content and len(key) > 2)
    return kinds


def _phrases(text: _Words, language: str) -> list[_Phrases]:
    """Phrases of up to three words that neither start nor end with a stopword."""
    distinct = set(text.keys)
    unique = list(distinct)
    ident = {key: position for position, key in enumerate(unique)}
    ids = np.fromiter(map(ident.__getitem__, text.keys), np.int64, len(text.keys))
    kind = np.fromiter(map(_kinds(distinct, language).__getitem__, unique), np.int8, len(unique))
    closing, opening = kind > 0, kind > 1
    opens, closes = opening[ids], closing[ids]
    opens &= ~text.breaks
    closes &= ~text.breaks
    # A trigram's middle word may be a stopword ("Bank of England"), not a chunk break.
    inner = ~text.breaks[1:-1]
    size = len(unique)
    candidates = [
        (opens, ids),
        (opens[:-1] & closes[1:], ids[:-1] * size + ids[1:]),
        (opens[:-2] & inner & closes[2:], (ids[:-2] * size + ids[1:-1]) * size + ids[2:]),
    ]
    weight, capital = text.weight, text.capital
    found: list[_Phrases] = []
    for length, (mask, codes) in enumerate(candidates, start=1):
        starts = np.flatnonzero(mask)
        _, first, inverse, occurrences = np.unique(
            codes[starts], return_index=True, return_inverse=True, return_counts=True
        )
        found.append(
            _Phrases(
                length,
                starts[first],
                np.bincount(inverse, weights=weight[starts], minlength=len(first)),
                occurrences,
                np.bincount(inverse, weights=capital[starts], minlength=len(first)) > 0,
            )
        )
    return found


def _ranked(
    text: _Words, found: list[_Phrases], rarity: Rarity | None
) -> list[tuple[float, _Key, int]]:
    """The best ``4 * _MAX_KEYWORDS`` phrases (score, lemmas, first word), best first."""
    where = text.where
    scored: list[tuple[np.ndarray, np.ndarray, int]] = []
    for phrases in found:
        keep = np.flatnonzero(phrases.occurrences > 1) if phrases.size > 1 else None
        first = phrases.first if keep is None else phrases.first[keep]
        score = np.log1p(phrases.count if keep is None else phrases.count[keep])
        score *= 1.5 - where[first]
        if rarity is not None:
            score *= rarity.of(_names(text.keys, first.tolist(), phrases.size), len(first))
        capitalised = phrases.capitalised if keep is None else phrases.capitalised[keep]
        score[capitalised] *= 1.3
        score *= 1 + 0.4 * (phrases.size - 1)
        scored.append((score, first, phrases.size))
    values = np.concatenate([score for score, _, _ in scored])
    if not len(values):
        return []
    limit = min(4 * _MAX_KEYWORDS, len(values))
    threshold = np.partition(values, len(values) - limit)[len(values) - limit]
    best = [
        (value, tuple(text.keys[start : start + size]), start)
        for score, first, size in scored
        for value, start in zip(
            score[score >= threshold].tolist(), first[score >= threshold].tolist(), strict=True
        )
    ]
    return sorted(best, reverse=True)[:limit]


def _names(keys: list[str], starts: list[int], size: int) -> Iterable[str]:
    """Lemma phrases as the model names its features."""
    if size == 1:
        return map(keys.__getitem__, starts)
    return (" ".join(keys[start : start + size]) for start in starts)


def extract_keywords(
    headline: str,
    body: str,
    language: str,
    rarity: Rarity | None = None,
    names: Sequence[str] = (),
    readings: tuple[Reading, Reading] | None = None,
) -> list[str]:
    """Up to ten keywords, best first, as the article first writes them.

    ``rarity`` weighs lemma phrases around 1 (above for rare words); ``names``
    are the entities' full names, which replace a keyword that is one word of them.
    ``readings`` are headline and body as the tag stage already read them.
    """
    head, body_read = readings or (read(headline, language), read(body, language))
    text = _joined(_read(head, 0.0, _HEADLINE_BOOST), _read(body_read, 0.1, 1.0))
    ranked = _ranked(text, _phrases(text, language), rarity)
    chosen: dict[_Key, int] = {}
    for value, key, start in ranked:
        if value <= 0 or len(chosen) == _MAX_KEYWORDS:
            break
        if any(_contains(other, key) or _contains(key, other) for other in chosen):
            continue
        chosen[key] = start
    keywords: list[str] = []
    for key, start in chosen.items():
        form = " ".join(text.words[start : start + len(key)])
        # A part of a name stands for the whole name: "Poutine" is "Vladimir Poutine".
        full = next((name for name in names if form in name.split()), form)
        if full not in keywords:
            keywords.append(full)
    return keywords


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    size = len(shorter)
    return size < len(longer) and any(
        longer[i : i + size] == shorter for i in range(len(longer) - size + 1)
    )
