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
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import accumulate, repeat

import numpy as np

from tasks.nlp import (
    BREAKS,
    LemmaColumn,
    Lexemes,
    PairIndex,
    Reading,
    read,
    runs,
    stopwords,
    windows,
)

#: Chunks are what lies between runs of breaks; phrases never cross a chunk's end. Per
#: code point up to the last break's, whether it is a break (any code point above: no).
_IS_BREAK = np.zeros(max(map(ord, BREAKS)) + 2, np.bool_)
_IS_BREAK[[ord(char) for char in BREAKS]] = True
#: A chunk's first character: no break, and no other character than a break before it.
_CHUNK_START = re.compile(f"(?<![^{re.escape(BREAKS)}])[^{re.escape(BREAKS)}]")
#: Texts up to this length (headlines) are placed in Python: numpy's cost per call, about
#: 1 µs for each of a dozen calls, is more than the work.
_SHORT_TEXT = 200
#: Put between the headline's tokens and the body's.
_BREAK = "\n"
_MAX_WORDS = 3
_MAX_KEYWORDS = 10
_HEADLINE_BOOST = 2.0
_Key = tuple[str, ...]
#: What a one-word phrase is made of.
_NOTHING: frozenset[_Key] = frozenset()


@dataclass(frozen=True)
class Rarity:
    """Inverse document frequency relative to the median word, per lemma phrase.

    Phrases the model never saw are the rarest. A plain dict, so a whole array of phrases
    is weighed in one C-level pass.
    """

    known: dict[str, float]
    unseen: float
    #: The rarity of each single lemma, by language, as a numpy array by lemma id.
    columns: dict[str, LemmaColumn] = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, phrase: str) -> float:
        return self.known.get(phrase, self.unseen)

    def of(self, phrases: Iterable[str], count: int) -> np.ndarray:
        return np.fromiter(map(self.known.get, phrases, repeat(self.unseen)), np.float64, count)

    def of_lemmas(self, lexemes: Lexemes) -> np.ndarray:
        """``self(lemma)`` of every lemma of ``lexemes``, by lemma id."""
        column = self.columns.get(lexemes.language)
        if column is None:
            column = self.columns[lexemes.language] = LemmaColumn(self, np.float64)
        return column.of(lexemes)

    def of_pairs(self, lexemes: Lexemes, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """``self(f"{a} {b}")`` of pairs of lemma ids, as numbers rather than strings."""
        return self._pairs.find(lexemes, first, second)

    @cached_property
    def pairs_only(self) -> bool:
        """No known phrase has more than two words (so ``of_pairs`` weighs every phrase)."""
        return all(name.count(" ") < 2 for name in self.known)

    @cached_property
    def _pairs(self) -> PairIndex:
        pairs = [(name.split(" "), value) for name, value in self.known.items() if " " in name]
        known = [(words[0], words[1], value) for words, value in pairs if len(words) == 2]
        values = np.array([value for _, _, value in known], np.float64)
        return PairIndex([(a, b) for a, b, _ in known], values, self.unseen)


@dataclass
class _Words:
    """Headline then body as token and lemma ids, chunk breaks included, and numpy flags.

    Numpy arrays count every phrase of every size without a Python loop over each start
    and end position.
    """

    lexemes: Lexemes
    ids: np.ndarray
    keys: np.ndarray
    #: Where the token's chunk starts, from the text's offset (0 or 0.1) to 1 (its end).
    where: np.ndarray
    breaks: np.ndarray
    #: Capitalised and not the first word of its chunk.
    capital: np.ndarray
    weight: np.ndarray


def _words(head: Reading, body: Reading) -> _Words:
    """Headline and body as one token list, a break between them."""
    lexemes = body.lexemes
    separator = lexemes.token(_BREAK)
    ids = np.concatenate([head.ids, [separator], body.ids])
    breaks = lexemes.is_break[ids]
    capital = lexemes.is_upper[ids]
    capital[1:] &= ~breaks[:-1]
    capital[0] = False
    size = len(head.ids)
    where = [
        _where(head.text, breaks[:size], 0.0),
        np.zeros(1),
        _where(body.text, breaks[size + 1 :], 0.1),
    ]
    weights = np.array([_HEADLINE_BOOST, 0.0, 1.0])
    return _Words(
        lexemes,
        ids,
        lexemes.lemma_of[ids],
        np.concatenate(where),
        breaks,
        capital,
        np.repeat(weights, [size, 1, len(body.ids)]),
    )


def _where(text: str, breaks: np.ndarray, offset: float) -> np.ndarray:
    """Where each token's chunk starts, from ``offset`` (the text's start) to 1 (its end)."""
    if len(text) <= _SHORT_TEXT:
        return _where_short(text, breaks, offset)
    starts = _chunk_starts(text)
    if not len(starts):
        starts = np.zeros(1, np.int64)
    places = offset + (1 - offset) * starts / max(len(text), 1)
    # The n-th run of breaks ends the chunk before it; a text may open with one (so never
    # a chunk before the first).
    chunk = breaks.cumsum() - (text[:1] in BREAKS)
    return places[np.minimum(chunk, len(starts) - 1)]


def _where_short(text: str, breaks: np.ndarray, offset: float) -> np.ndarray:
    """``_where`` in Python, the same numbers (the same float operations in the same order)."""
    starts = [match.start() for match in _CHUNK_START.finditer(text)] or [0]
    size, last, opening = max(len(text), 1), len(starts) - 1, text[:1] in BREAKS
    places = [offset + (1 - offset) * start / size for start in starts]
    chunks = accumulate(breaks.tolist())
    return np.array([places[min(chunk - opening, last)] for chunk in chunks], np.float64)


def _chunk_starts(text: str) -> np.ndarray:
    """The offset of each chunk, found by numpy on the text's code points: a regex match
    per chunk cost twice as much."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    broken = _IS_BREAK[np.minimum(codes, len(_IS_BREAK) - 1)]
    starts = ~broken
    starts[1:] &= broken[:-1]
    return starts.nonzero()[0]


@dataclass(frozen=True)
class _Phrases:
    """Distinct phrases of every size: words, first word index, weighted count, occurrences."""

    size: np.ndarray
    first: np.ndarray
    count: np.ndarray
    occurrences: np.ndarray
    capitalised: np.ndarray


def _kind(lemma: str, stop: frozenset[str]) -> int:
    """2 if a phrase may start (3+ letters) or end on the lemma (2+), 1 end only, 0 none."""
    content = lemma not in stop and len(lemma) > 1 and not lemma.isdigit()
    return content + (content and len(lemma) > 2)


@cache
def _kinds(language: str) -> LemmaColumn:
    """``_kind`` of every lemma of the language, computed once per lemma."""
    stop = stopwords(language)
    return LemmaColumn(lambda lemma: _kind(lemma, stop), np.int8)


def _phrases(text: _Words, language: str) -> _Phrases:
    """Phrases of up to three words that neither start nor end with a stopword.

    Each phrase is a number (its lemma ids in base ``n``, offset by size so that sizes never
    collide), and one stable sort groups them all (``runs``).
    """
    ids = text.keys
    kind = _kinds(language).of(text.lexemes)[ids]
    opens = (kind > 1) & ~text.breaks
    closes = (kind > 0) & ~text.breaks
    # A trigram's middle word may be a stopword ("Bank of England"), not a chunk break.
    inner = ~text.breaks[1:-1]
    n = len(text.lexemes.lemmas)
    singles = opens.nonzero()[0]
    pairs = (opens[:-1] & closes[1:]).nonzero()[0]
    triples = (opens[:-2] & inner & closes[2:]).nonzero()[0]
    starts = np.concatenate([singles, pairs, triples])
    codes = np.concatenate(
        [
            ids[singles],
            n + ids[pairs] * n + ids[pairs + 1],
            n + n * n + (ids[triples] * n + ids[triples + 1]) * n + ids[triples + 2],
        ]
    )
    sizes = np.repeat(np.array([1, 2, 3]), [len(singles), len(pairs), len(triples)])
    order, groups, occurrences = runs(codes)
    first = order[groups]  # each phrase's first occurrence, as the sort is stable
    occurring = starts[order]
    return _Phrases(
        sizes[first],
        starts[first],
        np.add.reduceat(text.weight[occurring], groups),
        occurrences,
        np.logical_or.reduceat(text.capital[occurring], groups),
    )


def _ranked(
    text: _Words, phrases: _Phrases, rarity: Rarity | None
) -> list[tuple[float, _Key, int]]:
    """The best ``4 * _MAX_KEYWORDS`` phrases (score, lemmas, first word), best first.

    Phrases come by size (their codes are ordered so), so each size is a slice.
    """
    names, ids = text.lexemes.lemmas, text.keys
    # A phrase of two or three words must occur twice.
    keep = ((phrases.size == 1) | (phrases.occurrences > 1)).nonzero()[0]
    first, size = phrases.first[keep], phrases.size[keep]
    pairs, triples = np.searchsorted(size, [2, 3]).tolist()
    score = np.log1p(phrases.count[keep])
    score *= 1.5 - text.where[first]
    if rarity is not None:
        weights = np.empty(len(first))
        weights[:pairs] = rarity.of_lemmas(text.lexemes)[ids[first[:pairs]]]
        if rarity.pairs_only:  # the model's phrases have two words at most, as it is trained
            starts = first[pairs:triples]
            weights[pairs:triples] = rarity.of_pairs(text.lexemes, ids[starts], ids[starts + 1])
            weights[triples:] = rarity.unseen
        else:
            grams = zip(windows(ids, first[pairs:], _MAX_WORDS), size[pairs:].tolist(), strict=True)
            named = (" ".join(map(names.__getitem__, g[:k])) for g, k in grams)
            weights[pairs:] = rarity.of(named, len(first) - pairs)
        score *= weights
    score[phrases.capitalised[keep]] *= 1.3
    # Longer phrases say more: × (1 + 0.4 × (words − 1)).
    score[pairs:triples] *= 1 + 0.4 * 1
    score[triples:] *= 1 + 0.4 * 2
    if not len(score):
        return []
    limit = min(4 * _MAX_KEYWORDS, len(score))
    threshold = np.partition(score, len(score) - limit)[len(score) - limit]
    chosen = (score >= threshold).nonzero()[0]
    starts = first[chosen]
    keys = [
        tuple(map(names.__getitem__, gram[:k]))
        for gram, k in zip(windows(ids, starts, _MAX_WORDS), size[chosen].tolist(), strict=True)
    ]
    best = list(zip(score[chosen].tolist(), keys, starts.tolist(), strict=True))
    return sorted(best, reverse=True)[:limit]


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
    if head.lexemes is not body_read.lexemes:  # the language's table started afresh between
        head = Reading(headline, body_read.lexemes)
    text = _words(head, body_read)
    ranked = _ranked(text, _phrases(text, language), rarity)
    chosen: dict[_Key, int] = {}
    within: set[_Key] = set()  # every shorter phrase inside a chosen one
    for value, key, start in ranked:
        if value <= 0 or len(chosen) == _MAX_KEYWORDS:
            break
        inside = _inside(key) if len(key) > 1 else _NOTHING
        if key in within or not chosen.keys().isdisjoint(inside):
            continue  # a chosen phrase holds it, or it holds a chosen one
        chosen[key] = start
        within |= inside
    keywords: list[str] = []
    # A part of a name stands for the whole name: "Poutine" is "Vladimir Poutine".
    parts: dict[str, str] = {}
    for name in names:
        for part in name.split():
            parts.setdefault(part, name)
    written = text.lexemes.tokens
    for key, start in chosen.items():
        form = " ".join(map(written.__getitem__, text.ids[start : start + len(key)].tolist()))
        full = parts.get(form, form)
        if full not in keywords:
            keywords.append(full)
    return keywords


def _inside(key: _Key) -> set[_Key]:
    """The shorter phrases a phrase is made of: its words, and their pairs in a triple."""
    size = len(key)
    return {key[i : i + length] for length in range(1, size) for i in range(size - length + 1)}
