"""The claim check: each article version's state in Redis, and delivery to the streams.

Celery messages carry only ``(article_id, version)``; every stage reads its input from
here and writes its output back, so messages stay small, any article can be inspected
with ``newsflow status`` and any stage can be re-run. Key names are in ``tasks.keys``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pydantic import BaseModel
from redis import Redis

from schemas import STAGES, ArticleRef, PublishedRecord, Stage, StageEvent, Submission
from tasks.keys import (
    SUBMISSION_FIELD,
    TRACE_FIELD,
    Keys,
    attempts_field,
    event_field,
    started_field,
)

#: The hash field each stage reads: the previous stage's output.
INPUT_FIELD: dict[Stage, str] = {
    "ingest": SUBMISSION_FIELD,
    "normalize": "ingest",
    "tag": "normalize",
    "thumbnail": "tag",
    "publish": "thumbnail",
}


@dataclass(frozen=True)
class StageInput:
    """What a stage finds when it starts: its attempt number, trace id and input JSON."""

    attempts: int
    trace_id: str | None
    payload: str | None


class ArticleStore:
    """Reads and writes article state; one instance per process, sharing a connection pool."""

    def __init__(self, redis: Redis, keys: Keys, ttl_seconds: int, stream_maxlen: int) -> None:
        self.redis = redis
        self.keys = keys
        self.ttl_seconds = ttl_seconds
        self.stream_maxlen = stream_maxlen
        script = resources.files("tasks").joinpath("deliver.lua").read_text("utf-8")
        self._deliver = redis.register_script(script)

    def create(self, submission: Submission, trace_id: str) -> ArticleRef:
        """Store a new version of the submitted article and return its claim check."""
        article_id = submission.id or uuid.uuid4().hex
        latest = self.keys.latest(article_id)
        version = int(self.redis.incr(latest))
        key = self.keys.article(article_id, version)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.expire(latest, self.ttl_seconds)
            pipe.hset(
                key, mapping={TRACE_FIELD: trace_id, SUBMISSION_FIELD: submission.model_dump_json()}
            )
            pipe.expire(key, self.ttl_seconds)
            pipe.execute()
        return ArticleRef(article_id=article_id, version=version, trace_id=trace_id)

    def begin(self, article_id: str, version: int, stage: Stage, started: str) -> StageInput:
        """Count the attempt, mark the stage started and read its input, in one round trip."""
        key = self.keys.article(article_id, version)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(key, attempts_field(stage), 1)
            pipe.hset(key, started_field(stage), started)
            pipe.hmget(key, [TRACE_FIELD, INPUT_FIELD[stage]])
            attempts, _, (trace_id, payload) = pipe.execute()
        return StageInput(attempts=int(attempts), trace_id=trace_id, payload=payload)

    def finish(self, event: StageEvent, output: BaseModel | None) -> None:
        """Record the stage's event and, when it completed, its output."""
        key = self.keys.article(event.article_id, event.version)
        fields = {event_field(event.stage): event.model_dump_json()}
        if output is not None:
            fields[event.stage] = output.model_dump_json()
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expire(key, self.ttl_seconds)
            pipe.execute()

    def deliver(self, ref: ArticleRef, record: PublishedRecord) -> int:
        """Add the document to the firehose and each matching subscriber stream, once each."""
        streams = [self.keys.published, *(self.keys.subscriber(n) for n in record.subscribers)]
        added = self._deliver(
            keys=[self.keys.delivered(ref.article_id, ref.version), *streams],
            args=[
                self.ttl_seconds,
                self.stream_maxlen,
                ref.article_id,
                ref.version,
                json.dumps(record.document, ensure_ascii=False, separators=(",", ":")),
            ],
        )
        return int(added)

    def dead_letter(self, event: StageEvent) -> None:
        """Keep a failed article's failure where operators can find and replay it."""
        fields: dict[Any, Any] = {
            "article_id": event.article_id,
            "version": event.version,
            "trace_id": event.trace_id,
            "stage": event.stage,
            "attempts": event.attempts,
            "error_type": event.error_type or "",
            "error": event.error or "",
            "at": (event.finished_at or event.started_at).isoformat(),
        }
        self.redis.xadd(self.keys.dead, fields)

    def latest_version(self, article_id: str) -> int | None:
        value = self.redis.get(self.keys.latest(article_id))
        return int(value) if value else None

    def read(self, article_id: str, version: int, field: str) -> str | None:
        value = self.redis.hget(self.keys.article(article_id, version), field)
        return str(value) if value is not None else None

    def timeline(self, article_id: str, version: int) -> dict[Stage, dict[str, Any]]:
        """Each stage's latest event; a stage still running shows its start only."""
        raw: dict[str, str] = self.redis.hgetall(self.keys.article(article_id, version))
        timeline: dict[Stage, dict[str, Any]] = {}
        for stage in STAGES:
            if event := raw.get(event_field(stage)):
                timeline[stage] = json.loads(event)
            elif started := raw.get(started_field(stage)):
                timeline[stage] = {
                    "state": "started",
                    "started_at": started,
                    "attempts": int(raw.get(attempts_field(stage), 0)),
                }
        return timeline

    def trace_id(self, article_id: str, version: int) -> str | None:
        return self.read(article_id, version, TRACE_FIELD)
