"""Operations against a private redis-server and a real worker: ``newsflow queues``,
``trace`` and ``health``, the Prometheus endpoint and the deploy files' probes."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from kombu import Connection
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from schemas import STAGES
from tests.conftest import (
    ROOT,
    RedisServer,
    Workers,
    free_port,
    newsflow_env,
    start_workers,
    stop_workers,
    wait_for,
)
from tests.corpus import write_articles
from tests.test_deploy import probe_commands

pytestmark = pytest.mark.integration

SUBSCRIBERS = """
[subscribers.everything]
description = "every article"

[subscribers.french]
languages = ["fr"]
"""
ARTICLES = 6
FLAKY = "flaky-ops"


@pytest.fixture(scope="module")
def ops(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """One worker serving metrics, ``ARTICLES`` published and one article dead-lettered
    after a retry (``tests.faults``: normalize fails while ``faults:ID`` exists)."""
    directory = tmp_path_factory.mktemp("ops")
    (directory / "subscribers.toml").write_text(SUBSCRIBERS, "utf-8")
    client = redis_server.client()
    client.flushall()
    port = free_port()
    env = newsflow_env(
        redis_server.url,
        NEWSFLOW_SUBSCRIBERS_FILE=str(directory / "subscribers.toml"),
        NEWSFLOW_METRICS_PORT=str(port),
        NEWSFLOW_MAX_RETRIES="1",
        PYTHONPATH=str(ROOT),
    )
    workers = start_workers(env, directory, 1, "--include", "tests.faults")
    try:
        ids = workers.cli("submit", *map(str, write_articles(directory / "in", ARTICLES)))
        client.set(f"faults:{FLAKY}", "on")
        flaky = directory / "flaky.txt"
        flaky.write_text("A flaky article\n\nIts normalize stage fails every time.\n", "utf-8")
        workers.cli("submit", "--id", FLAKY, str(flaky))
        assert wait_for(
            lambda: (
                client.xlen("newsflow:published") == ARTICLES and client.xlen("newsflow:dead") == 1
            ),
            timeout=120,
        ), f"published {client.xlen('newsflow:published')}, dead {client.xrange('newsflow:dead')}"
        workers.submitted = ids.stdout.split()  # type: ignore[attr-defined]
        workers.metrics_url = f"http://127.0.0.1:{port}/metrics"  # type: ignore[attr-defined]
        yield workers
    finally:
        stop_workers(workers)


# --- newsflow health --------------------------------------------------------------------------


def health(workers: Workers, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    result = (Workers(env=env, logs=[]) if env else workers).cli(
        "health", "--json", *args, check=False
    )
    return result.returncode, json.loads(result.stdout)


def checks(report: dict) -> dict[str, bool]:
    return {check["name"]: check["ok"] for check in report["checks"]}


def test_health_passes_with_redis_broker_and_a_worker_answering(ops: Workers) -> None:
    assert wait_for(lambda: health(ops)[0] == 0, timeout=30)
    code, report = health(ops)
    assert code == 0 and report["ok"]
    assert checks(report) == {"redis": True, "broker": True, "worker": True}
    (worker,) = [c["detail"] for c in report["checks"] if c["name"] == "worker"]
    assert worker.startswith("test0@") and ",".join(sorted(STAGES)) in worker
    assert health(ops, "--worker", "test0@%h")[0] == 0
    assert health(ops, "--worker", "*@%h")[0] == 0
    text = ops.cli("health").stdout
    assert [line.split()[:2] for line in text.splitlines()] == [
        ["ok", "redis"],
        ["ok", "broker"],
        ["ok", "worker"],
    ]


def test_health_fails_for_a_worker_that_does_not_answer(ops: Workers) -> None:
    code, report = health(ops, "--worker", "nobody@*")
    assert code == 1 and not report["ok"]
    assert checks(report) == {"redis": True, "broker": True, "worker": False}
    assert "FAIL" in ops.cli("health", "--worker", "nobody@*", check=False).stdout


def test_health_fails_without_redis_or_broker(ops: Workers) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    code, report = health(ops, env=ops.env | {"NEWSFLOW_BROKER_URL": closed})
    assert code == 1 and checks(report) == {"redis": True, "broker": False, "worker": True}
    code, report = health(
        ops,
        env=ops.env
        | {"NEWSFLOW_REDIS_URL": closed, "NEWSFLOW_BROKER_URL": ops.env["NEWSFLOW_REDIS_URL"]},
    )
    assert code == 1 and checks(report) == {"redis": False, "broker": True, "worker": False}


def test_a_stopped_worker_stops_answering_and_the_deploy_probes_see_it(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """The compose healthchecks and Kubernetes probes, run as written, against a worker of
    this host: they pass while it runs and fail once it stopped (it deletes its heartbeat)."""
    probes = {tuple(argv) for _, argv in probe_commands()}
    assert probes, "no newsflow health probe in deploy/"
    url = redis_server.url.removesuffix("/0") + "/4"  # its queues: no other test's messages
    Redis.from_url(url).flushdb()
    workers = start_workers(newsflow_env(url), tmp_path, 1, "--queues", "publish", first=7)
    try:
        assert wait_for(lambda: health(workers, "--worker", "test7@%h")[0] == 0, timeout=60)
        for argv in probes:
            assert argv[0] == "newsflow"
            assert workers.cli(*argv[1:], check=False).returncode == 0, argv
    finally:
        stop_workers(workers)
    code, report = health(workers, "--worker", "test7@%h")
    assert code == 1 and checks(report)["worker"] is False
    for argv in probes:
        assert workers.cli(*argv[1:], check=False).returncode == 1, argv


# --- newsflow queues ------------------------------------------------------------------------


def test_queues_reports_drained_queues_subscriber_lag_and_dead_letters(
    ops: Workers, redis_server: RedisServer
) -> None:
    client = redis_server.client()
    stream = "newsflow:subscriber:everything"
    client.xgroup_create(stream, "desk", id="0")
    client.xreadgroup("desk", "reader", {stream: ">"}, count=2)
    view = json.loads(ops.cli("queues", "--json").stdout)
    assert [q["name"] for q in view["queues"]] == list(STAGES)
    assert all(q["waiting"] == 0 and q["in_flight"] == 0 for q in view["queues"])
    assert view["published"] == ARTICLES
    assert view["dead_letters"] == 1
    assert view["articles_in_flight"] == 0
    subscribers = {s["name"]: s for s in view["subscribers"]}
    assert set(subscribers) == {"everything", "french"}
    everything = subscribers["everything"]
    assert everything["length"] == ARTICLES
    (desk,) = everything["groups"]
    assert desk["name"] == "desk" and desk["pending"] == 2 and desk["consumers"] == 1
    assert desk["lag"] == ARTICLES - 2
    text = ops.cli("queues").stdout
    assert "dead letters 1" in text and "desk" in text and "(no group)" in text


def test_queues_counts_waiting_and_unacknowledged_messages(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """In a database no worker consumes: three articles wait in ``ingest``; a consumer
    takes one without acknowledging it, and it is counted in flight until released."""
    url = redis_server.url.removesuffix("/0") + "/3"
    Redis.from_url(url).flushdb()
    cli = Workers(env=newsflow_env(url), logs=[])
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(f"Headline {n}\n\nBody of article {n}.\n", "utf-8")
    assert len(cli.cli("submit", str(tmp_path)).stdout.split()) == 3

    def depth() -> dict[str, tuple[int, int]]:
        view = json.loads(cli.cli("queues", "--json").stdout)
        return {q["name"]: (q["waiting"], q["in_flight"]) for q in view["queues"]}

    assert depth() == {"ingest": (3, 0)} | {stage: (0, 0) for stage in STAGES[1:]}
    with Connection(url) as connection:
        message = connection.default_channel.basic_get("ingest", no_ack=False)
        assert message is not None
        assert depth()["ingest"] == (2, 1)
        message.ack()
        assert depth()["ingest"] == (2, 0)


# --- newsflow trace ---------------------------------------------------------------------------


def test_trace_follows_one_article_through_state_and_logs(ops: Workers) -> None:
    article_id = ops.submitted[2]  # type: ignore[attr-defined]
    trace = json.loads(ops.cli("trace", article_id, "--log", str(ops.logs[0]), "--json").stdout)
    assert trace["outcome"] == "published" and trace["version"] == 1
    assert [trace["stages"][s]["state"] for s in STAGES] == ["completed"] * 5
    assert all(trace["stages"][s]["worker"].startswith("test0@") for s in STAGES)
    assert trace["dead_letters"] == []
    records = [json.loads(line) for line in trace["log_lines"]]
    completed = [r["stage"] for r in records if r["event"] == "stage.completed"]
    assert completed == list(STAGES), "one completion per stage, in time order"
    assert {r["article_id"] for r in records if "article_id" in r} == {article_id}
    task_ids = {trace["stages"][s]["task_id"] for s in STAGES}
    received = [r for r in records if r["event"].endswith("received")]
    assert {r["event"].split("[")[1].split("]")[0] for r in received} == task_ids
    stamps = [r["timestamp"] for r in records]
    assert stamps == sorted(stamps)
    text = ops.cli("trace", article_id, "--log", str(ops.logs[0])).stdout
    assert "published" in text and text.count("completed") >= 5 and "log lines" in text


def test_trace_shows_retries_and_the_dead_letter(ops: Workers) -> None:
    trace = json.loads(ops.cli("trace", FLAKY, "--log", str(ops.logs[0]), "--json").stdout)
    assert trace["outcome"] == "dead"
    assert trace["stages"]["normalize"]["state"] == "failed"
    assert trace["stages"]["normalize"]["attempts"] == 2
    (letter,) = trace["dead_letters"]
    assert letter["stage"] == "normalize" and letter["error_type"] == "TransientError"
    events = [json.loads(line)["event"] for line in trace["log_lines"]]
    assert "stage.retrying" in events and "stage.failed" in events


def test_trace_of_an_unknown_article_fails(ops: Workers) -> None:
    result = ops.cli("trace", "no-such-article", "--log", str(ops.logs[0]), check=False)
    assert result.returncode == 1 and "no state" in result.stdout


# --- metrics ------------------------------------------------------------------------------


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_outcomes_retries_dead_letters_and_durations(ops: Workers) -> None:
    samples = scrape(ops.metrics_url)  # type: ignore[attr-defined]

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    for stage in STAGES:
        finished = ARTICLES + (1 if stage == "ingest" else 0)
        outcome = {"stage": stage, "outcome": "completed"}
        assert value("newsflow_stage_outcomes_total", **outcome) == finished, stage
        assert value("newsflow_stage_duration_seconds_count", **outcome) == finished, stage
        assert value("newsflow_stage_duration_seconds_sum", **outcome) > 0, stage
        assert value("newsflow_stage_duration_seconds_bucket", **outcome, le="+Inf") == finished
        # CPU of one thread per stage run fits in the wall time of those runs.
        spent = sum(
            value("newsflow_stage_duration_seconds_sum", stage=stage, outcome=state)
            for state in ("completed", "retried", "dead_lettered")
        )
        assert 0 < value("newsflow_stage_cpu_seconds_total", stage=stage) <= spent + 0.1, stage
    normalize = {"stage": "normalize"}
    assert value("newsflow_stage_outcomes_total", **normalize, outcome="retried") == 1
    assert value("newsflow_stage_outcomes_total", **normalize, outcome="dead_lettered") == 1
    assert value("newsflow_retries_total", **normalize) == 1
    assert value("newsflow_dead_letters_total", **normalize) == 1
    assert value("newsflow_dead_letters_total", stage="tag") == 0


# --- Flower ---------------------------------------------------------------------------------


def test_task_events_reach_an_event_receiver_once_it_asks_as_flower_does(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """Flower is a Celery event receiver that sends ``enable_events`` every few seconds.
    Workers send no task events before such a request (they cost an eighth of the
    throughput) and every stage's after it. A worker of its own, on a database of its own
    (events are per database)."""
    url = redis_server.url.removesuffix("/0") + "/5"
    Redis.from_url(url).flushdb()
    published = Redis.from_url(url, decode_responses=True)
    events: list[dict] = []
    app = Celery(broker=url)
    app.conf.accept_content = ["json"]
    for name in ("before", "after"):
        (tmp_path / f"{name}.txt").write_text(
            f"Events {name} Flower asks\n\nAn article followed through its events.\n", "utf-8"
        )
    workers = start_workers(newsflow_env(url), tmp_path, 1, first=8)
    try:
        with app.connection_for_read() as connection:
            receiver = app.events.Receiver(connection, handlers={"*": events.append})
            consuming = receiver.consume(limit=None, timeout=None, safety_interval=0.5)
            next(consuming)  # subscribed from here on

            def published_count(count: int) -> bool:
                next(consuming)
                return published.xlen("newsflow:published") >= count

            workers.cli("submit", str(tmp_path / "before.txt"))
            assert wait_for(lambda: published_count(1), timeout=120)
            before = {event["type"] for event in events}
            assert "worker-online" in before  # the receiver hears the worker...
            assert not {kind for kind in before if kind.startswith("task-")}  # ...but no tasks

            replies = app.control.enable_events(reply=True, timeout=5)
            assert replies and all("ok" in next(iter(r.values())) for r in replies), replies
            events.clear()
            workers.cli("submit", str(tmp_path / "after.txt"))
            assert wait_for(lambda: published_count(2), timeout=120)
            for _ in range(3):  # the last events may trail the publication
                next(consuming)
    finally:
        stop_workers(workers)
    types = {event["type"] for event in events}
    assert {"task-received", "task-started", "task-succeeded"} <= types
    received = {e["name"] for e in events if e["type"] == "task-received"}
    assert received == {f"newsflow.{stage}" for stage in STAGES}
    succeeded = {e["uuid"] for e in events if e["type"] == "task-succeeded"}
    assert {e["uuid"] for e in events if e["type"] == "task-received"} <= succeeded


@pytest.mark.parametrize(("value", "expected"), [(None, "False False"), ("true", "True True")])
def test_task_events_setting_sends_them_always_with_task_sent(
    value: str | None, expected: str
) -> None:
    """``NEWSFLOW_TASK_EVENTS=true`` for monitors that do not ask (and for ``task-sent``,
    which producers send)."""
    extra = {"NEWSFLOW_TASK_EVENTS": value} if value else {}
    env = newsflow_env("redis://127.0.0.1:1/0", **extra)
    code = "from workers.app import app; c = app.conf; "
    code += "print(c.worker_send_task_events, c.task_send_sent_event)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split("\n")[-2] == expected
