"""Evaluate the topic tagger: top-level precision, recall, macro-F1 and speed.

    python -m benchmarks.topics [--limit N] [--split test|dev|all]
    python -m benchmarks.topics --cost      # the tag stage's CPU per article only

Scores come from the held-out test part of each corpus (see ``benchmarks.corpus``); the
English model never saw it. The predicted label is the article's most relevant top-level
topic; any other top-level topic counts as a miss for the true one.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.articles import text_corpus
from benchmarks.corpus import Example, Split, bbc_english, french
from schemas import ArticleRef, Submission
from tasks.entities import extract_entities
from tasks.ingest import ingest
from tasks.keywords import extract_keywords
from tasks.nlp import read
from tasks.normalize import normalize
from tasks.tag import tag as tag_stage
from tasks.tagger import Tagger, load_tagger

#: Size of the synthetic articles the speed is measured on, in characters.
SPEED_CHARS = 3000


@dataclass(frozen=True)
class Report:
    """Per-class precision and recall, macro-F1 and accuracy over one labelled set."""

    name: str
    size: int
    per_class: dict[str, tuple[float, float, float]]
    macro_f1: float
    accuracy: float

    def lines(self, label: Callable[[str], str]) -> list[str]:
        rows = [
            f"{self.name}: {self.size} articles, macro-F1 {self.macro_f1:.3f}, "
            f"accuracy {self.accuracy:.3f}"
        ]
        for code, (precision, recall, f1) in sorted(self.per_class.items()):
            rows.append(
                f"  {code} {label(code):<34} P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}"
            )
        return rows


def predict(tagger: Tagger, example: Example) -> str | None:
    """The most relevant top-level topic, or None when the tagger found none."""
    tops = set(tagger.vocabulary.top_level())
    for tag in tagger.tag(example.headline, example.body, example.language):
        if tag.code in tops:
            return tag.code
    return None


def evaluate(name: str, examples: Sequence[Example], tagger: Tagger) -> Report:
    """Macro-F1 over the labels the corpus uses (one-vs-rest per label)."""
    gold = [example.label for example in examples]
    guessed = [predict(tagger, example) for example in examples]
    hits: Counter[str] = Counter()
    predicted: Counter[str | None] = Counter()
    actual = Counter(gold)
    for truth, guess in zip(gold, guessed, strict=True):
        predicted[guess] += 1
        if truth == guess:
            hits[truth] += 1
    per_class: dict[str, tuple[float, float, float]] = {}
    for code in sorted(actual):
        precision = hits[code] / predicted[code] if predicted[code] else 0.0
        recall = hits[code] / actual[code]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[code] = (precision, recall, f1)
    macro = sum(f1 for _, _, f1 in per_class.values()) / len(per_class)
    return Report(name, len(examples), per_class, macro, sum(hits.values()) / len(examples))


def speed_articles(examples: Sequence[Example], count: int) -> list[Example]:
    """Articles of about SPEED_CHARS characters, built by repeating real bodies."""
    made: list[Example] = []
    for example in list(examples)[:count]:
        body = example.body
        while len(body) < SPEED_CHARS:
            body = f"{body}\n\n{example.body}"
        made.append(
            Example(
                example.key, example.language, example.headline, body[:SPEED_CHARS], example.label
            )
        )
    return made


def articles_per_second(examples: Sequence[Example], tagger: Tagger) -> float:
    """Topics, entities and keywords, as the tag stage computes them, per CPU second.

    CPU time of this single-threaded process, so other work on the machine does not count.
    """
    start = time.process_time()
    for example in examples:
        headline, body, language = example.headline, example.body, example.language
        readings = (read(headline, language), read(body, language))
        tagger.tag(headline, body, language, readings)
        found = extract_entities(headline, body, language)
        names = [*found.people, *found.organisations, *found.places]
        extract_keywords(headline, body, language, tagger.rarity(language), names, readings)
    return len(examples) / max(time.process_time() - start, 1e-9)


def tag_stage_cost(count: int = 26, repeat: int = 9) -> dict[str, tuple[float, float]]:
    """CPU ms per article and per 1,000 words of ``tasks.tag.tag``, per language and overall.

    On the text corpus of ``benchmarks.inprocess`` (normalize's real output), the best of
    ``repeat`` passes, as that benchmark measures each stage.
    """
    tagger = load_tagger()
    texts = text_corpus(count)
    refs = [ArticleRef(article_id=a.key, version=1, trace_id="cost") for a in texts]
    articles = [
        (normalize(ingest(ref, Submission(content=a.content))), a.words)
        for ref, a in zip(refs, texts, strict=True)
    ]
    costs: dict[str, tuple[float, float]] = {}
    for language in ("all", *sorted({a.language for a in texts})):
        chosen = [(x, n) for x, n in articles if language in ("all", x.language)]
        for article, _ in chosen:
            tag_stage(article, tagger)  # warm the lemma cache, as a running worker's is
        best = float("inf")
        for _ in range(repeat):
            started = time.process_time()
            for article, _ in chosen:
                tag_stage(article, tagger)
            best = min(best, time.process_time() - started)
        words = sum(n for _, n in chosen)
        costs[language] = (best * 1000 / len(chosen), best * 1e6 / words)
    return costs


def sample(examples: Sequence[Example], limit: int | None) -> list[Example]:
    """At most ``limit`` examples, the same share of each label, in a stable order."""
    if limit is None or limit >= len(examples):
        return list(examples)
    by_label: dict[str, list[Example]] = {}
    for example in examples:
        by_label.setdefault(example.label, []).append(example)
    share = limit / len(examples)
    return [e for group in by_label.values() for e in group[: max(1, round(share * len(group)))]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="articles per corpus")
    parser.add_argument(
        "--split",
        default="test",
        choices=["test", "dev", "all"],
        help="French part to score (English 'dev' is its test part)",
    )
    parser.add_argument(
        "--cost", action="store_true", help="only the tag stage's CPU cost per article"
    )
    args = parser.parse_args()
    if args.cost:
        for language, (per_article, per_words) in tag_stage_cost().items():
            print(
                f"tag stage, {language}: {per_article:.2f} ms CPU per article, "
                f"{per_words:.2f} ms per 1,000 words"
            )
        return
    split: Split = args.split
    tagger = load_tagger()
    english = sample(bbc_english("all" if split == "all" else "test"), args.limit)
    french_set = sample(french(split), args.limit)
    label = tagger.vocabulary.label
    for report in (
        evaluate("en (BBC News, held-out test part)", english, tagger),
        evaluate(f"fr (project-written briefs, {split} part)", french_set, tagger),
    ):
        print("\n".join(report.lines(label)))
    warm = speed_articles(english, 200)
    articles_per_second(warm[:20], tagger)  # fill the lemma cache as a long-running worker has
    print(
        f"speed: {articles_per_second(warm, tagger):.0f} articles per CPU second "
        f"({len(warm)} English articles of {SPEED_CHARS} characters; topics, entities, keywords)"
    )


if __name__ == "__main__":
    main()
