"""A soak: 10,000 articles through two workers, and their memory does not creep."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import RedisServer, newsflow_env, start_workers, stop_workers, wait_for
from tests.corpus import write_articles

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTICLES = 10_000
WARM_UP = 1_000
BATCH = 1_000


def group_rss_kib(leader: int) -> int:
    """Resident memory of a worker: every process in its process group, in KiB."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == leader:  # the process group id
            rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
            total += int(rss.split()[1])
    return total


def test_ten_thousand_articles_without_memory_growth(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    client = redis_server.client()
    client.flushall()
    # One small title card per article keeps 10,000 articles within CI's time.
    env = newsflow_env(redis_server.url, NEWSFLOW_IMAGE_RENDITIONS="square:160x160")
    workers = start_workers(env, tmp_path, 2)
    try:
        submitted = 0
        baseline: list[int] = []
        for start in range(0, ARTICLES, BATCH):
            directory = tmp_path / f"batch-{start}"
            write_articles(directory, BATCH, start=start)
            submitted += len(workers.cli("submit", str(directory), timeout=300).stdout.split())
            if start + BATCH == WARM_UP:
                assert wait_for(lambda: client.xlen("newsflow:published") >= WARM_UP, 600)
                baseline = [group_rss_kib(p.pid) for p in workers.processes]
        assert submitted == ARTICLES
        assert wait_for(lambda: client.xlen("newsflow:published") >= ARTICLES, timeout=3000)
        final = [group_rss_kib(p.pid) for p in workers.processes]
        for before, after in zip(baseline, final, strict=True):
            assert after <= before * 1.2, f"worker memory grew from {before} to {after} KiB"
        assert client.xlen("newsflow:dead") == 0
        assert client.zcard("newsflow:inflight") == 0
    finally:
        stop_workers(workers)
