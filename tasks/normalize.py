"""Stage 2, normalize: one clean, typed article out of whatever format came in."""

from __future__ import annotations

from celery import shared_task

from schemas import ArticleRef, IngestedArticle, NormalizedArticle, RemovedBlock
from tasks.errors import PermanentError
from tasks.fingerprint import content_sha256, word_count_and_simhash
from tasks.formats import READERS
from tasks.formats.sanitize import body_html
from tasks.formats.urls import absolute, canonical_url
from tasks.language import detect_language
from tasks.runtime import Runtime
from tasks.stage import StageTask, run_stage
from tasks.text import clean_line, reading_minutes, repair, tokens

#: Separators publishers put between a title and their name in ``<title>``.
_TITLE_SEPARATORS = ("|", " - ", " – ", " — ", " :: ")


def _headline(headline: str, provider: str | None) -> str:
    """The headline without a trailing ``| Provider`` a page title carries."""
    if provider:
        for separator in _TITLE_SEPARATORS:
            head, found, tail = headline.rpartition(separator)
            if found and head.strip() and tail.strip().casefold() == provider.casefold():
                return head.strip()
    return headline


def _unique(items: list[RemovedBlock]) -> list[RemovedBlock]:
    return list(dict.fromkeys(items))


def normalize(article: IngestedArticle) -> NormalizedArticle:
    """Read the content in its format, then derive language, counts, hashes and the body HTML."""
    submission = article.submission
    found = READERS[article.content_type](repair(submission.content))
    blocks = found.blocks
    if not blocks:
        raise PermanentError("no body text found in the content")
    provider = clean_line(submission.source or "") or found.provider
    headline = _headline(found.headline or blocks.pop(0).text, provider)
    if not blocks:
        raise PermanentError("the content holds a headline but no body text")
    paragraphs = [block.text for block in blocks]
    body = "\n\n".join(paragraphs)
    language, confidence = detect_language(f"{headline}\n{body}")
    url = submission.url or found.url
    words, simhash = word_count_and_simhash(tokens(body))
    return NormalizedArticle(
        **dict(article),
        headline=headline,
        subheadline=found.subheadline if found.subheadline != headline else None,
        provider=provider,
        byline=found.byline,
        url=url,
        canonical_url=canonical_url(url),
        published_at=found.published_at,
        language=language,
        language_confidence=confidence,
        description=found.description,
        paragraphs=paragraphs,
        body_html=body_html(blocks),
        related=found.related,
        removed_blocks=_unique(found.removed),
        image_refs=list(dict.fromkeys(filter(None, (absolute(r, url) for r in found.image_refs)))),
        content_sha256=content_sha256(headline, body),
        simhash=simhash,
        word_count=words,
        reading_minutes=reading_minutes(words),
    )


def _work(runtime: Runtime, ref: ArticleRef, ingested_json: str) -> NormalizedArticle:
    """The pure normalization, then the near-duplicates the store has seen (Celery side)."""
    article = normalize(IngestedArticle.model_validate_json(ingested_json))
    runtime.limits.check_related_links(len(article.related))
    links = runtime.store.near_duplicates(ref, article.simhash)
    return article.model_copy(update={"near_duplicates": links})


@shared_task(name="newsflow.normalize", bind=True, base=StageTask)
def normalize_task(self: StageTask, article_id: str, version: int) -> None:
    run_stage(self, "normalize", article_id, version, _work)
