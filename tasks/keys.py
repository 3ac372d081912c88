"""Every Redis key newsflow uses, in one place.

Layout (``P`` is ``NEWSFLOW_KEY_PREFIX``, default ``newsflow``):

==============================  ======  ===================================================
key                             type    holds
==============================  ======  ===================================================
``P:article:ID:vN``             hash    ``trace_id``, ``submission`` and each stage's output
                                        (JSON, field named after the stage), ``event:STAGE``
                                        (the stage's latest event), ``started:STAGE``,
                                        ``attempts:STAGE`` and ``outcome`` (``published``,
                                        ``deduplicated`` or ``dead``)
``P:article:ID:latest``         string  the newest version number of article ``ID``
``P:delivered:ID:vN``           set     streams this version was already added to (the
                                        publish guard that makes delivery exactly-once)
``P:content:SHA256``            string  ``ID:vN`` of the first version published with this
                                        normalized content (identical resubmissions are
                                        acknowledged, not published again)
``P:url:SHA256``                string  the article id first submitted with this canonical URL
                                        (SHA-256 of it): a later submission of the same URL
                                        without an id becomes a new version of that article
``P:neardup:B:XXXX``            zset    ``ID:vN:SIMHASH`` of the newest article versions
                                        whose SimHash has the 16 bits ``XXXX`` in band ``B``
                                        (0-3), scored by time seen: near-duplicate candidates
                                        (``tasks/neardup.lua``)
``P:inflight``                  zset    ``ID:vN`` of every version not yet published,
                                        deduplicated or dead-lettered, scored by the time
                                        after which it counts as stalled
``P:sweeper``                   string  lock held by the worker resuming stalled articles
``P:published``                 stream  the firehose: every published document
``P:subscriber:NAME``           stream  the documents matching subscriber ``NAME``
``P:dead``                      stream  dead letters: articles whose stage failed for good
``P:worker:NODE``               string  heartbeat of worker ``NODE`` (JSON: queues, pid,
                                        time), rewritten every 10 s while it consumes and
                                        expiring 30 s after the last beat
                                        (``workers/heartbeat.py``, ``newsflow health``)
==============================  ======  ===================================================

Article, delivered, content, url and near-duplicate keys expire after
``NEWSFLOW_STATE_TTL_SECONDS``; streams are trimmed to ``NEWSFLOW_STREAM_MAXLEN`` entries.
Celery's queues are the Redis lists ``ingest``, ``normalize``, ``tag``, ``thumbnail``
and ``publish`` (``celery_queue``) in the broker's Redis, without the prefix; messages a
worker has taken but not yet acknowledged are in kombu's hash ``unacked``
(``CELERY_UNACKED``: delivery tag -> ``[message, exchange, routing key]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas import Stage

SUBMISSION_FIELD = "submission"
TRACE_FIELD = "trace_id"
OUTCOME_FIELD = "outcome"
#: kombu's Redis transport: the hash of messages delivered but not yet acknowledged.
CELERY_UNACKED = "unacked"


def celery_queue(stage: Stage) -> str:
    """The broker queue of a stage: a Redis list (or AMQP queue) named like the stage."""
    return stage


def event_field(stage: Stage) -> str:
    return f"event:{stage}"


def started_field(stage: Stage) -> str:
    return f"started:{stage}"


def attempts_field(stage: Stage) -> str:
    return f"attempts:{stage}"


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix, so several deployments can share a Redis."""

    prefix: str = "newsflow"

    def article(self, article_id: str, version: int) -> str:
        return f"{self.prefix}:article:{article_id}:v{version}"

    def latest(self, article_id: str) -> str:
        return f"{self.prefix}:article:{article_id}:latest"

    def delivered(self, article_id: str, version: int) -> str:
        return f"{self.prefix}:delivered:{article_id}:v{version}"

    def content(self, sha256: str) -> str:
        return f"{self.prefix}:content:{sha256}"

    def url(self, canonical_sha256: str) -> str:
        return f"{self.prefix}:url:{canonical_sha256}"

    def simhash_band(self, band: int, bits: str) -> str:
        return f"{self.prefix}:neardup:{band}:{bits}"

    @property
    def inflight(self) -> str:
        return f"{self.prefix}:inflight"

    @property
    def sweeper_lock(self) -> str:
        return f"{self.prefix}:sweeper"

    @property
    def published(self) -> str:
        return f"{self.prefix}:published"

    def subscriber(self, name: str) -> str:
        return f"{self.prefix}:subscriber:{name}"

    @property
    def subscriber_pattern(self) -> str:
        """SCAN pattern of every subscriber stream."""
        return self.subscriber("*")

    def worker(self, node: str) -> str:
        return f"{self.prefix}:worker:{node}"

    @property
    def worker_pattern(self) -> str:
        """SCAN pattern of every worker heartbeat."""
        return self.worker("*")

    @property
    def dead(self) -> str:
        return f"{self.prefix}:dead"
