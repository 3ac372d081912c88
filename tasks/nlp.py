"""Tokens, lemmas and stopwords shared by the tagger, entity and keyword extraction.

Training (``benchmarks/train_topics.py``) and inference use these same functions, so a
feature learnt offline is the feature found at run time.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from itertools import repeat

import numpy as np
import simplemma

#: Languages simplemma lemmatizes that the tagger also knows; others keep their word forms.
LEMMA_LANGUAGES = frozenset({"en", "fr", "de", "es", "it", "pt", "nl"})
_TOKEN = re.compile(r"\w+(?:-\w+)*")
#: simplemma is a dictionary lookup but slow per call; a word's lemma never changes.
_LEMMA_CACHE_MAX = 200_000
_lemmas: dict[str, dict[str, str]] = {}

#: Punctuation that ends a phrase: keywords never run across it (lexicon terms may).
BREAKS = '.!?;:,()«»"“”\n–—'
_BREAK_CHARS = frozenset(BREAKS)
#: Words, and runs of breaks as tokens of their own.
_READ = re.compile(f"\\w+(?:-\\w+)*|[{BREAKS}]+")
#: Distinct tokens (and space-separated pieces) kept per language before starting afresh.
_TABLE_MAX = 200_000
_generations = itertools.count()


class Lexemes:
    """Every token and lemma of one language met so far, numbered, so that the per-word
    work of the tag stage is numpy indexing by id rather than Python per word.

    No token holds a space, so a text reads as its space-separated pieces read one by one;
    most pieces ("the", "said", "Monday.") come back in every article and are read once.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        #: Tells derived tables (``LemmaColumn``) that ids were renumbered.
        self.generation = next(_generations)
        self.token_ids: dict[str, int] = {}
        self.tokens: list[str] = []
        self.lemma_ids: dict[str, int] = {}
        self.lemmas: list[str] = []
        #: Per token id: its lemma id, whether it is a run of breaks, whether capitalised.
        self._lemma_of = _Growing(np.int64)
        self._is_break = _Growing(np.bool_)
        self._is_upper = _Growing(np.bool_)
        self._forget_pieces()

    def _forget_pieces(self) -> None:
        #: Piece ids by piece, and per piece id, its token ids in ``_piece_tokens``.
        self.pieces: dict[str, int] = {}
        self._piece_size = _Growing(np.int64)
        self._piece_start = _Growing(np.int64)
        self._piece_tokens = _Growing(np.int64)

    def read(self, text: str) -> np.ndarray:
        """The token ids of ``text``: its pieces' ids at C level, then numpy lays out their
        tokens (a Python loop only over pieces never met)."""
        return self.read_parts(text, 0)[0]

    def read_parts(self, text: str, first: int) -> tuple[np.ndarray, int]:
        """``read``, and how many of the tokens the ``first`` pieces give."""
        chunks = text.split(" ")
        pieces = np.fromiter(map(self.pieces.get, chunks, repeat(-1)), np.int64, len(chunks))
        missing = (pieces < 0).nonzero()[0]
        if len(missing):
            if len(self.pieces) > _TABLE_MAX:
                self._forget_pieces()
                missing = np.arange(len(chunks))
            for index in missing.tolist():
                pieces[index] = self._piece(chunks[index])
        sizes = self._piece_size.values[pieces]
        ends = sizes.cumsum()
        # Each token's place: its piece's first token, plus how far into the piece it is.
        offsets = np.repeat(self._piece_start.values[pieces] - (ends - sizes), sizes)
        return self._piece_tokens.values[offsets + np.arange(len(offsets))], (
            int(ends[first - 1]) if first else 0
        )

    def _piece(self, chunk: str) -> int:
        found = self.pieces.get(chunk)
        if found is None:
            known = self.token_ids  # most of a new piece's tokens are not new
            tokens = _READ.findall(chunk)
            ids = np.array([known[t] if t in known else self.token(t) for t in tokens], np.int64)
            found = self.pieces[chunk] = self._piece_size.size
            self._piece_size.append(len(ids))
            self._piece_start.append(self._piece_tokens.size)
            self._piece_tokens.extend(ids)
        return found

    def token(self, token: str) -> int:
        """The id of a token, numbered on first sight with its lemma."""
        found = self.token_ids.get(token)
        if found is None:
            found = self.token_ids[token] = len(self.tokens)
            self.tokens.append(token)
            self._lemma_of.append(self.lemma(lemma(token.casefold(), self.language)))
            self._is_break.append(token[0] in _BREAK_CHARS)
            self._is_upper.append(token[0].isupper())
        return found

    def lemma(self, text: str) -> int:
        found = self.lemma_ids.get(text)
        if found is None:
            found = self.lemma_ids[text] = len(self.lemmas)
            self.lemmas.append(text)
        return found

    @property
    def lemma_of(self) -> np.ndarray:
        return self._lemma_of.values

    @property
    def is_break(self) -> np.ndarray:
        return self._is_break.values

    @property
    def is_upper(self) -> np.ndarray:
        return self._is_upper.values


