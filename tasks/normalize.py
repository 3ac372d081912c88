"""Stage 2, normalize: one clean, typed article out of whatever format came in."""

from __future__ import annotations

import hashlib

from celery import shared_task

from schemas import ArticleRef, IngestedArticle, NormalizedArticle
from tasks.errors import PermanentError
from tasks.language import detect_language
from tasks.readers import READERS
from tasks.runtime import Runtime
from tasks.stage import StageTask, run_stage
from tasks.text import word_count


def normalize(article: IngestedArticle) -> NormalizedArticle:
    """Extract headline, provider, body paragraphs and teasers, and detect the language."""
    found = READERS[article.content_type](article.submission.content)
    if not found.paragraphs:
        raise PermanentError("no body text found in the content")
    headline = found.headline or found.paragraphs.pop(0)
    if not found.paragraphs:
        raise PermanentError("the content holds a headline but no body text")
    body = "\n\n".join(found.paragraphs)
    language, confidence = detect_language(f"{headline}\n{body}")
    submission = article.submission
    digest = hashlib.sha256(f"{headline}\n\n{body}".encode()).hexdigest()
    return NormalizedArticle(
        **article.model_dump(),
        headline=headline,
        subheadline=found.subheadline,
        provider=submission.source or found.provider,
        byline=found.byline,
        url=submission.url or found.url,
        language=language,
        language_confidence=confidence,
        description=found.description,
        paragraphs=found.paragraphs,
        related=found.related,
        removed_blocks=found.removed_blocks,
        image_refs=found.image_refs,
        content_sha256=digest,
        word_count=word_count(body),
    )


def _work(runtime: Runtime, ref: ArticleRef, ingested_json: str) -> NormalizedArticle:
    return normalize(IngestedArticle.model_validate_json(ingested_json))


@shared_task(name="newsflow.normalize", bind=True, base=StageTask)
def normalize_task(self: StageTask, article_id: str, version: int) -> None:
    run_stage(self, "normalize", article_id, version, _work)
