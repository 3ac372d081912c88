"""A lexicon tagger for IPTC Media Topics: whole-word term hits, weighted by position.

Terms live in ``data/lexicon.json`` per topic and language. A hit on a deeper topic
also counts for each of its ancestors, so evidence for "diplomacy" supports "politics".
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

from schemas import TopicTag
from tasks.vocabulary import Vocabulary, load_vocabulary

_TOKEN = re.compile(r"\w+(?:[-']\w+)*")
_MAX_NGRAM = 4
_HEADLINE_WEIGHT = 3.0
#: A topic needs this much weighted evidence, and this share of the best topic's.
_MIN_SCORE = 3.0
_MIN_SHARE = 0.3
#: Scale turning a score into a 0-100 relevance (score 8 gives about 70).
_RELEVANCE_SCALE = 6.5


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold().replace("’", "'"))


@dataclass(frozen=True)
class Tagger:
    """Maps n-grams of lower-cased words to the topics they are evidence for."""

    terms: dict[str, tuple[str, ...]]
    vocabulary: Vocabulary

    def _hits(
        self, text: str, weight: float, scores: dict[str, float], evidence: dict[str, list[str]]
    ) -> None:
        words = _tokens(text)
        for start in range(len(words)):
            for size in range(1, _MAX_NGRAM + 1):
                phrase = " ".join(words[start : start + size])
                for code in self.terms.get(phrase, ()):
                    for target in (code, *self.vocabulary.ancestors(code)):
                        scores[target] += weight
                        if phrase not in evidence[target]:
                            evidence[target].append(phrase)

    def tag(self, headline: str, body: str) -> list[TopicTag]:
        """Topics supported by the text, most relevant first, each with its evidence."""
        scores: dict[str, float] = defaultdict(float)
        evidence: dict[str, list[str]] = defaultdict(list)
        self._hits(headline, _HEADLINE_WEIGHT, scores, evidence)
        self._hits(body, 1.0, scores, evidence)
        if not scores:
            return []
        floor = max(_MIN_SCORE, _MIN_SHARE * max(scores.values()))
        kept = sorted(
            (code for code, score in scores.items() if score >= floor),
            key=lambda code: (-scores[code], code),
        )
        return [
            TopicTag(
                code=code,
                name=self.vocabulary.label(code),
                relevance=round(100 * (1 - math.exp(-scores[code] / _RELEVANCE_SCALE))),
                evidence=evidence[code][:10],
            )
            for code in kept
        ]


@cache
def load_tagger() -> Tagger:
    """Build the tagger from the bundled lexicon, once per process."""
    raw = json.loads(resources.files("tasks").joinpath("data/lexicon.json").read_text("utf-8"))
    vocabulary = load_vocabulary()
    terms: dict[str, list[str]] = defaultdict(list)
    for code, by_language in raw.items():
        if code.startswith("_"):
            continue
        vocabulary.label(code)  # fails loudly on a code that is not in the vocabulary
        for words in by_language.values():
            for term in words:
                key = " ".join(_tokens(term))
                if code not in terms[key]:
                    terms[key].append(code)
    return Tagger({term: tuple(codes) for term, codes in terms.items()}, vocabulary)