class _Growing:
    """A numpy array appended to one value at a time, in amortised constant time."""

    def __init__(self, dtype: type) -> None:
        self._data: np.ndarray = np.zeros(1024, dtype)
        self.size = 0

    def append(self, value: object) -> None:
        if self.size == len(self._data):
            self._data = np.concatenate([self._data, np.zeros_like(self._data)])
        self._data[self.size] = value
        self.size += 1

    def extend(self, values: np.ndarray) -> None:
        while self.size + len(values) > len(self._data):
            self._data = np.concatenate([self._data, np.zeros_like(self._data)])
        self._data[self.size : self.size + len(values)] = values
        self.size += len(values)

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]


class LemmaColumn:
    """A value per lemma (a stopword flag, a model row…), computed once per lemma met,
    as a numpy array indexed by lemma id."""

    def __init__(self, compute: Callable[[str], object], dtype: type) -> None:
        self._compute, self._dtype = compute, dtype
        self._generation = -1
        self._values = _Growing(dtype)

    def of(self, lexemes: Lexemes) -> np.ndarray:
        if self._generation != lexemes.generation:
            self._generation, self._values = lexemes.generation, _Growing(self._dtype)
        done = self._values.size
        if done < len(lexemes.lemmas):
            new = lexemes.lemmas[done:]
            self._values.extend(np.fromiter(map(self._compute, new), self._dtype, len(new)))
        return self._values.values


