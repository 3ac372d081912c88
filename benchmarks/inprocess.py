"""Part 1: each stage's CPU cost in-process, on the benchmark corpus, without Redis or Celery.

Each stage's pure function runs on the previous stage's real output, so the numbers add
up to what ``newsflow run`` costs. The JSON column is what a Celery worker adds around
the same function: parsing the input from the claim check and dumping the output.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from benchmarks.articles import IMAGE_SIZE, Article, lead_image, text_corpus
from schemas import STAGES, ArticleRef, Submission
from tasks.images.config import FetchLimits, ImageConfig
from tasks.ingest import ingest
from tasks.normalize import normalize
from tasks.publish import publish
from tasks.subscribers import load_subscribers
from tasks.tag import tag
from tasks.tagger import load_tagger
from tasks.thumbnail import thumbnail
from tasks.vocabulary import load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = ROOT / "examples" / "subscribers.toml"


@dataclass(frozen=True)
class StageCost:
    """One stage on one kind of article: CPU per article, per 1,000 words, and JSON on top."""

    stage: str
    articles: str
    cpu_ms: float
    cpu_ms_per_1000_words: float
    json_ms: float

    @property
    def per_core(self) -> float:
        """Articles per second one core sustains on this stage alone."""
        return 1000.0 / self.cpu_ms if self.cpu_ms else float("inf")

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"articles_per_s_per_core": round(self.per_core, 1)}


def _cpu_ms(function: Callable[[], object], repeat: int = 1) -> float:
    """CPU milliseconds of one call, the best of ``repeat`` runs (least disturbed)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        function()
        best = min(best, time.process_time() - started)
    return best * 1000


def _json_ms(inputs: Sequence[BaseModel], outputs: Sequence[BaseModel]) -> float:
    """Parse each input from JSON and dump each output, as the Celery task does."""
    encoded = [item.model_dump_json() for item in inputs]
    kinds = [type(item) for item in inputs]

    def parse_and_dump() -> None:
        for kind, data in zip(kinds, encoded, strict=True):
            kind.model_validate_json(data)
        for item in outputs:
            item.model_dump_json()

    return _cpu_ms(parse_and_dump, repeat=3) / len(inputs)


def measure(passes: Sequence[Sequence[Article]], media: Path, label: str) -> list[StageCost]:
    """CPU cost of every stage, the best of the timed passes.

    Each pass is a corpus of its own and the first one only warms up (models, lazy tables),
    so a cache keyed by content never sees an article twice, as in production.
    """
    tagger, vocabulary = load_tagger(), load_vocabulary()
    subscribers = load_subscribers(SUBSCRIBERS)
    renditions = media / "renditions"
    renditions.mkdir(exist_ok=True)
    images = ImageConfig(media_dir=renditions, fetch=FetchLimits(file_dirs=(media,)))
    steps: list[tuple[str, Callable[[Sequence[Any]], list[BaseModel]]]] = [
        ("normalize", partial(_apply, normalize)),
        ("tag", partial(_apply, lambda article: tag(article, tagger))),
        ("thumbnail", partial(_thumbnail_pass, images)),
        ("publish", partial(_apply, lambda article: publish(article, subscribers, vocabulary))),
    ]
    best: dict[str, StageCost] = {}
    for number, articles in enumerate(passes):
        refs = [ArticleRef(article_id=a.key, version=1, trace_id="bench") for a in articles]
        submissions = [Submission(content=a.content, images=a.images) for a in articles]
        words = sum(a.words for a in articles)
        started = time.process_time()
        current: list[Any] = [ingest(r, s) for r, s in zip(refs, submissions, strict=True)]
        costs = [_cost("ingest", label, _since(started), len(articles), words, 0.0)]
        for stage, step in steps:
            started = time.process_time()
            outputs = step(current)
            elapsed = _since(started)
            serialization = _json_ms(current, outputs)
            costs.append(_cost(stage, label, elapsed, len(articles), words, serialization))
            current = outputs
        if number:  # the first pass only warms up
            for cost in costs:
                known = best.get(cost.stage)
                if known is None or cost.cpu_ms_per_1000_words < known.cpu_ms_per_1000_words:
                    best[cost.stage] = cost
    return list(best.values())


def _since(started: float) -> float:
    return (time.process_time() - started) * 1000


def _apply(step: Callable[[Any], BaseModel], items: Sequence[Any]) -> list[BaseModel]:
    return [step(item) for item in items]


def _thumbnail_pass(images: ImageConfig, items: Sequence[Any]) -> list[BaseModel]:
    """One pass into an empty media directory: in production every article is new, so its
    renditions and title cards are written, not found already there."""
    fresh = replace(images, media_dir=Path(tempfile.mkdtemp(dir=images.media_dir)))
    return [thumbnail(item, fresh) for item in items]


def _cost(stage: str, label: str, total: float, count: int, words: int, json: float) -> StageCost:
    return StageCost(
        stage=stage,
        articles=label,
        cpu_ms=round(total / count, 3),
        cpu_ms_per_1000_words=round(total / words * 1000, 3),
        json_ms=round(json, 3),
    )


def run(text_articles: int, image_articles: int, repeat: int) -> dict[str, Any]:
    """Text articles through all five stages; image articles for the thumbnail stage.

    ``repeat`` timed passes after a warm-up pass, each on articles (and images) of its own.
    """
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-") as directory:
        media = Path(directory)
        seeds = [7 + 100 * number for number in range(repeat + 1)]
        texts = [text_corpus(text_articles, seed=seed) for seed in seeds]
        pictured = [_pictured(image_articles, seed, media) for seed in seeds]
        text_costs = measure(texts, media, "text")
        image_costs = measure(pictured, media, "lead image")
    timed = [article for corpus in texts[1:] for article in corpus]
    thumbnail_image = next(c for c in image_costs if c.stage == "thumbnail")
    total = sum(c.cpu_ms_per_1000_words for c in text_costs)
    return {
        "corpus": {
            "text_articles": text_articles,
            "passes": repeat,
            "languages": sorted({a.language for a in timed}),
            "mean_words": round(sum(a.words for a in timed) / len(timed)),
            "image_articles": image_articles,
            "image_size": list(IMAGE_SIZE),
        },
        "stages": [c.to_json() for c in text_costs] + [thumbnail_image.to_json()],
        "all_stages_cpu_ms_per_1000_words": round(total, 3),
        "without_thumbnail_cpu_ms_per_1000_words": round(
            sum(c.cpu_ms_per_1000_words for c in text_costs if c.stage != "thumbnail"), 3
        ),
        "thumbnail_lead_image_cpu_ms": thumbnail_image.cpu_ms,
        "stage_order": list(STAGES),
    }


def _pictured(count: int, seed: int, media: Path) -> list[Article]:
    """``count`` articles, each with a lead image of its own written under ``media``."""
    pictured = []
    for index, item in enumerate(text_corpus(count, seed=seed + 4)):
        path = media / f"lead-{seed}-{index}.jpg"
        path.write_bytes(lead_image(seed * 1000 + index))
        pictured.append(Article(item.key, item.language, item.words, item.content, [path.as_uri()]))
    return pictured
