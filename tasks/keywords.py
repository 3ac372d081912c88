"""Keywords: the article's most telling phrases, YAKE-style but fast enough for the stage.

YAKE itself takes about 20 ms for a 3 KB article, more than the whole tag stage may spend,
so this keeps its main signals on lemmas: frequency, an early first mention, presence in
the headline, capitalisation, and phrases of up to three words that neither start nor end
with a stopword. Where the tagger has a trained model for the language, its inverse document
frequencies demote words every article uses.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tasks.nlp import lemma_list, stopwords

_CHUNK = re.compile(r"[^.!?;:,()«»\"“”\n–—]+")
_WORD = re.compile(r"\w+(?:-\w+)*")
_MAX_WORDS = 3
_MAX_KEYWORDS = 10
_HEADLINE_BOOST = 2.0


@dataclass
class _Candidate:
    form: str
    first: float
    count: float = 0.0
    occurrences: int = 0
    capitalised: int = 0


def _scan(
    text: str, language: str, weight: float, offset: float, found: dict[tuple[str, ...], _Candidate]
) -> None:
    stop = stopwords(language)
    length = max(len(text), 1)
    for chunk in _CHUNK.finditer(text):
        words = _WORD.findall(chunk.group())
        keys = lemma_list([word.casefold() for word in words], language)
        # May a phrase start (3+ letters) or end (2+) on this word?
        opens = [k not in stop and len(k) > 2 and not k.isdigit() for k in keys]
        closes = [k not in stop and len(k) > 1 and not k.isdigit() for k in keys]
        where = offset + (1 - offset) * chunk.start() / length
        for start in range(len(words)):
            if not opens[start]:
                continue
            capital = start > 0 and words[start][0].isupper()
            for end in range(start + 1, min(start + _MAX_WORDS, len(words)) + 1):
                if not closes[end - 1]:
                    continue
                key = tuple(keys[start:end])
                candidate = found.get(key)
                if candidate is None:
                    candidate = found[key] = _Candidate(" ".join(words[start:end]), where)
                candidate.count += weight
                candidate.occurrences += 1
                candidate.capitalised += capital


def extract_keywords(
    headline: str,
    body: str,
    language: str,
    rarity: Callable[[str], float] | None = None,
    names: Sequence[str] = (),
) -> list[str]:
    """Up to ten keywords, best first, as the article first writes them.

    ``rarity`` maps a lemma phrase to a weight around 1 (above for rare words); ``names``
    are the entities' full names, which replace a keyword that is one word of them.
    """
    found: dict[tuple[str, ...], _Candidate] = {}
    _scan(headline, language, _HEADLINE_BOOST, 0.0, found)
    _scan(body, language, 1.0, 0.1, found)

    def score(key: tuple[str, ...]) -> float:
        candidate = found[key]
        if len(key) > 1 and candidate.occurrences < 2:
            return 0.0
        base = math.log1p(candidate.count) * (1.5 - candidate.first)
        if rarity is not None:
            base *= rarity(" ".join(key))
        if candidate.capitalised:
            base *= 1.3
        return base * (1 + 0.4 * (len(key) - 1))

    scored = heapq.nlargest(
        4 * _MAX_KEYWORDS,
        ((score(key), key) for key, seen in found.items() if len(key) == 1 or seen.occurrences > 1),
    )
    chosen: list[tuple[str, ...]] = []
    for value, key in scored:
        if value <= 0 or len(chosen) == _MAX_KEYWORDS:
            break
        if any(_contains(other, key) or _contains(key, other) for other in chosen):
            continue
        chosen.append(key)
    keywords: list[str] = []
    for key in chosen:
        form = found[key].form
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
