"""Tokens, lemmas and stopwords shared by the tagger, entity and keyword extraction.

Training (``benchmarks/train_topics.py``) and inference use these same functions, so a
feature learnt offline is the feature found at run time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from itertools import compress
from operator import itemgetter, not_

import simplemma

#: Languages simplemma lemmatizes that the tagger also knows; others keep their word forms.
LEMMA_LANGUAGES = frozenset({"en", "fr", "de", "es", "it", "pt", "nl"})
_TOKEN = re.compile(r"\w+(?:-\w+)*")
#: simplemma is a dictionary lookup but slow per call; a word's lemma never changes.
_LEMMA_CACHE_MAX = 200_000
_lemmas: dict[str, dict[str, str]] = {}
#: The same, keyed by the word as written, so callers need not casefold every token.
_written: dict[str, dict[str, str]] = {}


#: Punctuation that ends a phrase: keywords never run across it (lexicon terms may).
BREAKS = '.!?;:,()«»"“”\n–—'
_BREAK_CHARS = frozenset(BREAKS)
#: Words, and runs of breaks as tokens of their own: one regex pass reads a text.
_READ = re.compile(f"\\w+(?:-\\w+)*|[{BREAKS}]+")


@dataclass(frozen=True)
class Reading:
    """A text tokenized and lemmatized once, shared by the tagger and keyword extraction."""

    text: str
    #: Words as written and runs of break characters, in order.
    tokens: list[str]
    lemmas: list[str]
    breaks: list[bool]

    @cached_property
    def words(self) -> list[str]:
        """The words alone, as written."""
        return list(compress(self.tokens, map(not_, self.breaks)))

    @cached_property
    def word_lemmas(self) -> list[str]:
        """The lemmas of ``words``."""
        return list(compress(self.lemmas, map(not_, self.breaks)))


def read(text: str, language: str) -> Reading:
    """Tokens, lemmas and breaks of ``text``: the per-word work of the tag stage, done once."""
    found = _READ.findall(text)
    breaks = list(map(_BREAK_CHARS.__contains__, map(itemgetter(0), found)))
    return Reading(text, found, written_lemmas(found, language), breaks)


def tokens(text: str) -> list[str]:
    """Lower-cased words; apostrophes split elisions ("l'Ukraine" gives "l", "ukraine")."""
    return _TOKEN.findall(text.casefold())


def token_spans(text: str) -> list[re.Match[str]]:
    """Words with their offsets and original casing, for entity and keyword extraction."""
    return list(_TOKEN.finditer(text))


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


def written_lemmas(words: list[str], language: str) -> list[str]:
    """``lemma`` of each word as written (any case): one dict lookup per token when warm."""
    table = _written.setdefault(language, {})
    return [table.get(word) or _written_lemma(word, language, table) for word in words]


def _written_lemma(word: str, language: str, table: dict[str, str]) -> str:
    found = lemma(word.casefold(), language)
    if len(table) < _LEMMA_CACHE_MAX and not word.isdigit():
        table[word] = found
    return found


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
