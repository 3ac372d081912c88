"""Reading a subscriber's stream through a consumer group, as a downstream system would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from redis import Redis
from redis.exceptions import ResponseError

from tasks.store import StreamEntries


@dataclass(frozen=True)
class Entry:
    stream_id: str
    article_id: str
    version: int
    document: str


@dataclass
class StreamReader:
    """A consumer in a group; entries are acknowledged only once the caller has used them."""

    redis: Redis
    stream: str
    group: str
    consumer: str
    claim_idle_ms: int = 60_000

    def ensure_group(self) -> None:
        try:
            self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def reclaim(self, count: int) -> list[Entry]:
        """Entries another consumer read but never acknowledged, idle long enough."""
        reply = self.redis.xautoclaim(
            self.stream, self.group, self.consumer, self.claim_idle_ms, "0-0", count=count
        )
        claimed = cast(StreamEntries, reply[1])
        return [_entry(stream_id, fields) for stream_id, fields in claimed if fields]

    def read(self, count: int, block_ms: int) -> list[Entry]:
        reply = cast(
            list[tuple[str, StreamEntries]] | None,
            self.redis.xreadgroup(
                self.group, self.consumer, {self.stream: ">"}, count=count, block=block_ms
            ),
        )
        return [
            _entry(stream_id, fields) for _, entries in reply or [] for stream_id, fields in entries
        ]

    def ack(self, entry: Entry) -> None:
        self.redis.xack(self.stream, self.group, entry.stream_id)

    def entries(self, limit: int | None, timeout: float | None) -> Iterator[Entry]:
        """Reclaimed entries first, then new ones, until ``limit`` or ``timeout`` seconds."""
        self.ensure_group()
        deadline = None if timeout is None else time.monotonic() + timeout
        served = 0
        for entry in self.reclaim(count=limit or 100):
            if limit is not None and served >= limit:
                return
            served += 1
            yield entry
        while limit is None or served < limit:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            block = 1000 if left is None else max(1, int(min(left, 1.0) * 1000))
            for entry in self.read(count=min(10, limit - served) if limit else 10, block_ms=block):
                served += 1
                yield entry


def _entry(stream_id: str, fields: dict[str, str]) -> Entry:
    return Entry(
        stream_id=stream_id,
        article_id=fields["article_id"],
        version=int(fields["version"]),
        document=fields["document"],
    )
