"""The ceiling: a five-link chain of no-op tasks on newsflow's own Celery app and queues.

``newsflow worker --include benchmarks.noop`` registers these beside the stages, so the
ceiling runs with exactly the broker, acknowledgement, prefetch, serialization, routing
and logging settings of ``workers.app``. Each link carries the claim check, as a stage's
does; the last one adds the id to the published stream, so completion is timed the same way.
"""

from __future__ import annotations

import os

from celery import Task, chain
from celery.canvas import Signature
from redis import Redis

from schemas import STAGES
from tasks.keys import Keys
from workers.app import app, settings

_client: tuple[int, Redis] | None = None


def _redis() -> Redis:
    """One connection pool per worker process, made after the fork."""
    global _client
    if _client is None or _client[0] != os.getpid():
        _client = (os.getpid(), Redis.from_url(settings.redis_url, decode_responses=True))
    return _client[1]


def _nothing(self: Task, article_id: str, version: int) -> None:
    """A stage that does no work."""


def _published(self: Task, article_id: str, version: int) -> None:
    """The last link: what a publish costs at the least, one stream entry."""
    _redis().xadd(
        Keys(settings.key_prefix).published,
        {"article_id": article_id, "version": version},
        maxlen=settings.stream_maxlen,
        approximate=True,
    )


NOOP_TASKS = tuple(
    app.task(name=f"bench.noop.{stage}", bind=True, queue=stage, ignore_result=True)(
        _published if stage == STAGES[-1] else _nothing
    )
    for stage in STAGES
)


def build_chain(article_id: str, version: int) -> Signature:
    """Five no-op links carrying ``(article_id, version)``, one per stage queue."""
    return chain(*(task.si(article_id, version) for task in NOOP_TASKS))
