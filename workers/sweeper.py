"""Resuming stalled articles: the safety net under the broker's own redelivery.

A Redis broker can lose a message in rare windows (a worker killed between taking a
message and recording it as unacknowledged, a Redis restart at the wrong moment). Every
article version stays in ``P:inflight`` until it is published, deduplicated or
dead-lettered; one worker at a time sends on the ones that made no progress for
``NEWSFLOW_STALL_TIMEOUT`` seconds, from their first unfinished stage.
"""

from __future__ import annotations

from typing import Any

import structlog
from celery import bootsteps
from redis.exceptions import RedisError

from tasks import runtime
from tasks.pipeline import resume

logger = structlog.get_logger("newsflow.sweeper")

#: Articles resumed per sweep; the next sweep takes the rest.
BATCH = 500


def sweep(context: runtime.Runtime, interval: int) -> int:
    """Resume this interval's stalled articles, unless another worker is already at it."""
    if not context.store.claim_sweep(interval):
        return 0
    resumed = 0
    for article_id, version in context.store.stalled(BATCH):
        stage = resume(context, article_id, version)
        if stage is not None:
            resumed += 1
            logger.warning("article.resumed", article_id=article_id, version=version, stage=stage)
    return resumed


class Sweeper(bootsteps.StartStopStep):  # type: ignore[misc]
    """A worker step that sweeps every ``interval`` seconds on the worker's own timer."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.interval: int = worker.app.conf.newsflow_sweep_interval
        self.timer_ref: Any = None

    def start(self, worker: Any) -> None:
        self.timer_ref = worker.timer.call_repeatedly(self.interval, self._tick, priority=10)

    def stop(self, worker: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()

    def _tick(self) -> None:
        try:
            sweep(runtime.current(), self.interval)
        except RedisError as error:
            logger.warning("sweep.skipped", error_type=type(error).__name__, error=str(error))
