"""IPTC Media Topics for an article: a trained linear model plus a lexicon, both shipped.

Top-level topics come from two sources of evidence, mixed where both exist:

* a multinomial logistic regression over lemma uni- and bigrams (``data/topic-model.npz``,
  trained by ``benchmarks/train_topics.py`` on public labelled news and the IPTC
  definitions; inference is a numpy dot product, no scikit-learn at run time);
* a lexicon of terms per concept (``data/lexicon.json`` plus any user topics file),
  matched on lemmas, where a deeper concept's hits also count for its broader ones.

Languages without a trained model (French, others) rely on the lexicon alone. Deeper
concepts come from the lexicon and are only kept below a top-level topic that was kept.
See ``docs/topics.md``.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from schemas import TopicTag
from tasks.keywords import Rarity
from tasks.nlp import LemmaColumn, PairIndex, Reading, phrase_key, read, runs, stopwords, windows
from tasks.vocabulary import Vocabulary, load_vocabulary

_HEADLINE_WEIGHT = 2.0
#: Weight of the trained model against the lexicon where a language has both.
_MODEL_SHARE = 0.75
#: Pseudo-count of lexicon evidence: a couple of stray hits must not look certain.
_LEXICON_PRIOR = 2.0
#: A top-level topic is kept from this probability on (the best one from _MIN_BEST).
_MIN_TOP = 0.2
_MIN_BEST = 0.1
#: Weighted lexicon hits a deeper or custom concept needs to be kept.
_MIN_DEEP = 2.0
_MAX_EVIDENCE = 8
#: One term's repeats saturate: the tenth "market" says little more than the third.
_TERM_CAP = 3.0
_MODEL_FILE = "data/topic-model.npz"
#: Lemmas in the longest lexicon phrase that is matched.
_MAX_PHRASE = 5


class TopicsFileError(ValueError):
    """The custom topics file is unreadable or names an unknown parent concept."""


@dataclass(frozen=True)
class LinearModel:
    """A tf-idf + softmax regression exported from scikit-learn as plain arrays."""

    names: tuple[str, ...]
    index: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray  # (features, classes)
    bias: np.ndarray
    classes: tuple[str, ...]

    def scores(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Class probabilities, and the rows, tf-idf values and weights of the known features.

        ``features`` are model rows in the order ``model_features`` lists them, -1 where
        the model does not know one.
        """
        known = features[features >= 0]
        if not len(known):
            return np.zeros(len(self.classes)), known, np.zeros(0), np.zeros((0, 0))
        # First-seen order, as the dot product's sum order fixes the last bits of the logits.
        ordered, starts, counts = runs(known)
        first = ordered[starts]
        order = first.argsort()
        rows = known[first[order]]
        values = (1.0 + np.log(counts[order].astype(np.float64))) * self.idf[rows]
        values /= math.sqrt(values.dot(values))  # np.linalg.norm's own sum, without its checks
        weights = self.wide[rows]
        logits = values @ weights + self.bias
        logits = np.exp(logits - logits.max())
        return logits / logits.sum(), rows, values, weights

    @cached_property
    def wide(self) -> np.ndarray:
        """The weights as float64 (3.4 MB for English), converted once rather than per article."""
        return self.weights.astype(np.float64)

    @cached_property
    def bigrams(self) -> PairIndex:
        """The row of each bigram feature, by the lemma ids of its two words."""
        pairs = [(row, name.split(" ")) for row, name in enumerate(self.names) if " " in name]
        rows = np.array([row for row, _ in pairs], np.int64)
        return PairIndex([(a, b) for _, (a, b) in pairs], rows, -1)

    @cached_property
    def rarity(self) -> Rarity:
        """How much rarer than the median word each lemma phrase is; unseen ones are rarest."""
        median = float(np.median(self.idf))
        relative = (self.idf / median).tolist()
        return Rarity(dict(zip(self.names, relative, strict=True)), float(self.idf.max()) / median)

    def strongest(
        self, rows: np.ndarray, values: np.ndarray, weights: np.ndarray, code: str, count: int
    ) -> list[str]:
        """The features that pushed hardest towards class ``code``: readable evidence.

        ``weights``: the features' rows of ``wide``, as ``scores`` gathered them.
        """
        contributions = values * weights[:, self.classes.index(code)]
        best = np.argsort(-contributions)[:count]
        pushed = zip(rows[best].tolist(), contributions[best].tolist(), strict=True)
        return [self.names[row] for row, push in pushed if push > 0]


