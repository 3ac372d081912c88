"""The chain of the five stages: built in one place, for Celery and for in-process runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from celery import chain
from celery.canvas import Signature

from schemas import (
    STAGES,
    ArticleRef,
    PublishedRecord,
    Stage,
    Submission,
    Subscriber,
    ThumbnailedArticle,
)
from tasks.errors import PermanentError
from tasks.images.config import ImageConfig
from tasks.ingest import ingest, ingest_task
from tasks.normalize import normalize, normalize_task
from tasks.publish import publish, publish_task
from tasks.runtime import Runtime
from tasks.store import DeadLetter
from tasks.tag import tag, tag_task
from tasks.tagger import Tagger
from tasks.thumbnail import thumbnail, thumbnail_task
from tasks.vocabulary import Vocabulary

STAGE_TASKS = (ingest_task, normalize_task, tag_task, thumbnail_task, publish_task)


def new_trace_id() -> str:
    return uuid.uuid4().hex


def build_chain(ref: ArticleRef, start: Stage = "ingest") -> Signature:
    """The Celery chain for one article version from ``start`` on; links carry only the
    claim check, never the article."""
    tasks = STAGE_TASKS[STAGES.index(start) :]
    return chain(*(task.si(ref.article_id, ref.version) for task in tasks))


def submit(runtime: Runtime, submission: Submission) -> ArticleRef:
    """Store the submission as a new article version and enqueue its chain."""
    ref = runtime.store.create(submission, trace_id=new_trace_id())
    build_chain(ref).apply_async()
    return ref


def replay(runtime: Runtime, letter: DeadLetter) -> ArticleRef:
    """Run a dead-lettered article again from the stage that failed, then drop the letter.

    When its state has expired, the submission kept in the letter is submitted anew.
    """
    ref = letter.ref
    if runtime.store.prepare_replay(ref, letter.stage):
        build_chain(ref, start=letter.stage).apply_async()
    elif letter.fields.get("submission"):
        ref = submit(runtime, Submission.model_validate_json(letter.fields["submission"]))
    else:
        raise PermanentError(f"{ref.article_id} v{ref.version}: state expired, nothing to replay")
    runtime.store.forget_dead_letters(letter.entry_id)
    return ref


def resume(runtime: Runtime, article_id: str, version: int) -> Stage | None:
    """Send a stalled article on again from its first unfinished stage.

    The safety net under the broker: whatever message was lost, the article's state says
    where it stopped. Stages are idempotent, so resuming one that was merely slow is harmless.
    """
    store = runtime.store
    trace_id = store.trace_id(article_id, version)
    if trace_id is None or store.outcome(article_id, version):
        store.forget(article_id, version)
        return None
    timeline = store.timeline(article_id, version)
    stage = next((s for s in STAGES if timeline.get(s, {}).get("state") != "completed"), None)
    if stage is None:
        store.forget(article_id, version)
        return None
    store.touch(article_id, version)
    ref = ArticleRef(article_id=article_id, version=version, trace_id=trace_id)
    build_chain(ref, start=stage).apply_async()
    return stage


def run_inline(
    ref: ArticleRef,
    submission: Submission,
    subscribers: Iterable[Subscriber],
    vocabulary: Vocabulary,
    tagger: Tagger,
    images: ImageConfig,
) -> tuple[ThumbnailedArticle, PublishedRecord]:
    """The same stage functions, in-process and without Redis: ``newsflow run``."""
    article = thumbnail(tag(normalize(ingest(ref, submission)), tagger), images)
    return article, publish(article, subscribers, vocabulary)
