"""``newsflow health``: is Redis reachable, is the broker, is a worker answering.

Built for probes: a few cheap round trips, a short report, exit 0 or 1. "Answering"
means a live heartbeat (``workers/heartbeat.py``): the worker's consumer is running and
its main process wrote ``P:worker:NODE`` within the last ``HEARTBEAT_TTL_SECONDS``.
"""

from __future__ import annotations

import fnmatch
import json
import socket
import time
from dataclasses import asdict, dataclass

from kombu import Connection
from redis import Redis
from redis.exceptions import RedisError

from tasks.keys import Keys
from workers.settings import redact


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def node_pattern(pattern: str) -> str:
    """``%h`` is this host's name, as in Celery node names: ``*@%h`` is any worker here."""
    return pattern.replace("%h", socket.gethostname())


def check_redis(redis: Redis) -> Check:
    started = time.perf_counter()
    try:
        redis.ping()
    except RedisError as error:
        return Check("redis", False, f"{type(error).__name__}: {redact(str(error))}")
    return Check("redis", True, f"answered in {(time.perf_counter() - started) * 1000:.1f} ms")


def check_broker(url: str) -> Check:
    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
            where = f"{connection.transport.driver_type} at {connection.host}"
    except Exception as error:  # kombu raises each transport's own errors
        return Check("broker", False, f"{type(error).__name__}: {redact(str(error))}")
    return Check("broker", True, f"connected: {where}")


def check_workers(redis: Redis, keys: Keys, pattern: str) -> Check:
    """At least one worker whose node name matches ``pattern`` has a live heartbeat."""
    wanted = node_pattern(pattern)
    try:
        beats = [
            json.loads(beat)
            for key in redis.scan_iter(match=keys.worker_pattern, count=1000)
            if (beat := redis.get(key))
        ]
    except RedisError as error:
        return Check("worker", False, f"{type(error).__name__}: {redact(str(error))}")
    alive = sorted(
        (beat for beat in beats if fnmatch.fnmatchcase(beat["node"], wanted)),
        key=lambda beat: str(beat["node"]),
    )
    if not alive:
        return Check("worker", False, f"no worker matching {wanted!r} answers")
    return Check(
        "worker",
        True,
        "; ".join(f"{beat['node']} ({','.join(beat['queues'])}) at {beat['at']}" for beat in alive),
    )


def run_checks(redis: Redis, keys: Keys, broker_url: str, pattern: str) -> list[Check]:
    return [check_redis(redis), check_broker(broker_url), check_workers(redis, keys, pattern)]


def report(checks: list[Check], as_json: bool) -> str:
    ok = all(check.ok for check in checks)
    if as_json:
        return json.dumps({"ok": ok, "checks": [asdict(check) for check in checks]})
    return "\n".join(
        f"{'ok  ' if check.ok else 'FAIL'}  {check.name:<6}  {check.detail}" for check in checks
    )
