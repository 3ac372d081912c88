"""Nothing is lost: real workers killed, Redis restarted, stages hanging and failing.

A durable (appendonly, fsync always), password-protected redis-server of this module's own;
every test starts its own ``newsflow worker`` processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from tests.conftest import (
    RedisServer,
    Workers,
    newsflow_env,
    start_workers,
    stop_workers,
    wait_for,
)
from tests.corpus import write_articles

pytestmark = pytest.mark.integration

PASSWORD = "pw-Zq8-never-logged"
FIREHOSE = "newsflow:published"
DEAD = "newsflow:dead"


@pytest.fixture(scope="module")
def durable_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("durable"), password=PASSWORD, appendonly=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis(durable_redis: RedisServer) -> Redis:
    client = durable_redis.client()
    client.flushall()
    return client


def fast_env(server: RedisServer, **extra: str) -> dict[str, str]:
    """Short limits so that redelivery and retries happen within a test's time."""
    settings = {
        "NEWSFLOW_TASK_SOFT_TIME_LIMIT": "3",
        "NEWSFLOW_TASK_TIME_LIMIT": "5",
        "NEWSFLOW_VISIBILITY_TIMEOUT": "10",
        "NEWSFLOW_MAX_RETRIES": "3",
        "NEWSFLOW_STALL_TIMEOUT": "15",
        # One small title card per article: these tests are about delivery, not thumbnails.
        "NEWSFLOW_IMAGE_RENDITIONS": "square:160x160",
        "NEWSFLOW_SWEEP_INTERVAL": "2",
        **extra,
    }
    return newsflow_env(server.url, **settings)


def published_ids(redis: Redis) -> Counter[str]:
    return Counter(fields["article_id"] for _, fields in redis.xrange(FIREHOSE))


def assert_no_password(workers: Workers, *outputs: str) -> None:
    assert all(PASSWORD not in line for line in workers.log_lines())
    assert all(PASSWORD not in output for output in outputs)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a worker and its pool processes, as a crashed machine would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_sigkill_mid_run_loses_nothing(
    durable_redis: RedisServer, redis: Redis, tmp_path: Path
) -> None:
    env = fast_env(durable_redis)
    workers = start_workers(env, tmp_path, 1)
    try:
        write_articles(tmp_path / "in", 500)
        ids = workers.cli("submit", str(tmp_path / "in")).stdout.split()
        assert len(ids) == 500
        assert wait_for(lambda: redis.xlen(FIREHOSE) >= 100, timeout=120)
        kill_group(workers.processes[0])
        assert redis.xlen(FIREHOSE) < 500, "the kill came too late to test anything"
        workers.processes += start_workers(env, tmp_path, 1, first=1).processes
        workers.logs.append(tmp_path / "worker-1.log")
        assert wait_for(lambda: redis.xlen(FIREHOSE) >= 500, timeout=600)
        counts = published_ids(redis)
        assert set(counts) == set(ids) and max(counts.values()) == 1
        assert redis.xlen(DEAD) == 0
        assert_no_password(workers)
    finally:
        stop_workers(workers)


def test_redis_restart_mid_run_loses_nothing(
    durable_redis: RedisServer, redis: Redis, tmp_path: Path
) -> None:
    env = fast_env(durable_redis)
    workers = start_workers(env, tmp_path, 2)
    try:
        write_articles(tmp_path / "in", 300)
        ids = workers.cli("submit", str(tmp_path / "in")).stdout.split()
        assert wait_for(lambda: redis.xlen(FIREHOSE) >= 50, timeout=120)
        durable_redis.stop()
        durable_redis.start()
        client = durable_redis.client()
        assert client.xlen(FIREHOSE) >= 50, "appendonly kept what was published"
        assert wait_for(lambda: client.xlen(FIREHOSE) >= 300, timeout=600)
        counts = published_ids(client)
        assert set(counts) == set(ids) and max(counts.values()) == 1
        reconnected = [line for line in workers.log_lines() if "Connected to redis" in line]
        assert len(reconnected) >= 3, "the workers connected, lost Redis and reconnected"
        assert all(process.poll() is None for process in workers.processes)
        assert_no_password(workers)
    finally:
        stop_workers(workers)


@pytest.fixture
def faulty_workers(durable_redis: RedisServer, redis: Redis, tmp_path: Path) -> Iterator[Workers]:
    env = fast_env(
        durable_redis,
        NEWSFLOW_TASK_SOFT_TIME_LIMIT="3",
        NEWSFLOW_TASK_TIME_LIMIT="5",
        NEWSFLOW_MAX_RETRIES="1",
        NEWSFLOW_MAX_SUBMISSION_BYTES="20000",
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
    )
    workers = start_workers(env, tmp_path, 1, "--include", "tests.faults")
    yield workers
    stop_workers(workers)


