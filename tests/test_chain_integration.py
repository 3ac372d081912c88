"""The whole chain on a private redis-server with two real ``newsflow worker`` processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
from redis import Redis

from schemas import STAGES
from tasks.vocabulary import load_vocabulary
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

SUBSCRIBERS = """
[subscribers.politics]
description = "Politics, any language"
topics = ["medtop:11000000"]

[subscribers.french]
languages = ["fr"]

[subscribers.lci-sport]
topics = ["medtop:15000000"]
sources = ["lci"]

[subscribers.nobody]
sources = ["No Such Provider"]
"""
ARTICLES = 200


@pytest.fixture(scope="module")
def chain(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """Two workers on all five queues, fed 200 articles through ``newsflow submit``."""
    directory = tmp_path_factory.mktemp("chain")
    (directory / "subscribers.toml").write_text(SUBSCRIBERS, "utf-8")
    redis_server.client().flushall()
    env = newsflow_env(
        redis_server.url, NEWSFLOW_SUBSCRIBERS_FILE=str(directory / "subscribers.toml")
    )
    workers = start_workers(env, directory, count=2)
    try:
        half = ARTICLES // 2
        lci = write_articles(directory / "lci", half)
        wire = write_articles(directory / "wire", half, start=half)
        ids = workers.cli("submit", "--source", "LCI", *map(str, lci)).stdout.split()
        ids += workers.cli("submit", "--source", "Wire", str(directory / "wire")).stdout.split()
        assert len(ids) == len(set(ids)) == ARTICLES == len(lci) + len(wire)
        client = redis_server.client()
        published = wait_for(lambda: client.xlen("newsflow:published") >= ARTICLES, timeout=180)
        assert published, f"only {client.xlen('newsflow:published')} of {ARTICLES} published"
        workers.submitted = ids  # type: ignore[attr-defined]
        yield workers
    finally:
        stop_workers(workers)


def _stream(client: Redis, name: str) -> list[dict[str, str]]:
    return [fields for _, fields in client.xrange(name)]


def test_every_article_reaches_the_firehose_exactly_once(
    chain: Workers, redis_server: RedisServer
) -> None:
    client = redis_server.client()
    entries = _stream(client, "newsflow:published")
    counts = Counter(entry["article_id"] for entry in entries)
    assert set(counts) == set(chain.submitted)  # type: ignore[attr-defined]
    assert max(counts.values()) == 1
    for entry in entries:
        document = json.loads(entry["document"])
        assert document["newsflow"]["article_id"] == entry["article_id"]
        assert document["version"] == entry["version"] == "1"
        assert document["subjects"], "every generated article has topics"


def test_subscribers_get_exactly_their_matches(chain: Workers, redis_server: RedisServer) -> None:
    client = redis_server.client()
    vocabulary = load_vocabulary()
    expected: dict[str, set[str]] = defaultdict(set)
    for entry in _stream(client, "newsflow:published"):
        document = json.loads(entry["document"])
        codes = [subject["literal"] for subject in document["subjects"]]
        provider = document["infosources"][0]["name"]
        article_id = entry["article_id"]
        if any(vocabulary.is_within(code, "medtop:11000000") for code in codes):
            expected["politics"].add(article_id)
        if document["language"] == "fr":
            expected["french"].add(article_id)
        if provider == "LCI" and any(vocabulary.is_within(c, "medtop:15000000") for c in codes):
            expected["lci-sport"].add(article_id)
    for name in ("politics", "french", "lci-sport", "nobody"):
        received = [entry["article_id"] for entry in _stream(client, f"newsflow:subscriber:{name}")]
        assert len(received) == len(set(received)), f"{name} got a document twice"
        assert set(received) == expected[name], name
    assert len(expected["french"]) >= ARTICLES // 3
    assert expected["politics"] and expected["lci-sport"]


def test_logs_follow_every_article_through_five_stages_with_one_trace(chain: Workers) -> None:
    stages: dict[str, set[str]] = defaultdict(set)
    traces: dict[str, set[str]] = defaultdict(set)
    for line in chain.log_lines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == "stage.completed":
            stages[record["article_id"]].add(record["stage"])
            traces[record["article_id"]].add(record["trace_id"])
            assert record["task_id"] and record["duration_ms"] >= 0
            # One thread ran the stage: its CPU time fits in its wall time.
            assert 0 <= record["cpu_ms"] <= record["duration_ms"] + 1
    for article_id in chain.submitted:  # type: ignore[attr-defined]
        assert stages[article_id] == set(STAGES), article_id
        assert len(traces[article_id]) == 1, article_id


def test_status_shows_five_completed_stages(chain: Workers) -> None:
    article_id = chain.submitted[17]  # type: ignore[attr-defined]
    report = json.loads(chain.cli("status", article_id, "--json").stdout)
    assert report["outcome"] == "published"
    assert [report["stages"][s]["state"] for s in STAGES] == ["completed"] * 5
    assert all(report["stages"][s]["attempts"] >= 1 for s in STAGES)
    assert all(report["stages"][s]["worker"].startswith("test") for s in STAGES)
    table = chain.cli("status", article_id).stdout
    assert "published" in table and table.count("completed") == 5


def test_rerunning_a_whole_chain_publishes_nothing_twice(
    chain: Workers, redis_server: RedisServer
) -> None:
    """Celery redelivers; a stage that runs again must not duplicate the publication."""
    client = redis_server.client()
    article_id = chain.submitted[3]  # type: ignore[attr-defined]
    before = client.xlen("newsflow:published")
    script = (
        "from workers.app import app\n"
        "from schemas import ArticleRef\n"
        "from tasks.pipeline import build_chain\n"
        f"ref = ArticleRef(article_id={article_id!r}, version=1, trace_id='x')\n"
        "build_chain(ref).apply_async()\n"
    )
    subprocess.run([sys.executable, "-c", script], env=chain.env, check=True, timeout=60)
    assert wait_for(
        lambda: (
            json.loads(chain.cli("status", article_id, "--json").stdout)["stages"]["publish"][
                "attempts"
            ]
            == 2
        ),
        timeout=60,
    )
    assert client.xlen("newsflow:published") == before


def test_subscribe_prints_acks_and_reclaims(chain: Workers, redis_server: RedisServer) -> None:
    client = redis_server.client()
    stream = "newsflow:subscriber:french"
    total = client.xlen(stream)
    client.xgroup_create(stream, "desk", id="0")
    # A consumer that reads one entry and dies before acknowledging it.
    client.xreadgroup("desk", "dead-consumer", {stream: ">"}, count=1)
    result = chain.cli(
        "subscribe",
        "french",
        "--group",
        "desk",
        "--json",
        "--claim-idle",
        "0",
        "--count",
        str(total),
        "--timeout",
        "30",
    )
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(documents) == total
    assert {d["language"] for d in documents} == {"fr"}
    assert len({d["newsflow"]["article_id"] for d in documents}) == total
    assert client.xpending(stream, "desk")["pending"] == 0
