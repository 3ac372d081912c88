"""The chain of the five stages: built in one place, for Celery and for in-process runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from celery import chain
from celery.canvas import Signature

from schemas import ArticleRef, PublishedRecord, Submission, Subscriber, ThumbnailedArticle
from tasks.ingest import ingest, ingest_task
from tasks.normalize import normalize, normalize_task
from tasks.publish import publish, publish_task
from tasks.runtime import Runtime
from tasks.tag import tag, tag_task
from tasks.tagger import Tagger
from tasks.thumbnail import thumbnail, thumbnail_task
from tasks.vocabulary import Vocabulary

STAGE_TASKS = (ingest_task, normalize_task, tag_task, thumbnail_task, publish_task)


def new_trace_id() -> str:
    return uuid.uuid4().hex


def build_chain(ref: ArticleRef) -> Signature:
    """The Celery chain for one article version; each link carries only the claim check."""
    return chain(*(task.si(ref.article_id, ref.version) for task in STAGE_TASKS))


def submit(runtime: Runtime, submission: Submission) -> ArticleRef:
    """Store the submission as a new article version and enqueue its chain."""
    ref = runtime.store.create(submission, trace_id=new_trace_id())
    build_chain(ref).apply_async()
    return ref


def run_inline(
    ref: ArticleRef,
    submission: Submission,
    subscribers: Iterable[Subscriber],
    vocabulary: Vocabulary,
    tagger: Tagger,
) -> tuple[ThumbnailedArticle, PublishedRecord]:
    """The same stage functions, in-process and without Redis: ``newsflow run``."""
    article = thumbnail(tag(normalize(ingest(ref, submission)), tagger))
    return article, publish(article, subscribers, vocabulary)