def test_hanging_and_failing_stages_are_dead_lettered_and_replayable(
    faulty_workers: Workers, redis: Redis, tmp_path: Path
) -> None:
    good = write_articles(tmp_path / "good", 6)
    bad = write_articles(tmp_path / "bad", 3, start=100)
    redis.set("faults:flaky-1", "on")
    cli = faulty_workers.cli
    for article_id, path in zip(["hang-soft-1", "hang-hard-1", "flaky-1"], bad, strict=True):
        assert cli("submit", "--id", article_id, str(path)).stdout.split() == [article_id]
    good_ids = cli("submit", *map(str, good)).stdout.split()
    assert wait_for(lambda: redis.xlen(DEAD) >= 3 and redis.xlen(FIREHOSE) >= 6, timeout=120)
    assert set(published_ids(redis)) == set(good_ids), "the others flowed on"

    letters = {x["article_id"]: x for x in json.loads(cli("dead-letters", "list", "--json").stdout)}
    assert set(letters) == {"hang-soft-1", "hang-hard-1", "flaky-1"}
    assert {x["stage"] for x in letters.values()} == {"normalize"}
    assert letters["hang-soft-1"]["error_type"] == "SoftTimeLimitExceeded"
    assert letters["hang-soft-1"]["attempts"] == "2"
    assert letters["hang-hard-1"]["error_type"] == "AttemptsExhaustedError"
    assert letters["flaky-1"]["error_type"] == "TransientError"
    assert "injected failure" in letters["flaky-1"]["error"]
    shown = json.loads(cli("dead-letters", "show", letters["flaky-1"]["id"], "--json").stdout)
    assert json.loads(shown["submission"])["id"] == "flaky-1", "enough to replay"
    status = json.loads(cli("status", "flaky-1", "--json").stdout)
    assert status["outcome"] == "dead" and status["stages"]["normalize"]["state"] == "failed"
    assert (
        "table" not in cli("dead-letters", "list").stdout
        and "flaky-1" in cli("dead-letters", "list").stdout
    )

    redis.delete("faults:flaky-1")
    assert cli("dead-letters", "replay", "flaky-1").stdout.split() == ["flaky-1"]
    assert wait_for(lambda: "flaky-1" in published_ids(redis), timeout=60)
    status = json.loads(cli("status", "flaky-1", "--json").stdout)
    assert status["outcome"] == "published"
    assert status["stages"]["normalize"]["attempts"] == 1, "replay starts the retries afresh"
    remaining = json.loads(cli("dead-letters", "list", "--json").stdout)
    assert {x["article_id"] for x in remaining} == {"hang-soft-1", "hang-hard-1"}
    assert cli("dead-letters", "purge").stdout.strip() == "purged 2 dead letters"
    assert redis.xlen(DEAD) == 0
    assert cli("dead-letters", "show", "nope", check=False).returncode == 1
    assert_no_password(faulty_workers, cli("status", "flaky-1").stdout)


def test_pickled_message_is_refused_never_executed(
    faulty_workers: Workers, redis: Redis, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    script = f"""
import os
from workers.app import app

class Exploit:
    def __reduce__(self):
        return (os.system, ("touch {marker}",))

app.send_task("newsflow.ingest", args=[Exploit(), 1], serializer="pickle", queue="ingest")
"""
    subprocess.run([sys.executable, "-c", script], env=faulty_workers.env, check=True, timeout=60)
    assert wait_for(lambda: any("pickle" in line for line in faulty_workers.log_lines()), 30)
    (good,) = write_articles(tmp_path / "good", 1, start=7)
    (article_id,) = faulty_workers.cli("submit", str(good)).stdout.split()
    assert wait_for(lambda: article_id in published_ids(redis), timeout=60)
    assert not marker.exists()
    refusal = [line for line in faulty_workers.log_lines() if "pickle" in line]
    assert any("untrusted" in line or "Refusing" in line for line in refusal)
    assert all(process.poll() is None for process in faulty_workers.processes)


def test_identical_resubmission_is_acknowledged_not_republished(
    faulty_workers: Workers, redis: Redis, tmp_path: Path
) -> None:
    (path,) = write_articles(tmp_path / "in", 1, start=42)
    cli = faulty_workers.cli
    first = cli("submit", "--id", "story", str(path)).stdout.strip()
    assert wait_for(lambda: redis.xlen(FIREHOSE) == 1, timeout=60)
    again = cli("submit", "--id", "story", str(path)).stdout.strip()
    elsewhere = cli("submit", "--id", "copy", str(path)).stdout.strip()
    assert (first, again, elsewhere) == ("story", "story", "copy")
    assert wait_for(
        lambda: json.loads(cli("status", "copy", "--json").stdout)["outcome"] == "deduplicated",
        timeout=60,
    )
    status = json.loads(cli("status", "story", "--json").stdout)
    assert (status["version"], status["outcome"]) == (2, "deduplicated")
    assert (
        json.loads(cli("status", "story", "--version", "1", "--json").stdout)["outcome"]
        == "published"
    )
    assert redis.xlen(FIREHOSE) == 1
    logged = [
        json.loads(line) for line in faulty_workers.log_lines() if "article.deduplicated" in line
    ]
    assert {(x["article_id"], x["duplicate_of"]) for x in logged} == {
        ("story", "story:v1"),
        ("copy", "story:v1"),
    }


def test_limits_refuse_oversized_submissions_at_submit_time(
    faulty_workers: Workers, tmp_path: Path
) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Title|Wire\n\n" + "word " * 5000)
    result = faulty_workers.cli("submit", str(big), check=False)
    assert result.returncode == 1 and result.stdout == ""
    assert "over the limit of 20000 (NEWSFLOW_MAX_SUBMISSION_BYTES)" in result.stderr
