"""Stage 5, publish: the article as an IPTC ninjs document, routed to its subscribers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import structlog
from celery import shared_task

from schemas import (
    ArticleRef,
    NinjsDocument,
    PublishedRecord,
    StageEvent,
    Subscriber,
    ThumbnailedArticle,
)
from schemas.ninjs import (
    MEDIATOPIC_URI,
    AltId,
    Association,
    DigitalSourceType,
    Named,
    NinjsRendition,
    Subject,
    Text,
)
from schemas.thumbnail import ThumbnailInfo
from tasks.runtime import Runtime
from tasks.stage import StageTask, run_stage
from tasks.subscribers import route
from tasks.vocabulary import MEDTOP_PREFIX, Vocabulary

logger = structlog.get_logger("newsflow.publish")


def _timestamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


#: IPTC digital source type of a picture drawn by code, not captured or trained on captures.
ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"


def picture_association(info: ThumbnailInfo) -> Association | None:
    """The article's picture as a ninjs association; its metadata stays in the extras."""
    if not info.renditions:
        return None
    renditions = [
        NinjsRendition(
            name=r.name,
            href=r.href,
            contenttype=r.mimetype,
            width=r.width,
            height=r.height,
            sizeinbytes=r.bytes,
        )
        for r in info.renditions
    ]
    remote = bool(info.href and info.href.startswith(("http://", "https://")))
    if remote and info.href and info.mimetype and info.width and info.height:
        renditions.insert(
            0,
            NinjsRendition(
                name="original",
                href=info.href,
                contenttype=info.mimetype,
                width=info.width,
                height=info.height,
                sizeinbytes=info.bytes,
            ),
        )
    return Association(
        name="titlecard" if info.generated else "leadimage",
        uri=f"urn:newsflow:{'titlecard' if info.generated else 'image'}:{info.sha256}",
        type="graphic" if info.generated else "picture",
        descriptions=[Text(role="alt", value=info.alt_text)] if info.alt_text else None,
        altids=[AltId(role="source", value=info.href)] if remote and info.href else None,
        digitalsourcetype=DigitalSourceType(uri=ALGORITHMIC_MEDIA, name="Pure algorithmic media")
        if info.generated
        else None,
        renditions=renditions,
    )


def build_document(article: ThumbnailedArticle) -> NinjsDocument:
    """Map the article onto ninjs 2.2; pipeline details go under the ``newsflow`` key."""
    headlines = [Text(role="main", value=article.headline)]
    if article.subheadline:
        headlines.append(Text(role="sub", value=article.subheadline))
    published = _timestamp(article.published_at) if article.published_at else None
    url = article.canonical_url or article.url
    extras = {
        "source_url": article.url if article.url and article.url != url else None,
        "simhash": article.simhash,
        "reading_minutes": article.reading_minutes,
        "image_refs": article.image_refs or None,
        "near_duplicates": article.near_duplicates or None,
    }
    picture = picture_association(article.thumbnail)
    return NinjsDocument(
        uri=f"urn:newsflow:article:{article.article_id}",
        version=str(article.version),
        versioncreated=_timestamp(article.submission.received_at),
        firstcreated=published,
        contentcreated=published,
        language=article.language,
        headlines=headlines,
        bodies=[
            Text(role="main", contenttype="text/plain", value=article.body_text),
            Text(role="main", contenttype="text/html", value=article.body_html),
        ],
        descriptions=[Text(role="summary", value=article.description)]
        if article.description
        else None,
        subjects=[
            Subject(
                name=topic.name,
                uri=MEDIATOPIC_URI + topic.code.removeprefix(MEDTOP_PREFIX)
                if topic.code.startswith(MEDTOP_PREFIX)
                else None,
                literal=topic.code,
                relevance=topic.relevance,
            )
            for topic in article.subjects
        ],
        people=[Named(name=name) for name in article.people] or None,
        organisations=[Named(name=name) for name in article.organisations] or None,
        places=[Named(name=name) for name in article.places] or None,
        infosources=[Named(name=article.provider, role="originatingparty")]
        if article.provider
        else None,
        altids=[AltId(role="url", value=url)] if url else None,
        by=article.byline,
        associations=[picture] if picture else None,
        newsflow={
            "article_id": article.article_id,
            "version": article.version,
            "trace_id": article.trace_id,
            "language_confidence": article.language_confidence,
            "content_sha256": article.content_sha256,
            "word_count": article.word_count,
            **{key: value for key, value in extras.items() if value is not None},
            "related": [link.model_dump(exclude_none=True) for link in article.related],
            "removed_blocks": [block.model_dump() for block in article.removed_blocks],
            "topics": [topic.model_dump() for topic in article.subjects],
            "keywords": article.keywords,
            "thumbnail": article.thumbnail.model_dump(exclude_none=True),
        },
    )


def publish(
    article: ThumbnailedArticle, subscribers: Iterable[Subscriber], vocabulary: Vocabulary
) -> PublishedRecord:
    """The document and the names of the subscribers that should receive it."""
    return PublishedRecord(
        article_id=article.article_id,
        version=article.version,
        document=build_document(article).to_json_dict(),
        subscribers=route(article, subscribers, vocabulary),
        content_sha256=article.content_sha256,
    )


def _work(runtime: Runtime, ref: ArticleRef, thumbnailed_json: str) -> PublishedRecord:
    article = ThumbnailedArticle.model_validate_json(thumbnailed_json)
    return publish(article, runtime.subscribers, runtime.vocabulary)


def _deliver(runtime: Runtime, ref: ArticleRef, done: StageEvent, record: PublishedRecord) -> None:
    """Deliver, and record the stage's completion in the same round trip (``deliver.lua``)."""
    delivery = runtime.store.deliver(ref, record, done)
    if duplicate_of := delivery.duplicate_of(ref):
        logger.info("article.deduplicated", duplicate_of=duplicate_of)


@shared_task(name="newsflow.publish", bind=True, base=StageTask)
def publish_task(self: StageTask, article_id: str, version: int) -> None:
    run_stage(self, "publish", article_id, version, _work, finish=_deliver)