def model_features(lemmas: list[str], language: str) -> list[str]:
    """Content-lemma unigrams and adjacent bigrams: the trained model's inputs.

    Training reads these names; at run time ``_Columns.features`` finds the same features
    as model rows with numpy.
    """
    stop = stopwords(language)
    dropped = {word for word in set(lemmas) if len(word) < 2 or word.isdigit() or word in stop}
    content = list(itertools.filterfalse(dropped.__contains__, lemmas))
    return content + list(map(" ".join, itertools.pairwise(content)))


def _is_content(lemma: str, stop: frozenset[str]) -> bool:
    """What ``model_features`` keeps."""
    return not (len(lemma) < 2 or lemma.isdigit() or lemma in stop)


class _Columns:
    """Per-lemma tables of one language: the longest lexicon phrase a lemma starts, and
    for the model, content flags and unigram rows."""

    def __init__(self, longest: dict[str, int], model: LinearModel | None, language: str):
        stop = stopwords(language)
        index = model.index if model else {}
        self.longest = LemmaColumn(lambda lemma: longest.get(lemma, 0), np.int64)
        self.content = LemmaColumn(lambda lemma: _is_content(lemma, stop), np.bool_)
        self.unigram = LemmaColumn(lambda lemma: index.get(lemma, -1), np.int64)

    def features(self, head: Reading, body: Reading, model: LinearModel) -> np.ndarray:
        """``model.index`` of each of the headline's ``model_features`` (twice), then the
        body's, as the model was trained: -1 where the model knows no such feature."""
        lexemes = body.lexemes
        if head.lexemes is not lexemes:  # the language's table started afresh between
            head = Reading(head.text, lexemes)
        lemmas = np.concatenate([head.word_lemma_ids, body.word_lemma_ids])
        keep = self.content.of(lexemes)[lemmas]
        content = lemmas[keep]
        size = np.count_nonzero(keep[: len(head.word_lemma_ids)])
        unigrams = self.unigram.of(lexemes)[content]
        # Adjacent content lemmas; the pair across headline and body (at size - 1) is dropped.
        pairs = model.bigrams.find(lexemes, content[:-1], content[1:])
        head_features = [unigrams[:size], pairs[: max(size - 1, 0)]]
        body_features = [unigrams[size:], pairs[size:]]
        return np.concatenate([*head_features, *head_features, *body_features])


