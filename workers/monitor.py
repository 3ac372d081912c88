"""The numbers behind ``newsflow queues``: backlog per stage, subscriber lag, dead letters.

Queue depths come from the broker: with Redis, a stage's queue is a list (its length
is the backlog) and messages taken but not yet acknowledged sit in kombu's ``unacked``
hash; with RabbitMQ, a passive ``queue.declare`` returns the ready messages and the
consumers (unacknowledged counts need the management API, so they are left out).
Streams, consumer groups and dead letters come from the state Redis.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from kombu import Connection
from redis import Redis

from schemas import STAGES
from tasks.keys import CELERY_UNACKED, Keys, celery_queue
from workers.table import render


@dataclass(frozen=True)
class QueueDepth:
    name: str
    waiting: int
    in_flight: int | None
    consumers: int | None


@dataclass(frozen=True)
class GroupLag:
    """One consumer group of a subscriber stream (XINFO GROUPS)."""

    name: str
    lag: int | None
    pending: int
    consumers: int
    last_delivered_id: str


@dataclass(frozen=True)
class SubscriberLag:
    name: str
    length: int
    groups: list[GroupLag]


@dataclass(frozen=True)
class Overview:
    queues: list[QueueDepth]
    subscribers: list[SubscriberLag]
    published: int
    dead_letters: int
    articles_in_flight: int

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def queue_depths(broker_url: str) -> list[QueueDepth]:
    """Each stage queue's backlog and messages in flight, from the broker."""
    with Connection(broker_url, connect_timeout=5) as connection:
        connection.ensure_connection(max_retries=1)
        if connection.transport.driver_type == "redis":
            return _redis_depths(connection.default_channel.client)
        return [_amqp_depth(connection, celery_queue(stage)) for stage in STAGES]


def _redis_depths(client: Redis) -> list[QueueDepth]:
    with client.pipeline(transaction=False) as pipe:
        for stage in STAGES:
            pipe.llen(celery_queue(stage))
        pipe.hvals(CELERY_UNACKED)
        *lengths, unacked = pipe.execute()
    # Each entry is [message, exchange, routing key]; Celery routes a stage's tasks with
    # the queue's name as the routing key.
    in_flight = Counter(json.loads(entry)[2] for entry in unacked)
    return [
        QueueDepth(celery_queue(stage), int(length), in_flight[celery_queue(stage)], None)
        for stage, length in zip(STAGES, lengths, strict=True)
    ]


def _amqp_depth(connection: Connection, queue: str) -> QueueDepth:
    """A queue never declared holds nothing yet (and the refusal closes the channel)."""
    channel = connection.channel()
    try:
        _, waiting, consumers = channel.queue_declare(queue=queue, passive=True)
        return QueueDepth(queue, int(waiting), None, int(consumers))
    except connection.channel_errors:
        return QueueDepth(queue, 0, None, 0)
    finally:
        channel.close()


def subscriber_names(redis: Redis, keys: Keys, configured: list[str]) -> list[str]:
    """Configured subscribers and any other subscriber stream found in Redis."""
    prefix = keys.subscriber("")
    found = {
        key.removeprefix(prefix)
        for key in redis.scan_iter(match=keys.subscriber_pattern, count=1000, _type="STREAM")
    }
    return sorted(found | set(configured))


def subscriber_lag(redis: Redis, keys: Keys, name: str) -> SubscriberLag:
    stream = keys.subscriber(name)
    length = int(redis.xlen(stream))
    groups = redis.xinfo_groups(stream) if redis.exists(stream) else []
    return SubscriberLag(
        name=name,
        length=length,
        groups=[
            GroupLag(
                name=group["name"],
                lag=group.get("lag"),
                pending=int(group["pending"]),
                consumers=int(group["consumers"]),
                last_delivered_id=group["last-delivered-id"],
            )
            for group in groups
        ],
    )


def overview(broker_url: str, redis: Redis, keys: Keys, configured: list[str]) -> Overview:
    with redis.pipeline(transaction=False) as pipe:
        pipe.xlen(keys.published)
        pipe.xlen(keys.dead)
        pipe.zcard(keys.inflight)
        published, dead, inflight = pipe.execute()
    return Overview(
        queues=queue_depths(broker_url),
        subscribers=[
            subscriber_lag(redis, keys, name) for name in subscriber_names(redis, keys, configured)
        ],
        published=int(published),
        dead_letters=int(dead),
        articles_in_flight=int(inflight),
    )


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def render_overview(view: Overview) -> str:
    """Tables for people: queues, then subscribers (one row per consumer group)."""
    queues = render(
        ["queue", "waiting", "in flight", "consumers"],
        [[q.name, q.waiting, _cell(q.in_flight), _cell(q.consumers)] for q in view.queues],
    )
    rows: list[list[object]] = []
    for subscriber in view.subscribers:
        if not subscriber.groups:
            rows.append([subscriber.name, subscriber.length, "(no group)", "-", "-", "-"])
        for group in subscriber.groups:
            rows.append(
                [
                    subscriber.name,
                    subscriber.length,
                    group.name,
                    _cell(group.lag),
                    group.pending,
                    group.consumers,
                ]
            )
    subscribers = render(["subscriber", "length", "group", "lag", "pending", "consumers"], rows)
    totals = (
        f"published {view.published}   dead letters {view.dead_letters}   "
        f"articles in flight {view.articles_in_flight}"
    )
    return f"{queues}\n\n{subscribers}\n\n{totals}"
