"""Prometheus metrics of the stages, served by ``newsflow worker`` on NEWSFLOW_METRICS_PORT.

Stages run in Celery's prefork pool processes, which come and go; each one records
into prometheus_client's multiprocess files (``PROMETHEUS_MULTIPROC_DIR``), and the
``newsflow worker`` process — the supervisor, which outlives every Celery process it
starts — serves their sum. The supervisor makes a fresh directory and puts it in the
environment before it starts Celery, so every pool process inherits it, and removes it
on exit (prometheus_client chooses multiprocess storage when it is imported, and the
Celery processes import it after that). Counts come from ``tasks.stage.stage_finished``,
sent once a stage's outcome is recorded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
    start_http_server,
)

from schemas import StageEvent
from tasks.stage import stage_finished

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: A stage's final state, as the ``outcome`` label.
OUTCOMES = {"completed": "completed", "retrying": "retried", "failed": "dead_lettered"}
#: From a cached lookup to a slow image fetch or a stage near its time limit.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 90)


DURATION = Histogram(
    "newsflow_stage_duration_seconds",
    "Time a stage took, by stage and outcome.",
    ["stage", "outcome"],
    buckets=DURATION_BUCKETS,
)
STAGE_OUTCOMES = Counter(
    "newsflow_stage_outcomes",
    "Stage runs by stage and outcome (completed, retried, dead_lettered).",
    ["stage", "outcome"],
)
RETRIES = Counter("newsflow_retries", "Stage runs retried after a failure.", ["stage"])
DEAD_LETTERS = Counter("newsflow_dead_letters", "Articles dead-lettered, by stage.", ["stage"])
CPU = Counter(
    "newsflow_stage_cpu_seconds",
    "CPU time spent in each stage (its work and claim check, not Celery's): cores per stage.",
    ["stage"],
)


def observe(event: StageEvent) -> None:
    outcome = OUTCOMES[event.state]
    STAGE_OUTCOMES.labels(event.stage, outcome).inc()
    DURATION.labels(event.stage, outcome).observe((event.duration_ms or 0) / 1000)
    CPU.labels(event.stage).inc((event.cpu_ms or 0) / 1000)
    if outcome == "retried":
        RETRIES.labels(event.stage).inc()
    elif outcome == "dead_lettered":
        DEAD_LETTERS.labels(event.stage).inc()


def _record(sender: Any, event: StageEvent, **_: Any) -> None:
    observe(event)


def install() -> None:
    """Count stage outcomes in this process when ``newsflow worker`` serves metrics."""
    if os.environ.get(MULTIPROC_ENV):
        stage_finished.connect(_record, weak=False, dispatch_uid="newsflow.metrics")


@contextmanager
def exporter(port: int) -> Iterator[None]:
    """Serve the pool processes' metrics on ``port`` (0: no metrics) while the block runs."""
    if not port:
        yield
        return
    directory = tempfile.mkdtemp(prefix="newsflow-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    server, thread = start_http_server(port, registry=registry)
    try:
        yield
    finally:
        server.shutdown()
        thread.join()
        shutil.rmtree(directory, ignore_errors=True)