@dataclass
class _Evidence:
    """Weighted lexicon hits per concept and the words (as written) behind them."""

    scores: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    terms: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class Tagger:
    """Scores top-level topics, then the deeper and custom concepts under them."""

    vocabulary: Vocabulary
    #: Lexicon per language: lemma phrase -> concept codes.
    phrases: dict[str, dict[str, tuple[str, ...]]]
    models: dict[str, LinearModel]
    #: User concepts outside IPTC: labels per language and the IPTC concept above them.
    custom_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    custom_parents: dict[str, str] = field(default_factory=dict)
    top_level: tuple[str, ...] = ()
    #: Concepts with lexicon entries (so with labels in the lexicon's languages): only
    #: these are emitted below the top level; their other ancestors only pass evidence up.
    emitted: frozenset[str] = frozenset()
    #: Per language: each first lemma of a lexicon phrase -> the longest such phrase's length.
    starts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Per language: every lexicon phrase's beginnings of two words or more, so a scan
    #: stops lengthening a phrase no term continues.
    prefixes: dict[str, frozenset[str]] = field(default_factory=dict)
    #: ``_lineage`` per concept, filled as concepts are met (the hierarchy never changes).
    lineages: dict[str, list[str]] = field(default_factory=dict)
    #: ``_Columns`` per language, filled as languages are met.
    columns: dict[str, _Columns] = field(default_factory=dict)
    #: ``_targets`` per language, then lexicon phrase, filled as phrases are met.
    targets: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def _lineage(self, code: str) -> list[str]:
        """The concept and everything above it, custom parents included."""
        found = self.lineages.get(code)
        if found is None:
            found = self.lineages[code] = self._ancestry(code)
        return found

    def _ancestry(self, code: str) -> list[str]:
        if code in self.custom_parents:
            parent = self.custom_parents[code]
            return [code, parent, *self.vocabulary.ancestors(parent)]
        if code in self.custom_labels:
            return [code]
        return [code, *self.vocabulary.ancestors(code)]

    def _name(self, code: str, language: str) -> str:
        if code in self.custom_labels:
            labels = self.custom_labels[code]
            return labels.get(language) or labels.get("en") or code
        return self.vocabulary.label(code, language)

    def _lexicon(self, language: str) -> dict[str, tuple[str, ...]]:
        return self.phrases.get(language) or self.phrases["*"]

    def _columns(self, language: str) -> _Columns:
        found = self.columns.get(language)
        if found is None:
            longest = self.starts.get(language) or self.starts["*"]
            found = self.columns[language] = _Columns(longest, self.models.get(language), language)
        return found

    def _hits(self, head: Reading, body: Reading, language: str) -> dict[str, tuple[float, str]]:
        """Lexicon phrases (up to five lemmas) found in headline and body: per phrase, its
        weighted count and first wording, in the order they first appear.

        Most words that begin a phrase are whole one-word terms: numpy counts those; only
        words that may begin a longer phrase are scanned one by one.
        """
        lexemes = body.lexemes
        if head.lexemes is not lexemes:  # the language's table started afresh between
            head = Reading(head.text, lexemes)
        size = len(head.word_ids)
        words = np.concatenate([head.word_ids, body.word_ids])
        lemmas = np.concatenate([head.word_lemma_ids, body.word_lemma_ids])
        spans = self._columns(language).longest.of(lexemes)[lemmas]
        names = lexemes.lemmas
        # (first word, size, phrase, weighted count), in the text's order once sorted.
        hits: list[tuple[int, int, str, float]] = []
        singles = (spans == 1).nonzero()[0]
        if len(singles):
            hits += self._single_hits(singles.tolist(), lemmas[singles].tolist(), size, names)
        longer = (spans > 1).nonzero()[0]
        if len(longer):
            lemma_windows = windows(lemmas, longer, _MAX_PHRASE)
            hits += self._longer_hits(
                lemma_windows, longer, spans, size, len(lemmas), names, language
            )
        hits.sort()
        written = lexemes.tokens
        # Each phrase is one hit (a lemma starts one-word or longer phrases, never both).
        found: dict[str, tuple[float, str]] = {}
        for start, length, key, weight in hits:
            surface = " ".join(map(written.__getitem__, words[start : start + length].tolist()))
            found[key] = (weight, surface.casefold())
        return found

    @staticmethod
    def _single_hits(
        starts: list[int], lemmas: list[int], headline: int, names: list[str]
    ) -> list[tuple[int, int, str, float]]:
        """One-word terms: each at its first position, counted at C level (few per article;
        ``get``, as a missing count through ``Counter.__missing__`` is a Python call)."""
        first = dict(zip(reversed(lemmas), reversed(starts), strict=True))
        split = bisect.bisect_left(starts, headline)
        head, body = Counter(lemmas[:split]), Counter(lemmas[split:])
        return [
            (start, 1, names[lemma], _HEADLINE_WEIGHT * head.get(lemma, 0) + body.get(lemma, 0))
            for lemma, start in first.items()
        ]

    def _longer_hits(
        self,
        windows: list[list[int]],
        starts: np.ndarray,
        spans: np.ndarray,
        headline: int,
        count: int,
        names: list[str],
        language: str,
    ) -> list[tuple[int, int, str, float]]:
        """Phrases from words that may begin one of several words, lengthened while some
        lexicon term continues them; none runs from the headline (``headline`` words) on.

        ``windows``: the lemma ids from each start on, ``count`` the words in all.
        """
        lexicon = self._lexicon(language)
        prefixes = self.prefixes.get(language) or self.prefixes["*"]
        seen: dict[str, list] = {}
        spans_at = spans[starts].tolist()
        for start, longest, ids in zip(starts.tolist(), spans_at, windows, strict=True):
            end = headline if start < headline else count
            weight = _HEADLINE_WEIGHT if start < headline else 1.0
            key, size, last = names[ids[0]], 1, min(longest, _MAX_PHRASE, end - start)
            while True:
                if key in lexicon:
                    entry = seen.get(key)
                    if entry is None:
                        entry = seen[key] = [start, size, key, 0.0]
                    entry[3] += weight
                size += 1
                if size > last:
                    break
                key = f"{key} {names[ids[size - 1]]}"
                if key not in prefixes:
                    break
        return [(start, size, key, hits) for start, size, key, hits in seen.values()]

    def _targets(self, key: str, language: str) -> tuple[str, ...]:
        """Every concept a lexicon phrase counts for, in order, broader concepts included."""
        codes = self._lexicon(language)[key]
        return tuple(target for code in codes for target in self._lineage(code))

    def _evidence(self, readings: tuple[Reading, Reading], language: str) -> _Evidence:
        found = self._hits(*readings, language)
        evidence = _Evidence()
        scores, terms = evidence.scores, evidence.terms
        known = self.targets.setdefault(language, {})  # looked up inline: a call per phrase
        for key, (weight, surface) in found.items():
            score = min(weight, _TERM_CAP)
            targets = known.get(key)
            if targets is None:
                targets = known[key] = self._targets(key, language)
            for target in targets:
                scores[target] += score
                shown = terms[target]
                # Only the first _MAX_EVIDENCE distinct wordings are ever shown.
                if len(shown) < _MAX_EVIDENCE and surface not in shown:
                    shown.append(surface)
        return evidence

    def rarity(self, language: str) -> Rarity | None:
        """Inverse document frequency relative to the median, from the language's model."""
        model = self.models.get(language)
        if model is None:
            return None
        return model.rarity

    def tag(
        self,
        headline: str,
        body: str,
        language: str = "en",
        readings: tuple[Reading, Reading] | None = None,
    ) -> list[TopicTag]:
        """Top-level topics, most relevant first, then the deeper and custom ones they support.

        ``readings`` are headline and body as the tag stage already read them.
        """
        head, text = readings or (read(headline, language), read(body, language))
        evidence = self._evidence((head, text), language)
        tops = self.top_level
        total = sum(map(evidence.scores.get, tops, itertools.repeat(0.0))) + _LEXICON_PRIOR
        probabilities = {code: evidence.scores.get(code, 0.0) / total for code in tops}
        model = self.models.get(language)
        if model is not None:
            features = self._columns(language).features(head, text, model)
            learnt, rows, values, weights = model.scores(features)
            if len(rows):
                for code, p in zip(model.classes, learnt.tolist(), strict=True):
                    lexical = probabilities.get(code, 0.0)
                    probabilities[code] = _MODEL_SHARE * p + (1 - _MODEL_SHARE) * lexical
        best = max(probabilities.values(), default=0.0)
        kept = sorted(
            (
                code
                for code, p in probabilities.items()
                if p >= _MIN_TOP or (p == best and p >= _MIN_BEST)
            ),
            key=lambda code: (-probabilities[code], code),
        )
        relevance = {code: round(100 * probabilities[code]) for code in kept}
        deeper: list[tuple[int, str]] = []
        for code, score in evidence.scores.items():
            if code in relevance or score < _MIN_DEEP or code not in self.emitted:
                continue
            top = (self.lineages.get(code) or self._lineage(code))[-1]
            if top in relevance:
                deeper.append((round(relevance[top] * score / (score + _MIN_DEEP)), code))
            elif code in self.custom_labels or code in self.custom_parents:
                deeper.append((round(100 * score / (score + 3 * _MIN_DEEP)), code))
        deeper.sort(key=lambda item: (-item[0], item[1]))
        relevance.update((code, value) for value, code in deeper)
        tags: list[TopicTag] = []
        for code in [*kept, *(code for _, code in deeper)]:
            terms = evidence.terms.get(code, [])
            if model is not None and len(rows) and code in model.classes:
                terms = [*terms, *model.strongest(rows, values, weights, code, _MAX_EVIDENCE)]
            tags.append(
                TopicTag(
                    code=code,
                    name=self._name(code, language),
                    relevance=relevance[code],
                    evidence=list(dict.fromkeys(terms))[:_MAX_EVIDENCE],
                )
            )
        return tags


