"""A worker's heartbeat in Redis, the "worker answering" check of ``newsflow health``.

A consumer step: Celery starts it once the worker consumes from the broker and stops
it when the consumer stops (shutdown, or a lost broker connection it is reconnecting
from). While it runs, the worker's main process rewrites ``P:worker:NODE`` every
``HEARTBEAT_SECONDS`` on the worker's own timer, with a TTL, so a worker that is
stuck, killed or cut off from the broker stops answering within ``HEARTBEAT_TTL_SECONDS``;
a worker that stops cleanly deletes its key at once.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import structlog
from celery import bootsteps
from redis.exceptions import RedisError

from tasks import runtime

logger = structlog.get_logger("newsflow.heartbeat")

HEARTBEAT_SECONDS = 10
HEARTBEAT_TTL_SECONDS = 3 * HEARTBEAT_SECONDS


class Heartbeat(bootsteps.StartStopStep):  # type: ignore[misc]
    """Writes this worker's heartbeat while its consumer runs."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, consumer: Any, **kwargs: Any) -> None:
        super().__init__(consumer, **kwargs)
        self.timer_ref: Any = None
        self.node: str = ""
        self.queues: list[str] = []

    def start(self, consumer: Any) -> None:
        self.node = consumer.hostname
        self.queues = sorted(consumer.app.amqp.queues.consume_from)
        self._beat()
        self.timer_ref = consumer.timer.call_repeatedly(HEARTBEAT_SECONDS, self._beat)

    def stop(self, consumer: Any) -> None:
        if self.timer_ref is None:
            return
        self.timer_ref.cancel()
        self.timer_ref = None
        with suppress(RedisError):
            store = runtime.current().store
            store.redis.delete(store.keys.worker(self.node))

    shutdown = stop

    def _beat(self) -> None:
        store = runtime.current().store
        beat = {
            "node": self.node,
            "queues": self.queues,
            "pid": os.getpid(),
            "at": datetime.now(UTC).isoformat(),
        }
        try:
            key = store.keys.worker(self.node)
            store.redis.set(key, json.dumps(beat), ex=HEARTBEAT_TTL_SECONDS)
        except RedisError as error:
            logger.warning("heartbeat.skipped", error_type=type(error).__name__, error=str(error))