class PairIndex:
    """Values of two-word phrases, looked up by the lemma ids of adjacent words.

    Each word of a phrase gets a number from 1 (0: in no phrase) and a pair the code
    ``first * base + second``, so no unknown word can make a known code.
    """

    def __init__(self, pairs: list[tuple[str, str]], values: np.ndarray, default: float) -> None:
        vocabulary = sorted({word for pair in pairs for word in pair})
        numbers = {word: number for number, word in enumerate(vocabulary, start=1)}
        self._base = len(numbers) + 1
        codes = np.array([numbers[a] * self._base + numbers[b] for a, b in pairs], np.int64)
        order = codes.argsort()
        self._codes, self._values = codes[order], values[order]
        self._default = default
        self._numbers = LemmaColumn(lambda lemma: numbers.get(lemma, 0), np.int64)

    def find(self, lexemes: Lexemes, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The value of each phrase ``first[i] second[i]`` (lemma ids), else the default."""
        numbers = self._numbers.of(lexemes)
        wanted = numbers[first] * self._base + numbers[second]
        if not len(self._codes):
            return np.full(len(wanted), self._default, self._values.dtype)
        at = np.minimum(np.searchsorted(self._codes, wanted), len(self._codes) - 1)
        return np.where(self._codes[at] == wanted, self._values[at], self._default)


def runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A stable order of ``values``, where each run of equal values starts in it, and each
    run's length: what ``np.unique`` finds with ``return_index`` and ``return_counts``, in
    half its time (its ``np.diff`` alone costs 12 µs)."""
    order = values.argsort(kind="stable")
    ordered = values[order]
    new = np.empty(len(values), np.bool_)
    new[:1] = True
    new[1:] = ordered[1:] != ordered[:-1]
    starts = new.nonzero()[0]
    return order, starts, np.subtract(np.append(starts[1:], len(values)), starts)


def windows(values: np.ndarray, starts: np.ndarray, width: int) -> list[list[int]]:
    """``values[start : start + width]`` from each start, padded with the last value."""
    reach = np.minimum(starts[:, None] + np.arange(width), len(values) - 1)
    return values[reach].tolist()


_lexemes: dict[str, Lexemes] = {}


def lexemes(language: str) -> Lexemes:
    """The language's table, started afresh when it grows too large (numbers, typos)."""
    table = _lexemes.get(language)
    if table is None or len(table.tokens) > _TABLE_MAX:
        table = _lexemes[language] = Lexemes(language)
    return table


class Reading:
    """A text tokenized and lemmatized once, shared by the tagger and keyword extraction.

    Both use every array, so they are computed at once: as a ``cached_property`` each
    cost some 2 µs more at its first use, about 1 % of the stage for an article's six.
    """

    def __init__(self, text: str, table: Lexemes, ids: np.ndarray | None = None) -> None:
        self.text = text
        self.lexemes = table
        #: Token ids: words as written and runs of break characters, in order.
        self.ids = table.read(text) if ids is None else ids
        #: The words alone (no breaks), and their lemmas.
        self.word_ids = self.ids[~table.is_break[self.ids]]
        self.word_lemma_ids = table.lemma_of[self.word_ids]


def read(text: str, language: str) -> Reading:
    """Tokens, lemmas and breaks of ``text``: the per-word work of the tag stage, done once."""
    return Reading(text, lexemes(language))


def read_article(headline: str, body: str, language: str) -> tuple[Reading, Reading]:
    """``read`` of headline and body, as one text: one lookup of the pieces and one layout
    of their tokens rather than two (a dozen numpy calls fewer), and one table for both."""
    table = lexemes(language)
    ids, size = table.read_parts(f"{headline} {body}", headline.count(" ") + 1)
    return Reading(headline, table, ids[:size]), Reading(body, table, ids[size:])


def tokens(text: str) -> list[str]:
    """Lower-cased words; apostrophes split elisions ("l'Ukraine" gives "l", "ukraine")."""
    return _TOKEN.findall(text.casefold())


def lemma(word: str, language: str) -> str:
    """The dictionary form of a lower-cased word, cached for the life of the process."""
    if word.isdigit() or language not in LEMMA_LANGUAGES:
        return word  # numbers never enter the cache: every article brings new ones
    table = _lemmas.setdefault(language, {})
    found = table.get(word)
    if found is None:
        found = simplemma.lemmatize(word, lang=language).casefold()
        if len(table) < _LEMMA_CACHE_MAX:
            table[word] = found
    return found


def lemma_list(words: list[str], language: str) -> list[str]:
    """``lemma`` of each word; the cache is read inline, as this runs on every word."""
    table = _lemmas.setdefault(language, {})
    return [table.get(word) or lemma(word, language) for word in words]


def lemmas(text: str, language: str) -> list[str]:
    return lemma_list(tokens(text), language)


def phrase_key(term: str, language: str) -> str:
    """The lemma sequence a lexicon term is matched as."""
    return " ".join(lemmas(term, language))


@cache
def stopwords(language: str) -> frozenset[str]:
    """Function words (and their lemmas) that are never keywords nor entity names alone."""
    raw: dict[str, list[str]] = json.loads(
        resources.files("tasks").joinpath("data/stopwords.json").read_text("utf-8")
    )
    words = set(raw.get(language, raw["en"]))
    return frozenset(words | {lemma(word, language) for word in words})