def _load_model(path: Path | None = None) -> dict[str, LinearModel]:
    source = path or resources.files("tasks").joinpath(_MODEL_FILE)
    with source.open("rb") as handle, np.load(handle) as data:
        models: dict[str, LinearModel] = {}
        for language in str(data["languages"]).split():
            names = str(data[f"{language}_features"]).split("\n")
            models[language] = LinearModel(
                names=tuple(names),
                index={name: position for position, name in enumerate(names)},
                idf=data[f"{language}_idf"].astype(np.float64),
                weights=data[f"{language}_weights"],
                bias=data[f"{language}_bias"].astype(np.float64),
                classes=tuple(str(data[f"{language}_classes"]).split()),
            )
    return models


def _read_topics_file(path: Path) -> list[dict[str, object]]:
    try:
        raw = json.loads(path.read_text("utf-8"))
        topics = raw["topics"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise TopicsFileError(f"{path}: {error}") from error
    if not isinstance(topics, list) or not all(isinstance(item, dict) for item in topics):
        raise TopicsFileError(f"{path}: 'topics' must be a list of objects")
    return topics


def build_tagger(
    lexicon: dict[str, dict[str, list[str]]],
    models: dict[str, LinearModel],
    custom: list[dict[str, object]] = (),  # type: ignore[assignment]
) -> Tagger:
    """Index lexicon terms by language as lemma phrases; custom topics add terms and concepts."""
    vocabulary = load_vocabulary()
    custom_labels: dict[str, dict[str, str]] = {}
    custom_parents: dict[str, str] = {}
    entries: list[tuple[str, dict[str, list[str]]]] = []
    for code, by_language in lexicon.items():
        if code.startswith("_"):
            continue
        vocabulary.label(code)  # fails loudly on a code that is not in the vocabulary
        entries.append(
            (code, {lang: terms for lang, terms in by_language.items() if lang != "label"})
        )
    for topic in custom:
        code = str(topic.get("code", ""))
        terms = topic.get("terms", {})
        if not isinstance(terms, dict):
            raise TopicsFileError(f"topic {code!r}: 'terms' must map languages to lists")
        if code not in vocabulary.labels:
            if ":" not in code or code.startswith("medtop:"):
                raise TopicsFileError(f"topic {code!r}: not an IPTC code nor 'scheme:name'")
            labels = topic.get("label", {})
            custom_labels[code] = dict(labels) if isinstance(labels, dict) else {"en": str(labels)}
            parent = topic.get("broader")
            if parent is not None:
                if parent not in vocabulary.labels:
                    raise TopicsFileError(f"topic {code!r}: unknown broader concept {parent!r}")
                custom_parents[code] = str(parent)
        entries.append((code, terms))
    phrases: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for code, by_language in entries:
        for language, terms in by_language.items():
            for term in terms:
                for target in (language, "*"):
                    codes = phrases[target][phrase_key(term, language)]
                    if code not in codes:
                        codes.append(code)
    index: dict[str, dict[str, tuple[str, ...]]] = {}
    starts: dict[str, dict[str, int]] = {}
    prefixes: dict[str, frozenset[str]] = {}
    for language, table in phrases.items():
        index[language] = {key: tuple(codes) for key, codes in table.items() if key}
        longest = starts[language] = {}
        for key in index[language]:
            words = key.split()
            longest[words[0]] = max(longest.get(words[0], 0), len(words))
        prefixes[language] = frozenset(
            " ".join(words[:size])
            for words in map(str.split, index[language])
            for size in range(2, len(words) + 1)
        )
    return Tagger(
        vocabulary,
        index,
        models,
        custom_labels,
        custom_parents,
        tuple(vocabulary.top_level()),
        frozenset(code for code, _ in entries),
        starts,
        prefixes,
    )


def bundled_lexicon() -> dict[str, dict[str, list[str]]]:
    text = resources.files("tasks").joinpath("data/lexicon.json").read_text("utf-8")
    return dict(json.loads(text))


@cache
def load_tagger(topics_file: Path | None = None) -> Tagger:
    """The bundled model and lexicon plus the user's topics file, once per process."""
    custom = _read_topics_file(topics_file) if topics_file else []
    return build_tagger(bundled_lexicon(), _load_model(), custom)
