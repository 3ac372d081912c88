"""``newsflow trace ID``: one article's whole flow, from its state in Redis and the logs.

The state gives each stage's latest event (times, worker, attempts, error), the outcome
and any dead letters; log files add every line about the article, earlier attempts
included. A JSON log line belongs to the article when its ``article_id`` is the id or
its ``task_id`` (or message) names one of the article's stage tasks, which catches
Celery's own "received" and "succeeded" lines; any other line when it contains the id
or a task id as a word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from schemas import STAGES
from tasks.store import ArticleStore
from workers.table import render, shorten

HEADERS = ["stage", "state", "started", "finished", "duration", "worker", "attempts", "error"]


@dataclass
class Trace:
    article_id: str
    version: int | None
    trace_id: str | None = None
    outcome: str | None = None
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    dead_letters: list[dict[str, str]] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)

    @property
    def task_ids(self) -> set[str]:
        return {event["task_id"] for event in self.stages.values() if event.get("task_id")}

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def from_state(store: ArticleStore, article_id: str, version: int | None) -> Trace:
    """What Redis still holds about the article (nothing once its state expired)."""
    version = version or store.latest_version(article_id)
    trace = Trace(article_id=article_id, version=version)
    trace.trace_id = store.trace_id(article_id, version) if version is not None else None
    if version is not None and trace.trace_id is not None:
        timeline = store.timeline(article_id, version)
        trace.outcome = store.outcome(article_id, version) or "in progress"
        trace.stages = {stage: timeline.get(stage, {"state": "pending"}) for stage in STAGES}
    trace.dead_letters = [
        {k: v for k, v in letter.fields.items() if k != "submission"} | {"id": letter.entry_id}
        for letter in store.dead_letters(count=1_000_000)
        if letter.fields.get("article_id") == article_id
        and (version is None or letter.fields.get("version") == str(version))
    ]
    return trace


def _words(text: str, needles: Iterable[str]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text) for n in needles if n)


def matches(line: str, article_id: str, version: int | None, task_ids: set[str]) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        return _words(line, [article_id, *task_ids])
    if record.get("article_id") == article_id:
        return version is None or record.get("version") in (None, version)
    if record.get("task_id") in task_ids:
        return True
    return _words(str(record.get("event", "")), task_ids)


def _timestamp(line: str) -> str:
    """A JSON line's ``timestamp``; otherwise the line's first word (a console line's time)."""
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if isinstance(record, dict):
        return str(record.get("timestamp", ""))
    return line.split(maxsplit=1)[0] if line.strip() else ""


def log_lines(
    paths: Iterable[Path], article_id: str, version: int | None, task_ids: set[str]
) -> list[str]:
    """The lines about the article from every file (one per worker, say), merged in time
    order (ISO timestamps sort as text; the sort is stable)."""
    found: list[str] = []
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as lines:
            found += [
                line.rstrip("\n") for line in lines if matches(line, article_id, version, task_ids)
            ]
    return sorted(found, key=_timestamp)


def render_trace(trace: Trace) -> str:
    head = (
        f"article {trace.article_id} v{trace.version}  trace {trace.trace_id}  {trace.outcome}"
        if trace.version is not None and trace.trace_id
        else f"article {trace.article_id}: no state in Redis (never submitted, or expired)"
    )
    parts = [head]
    if trace.stages:
        rows = [
            [
                stage,
                event.get("state", "pending"),
                event.get("started_at", "-"),
                event.get("finished_at", "-"),
                "-" if event.get("duration_ms") is None else f"{event['duration_ms']:.1f} ms",
                event.get("worker", "-"),
                event.get("attempts", 0),
                shorten(event.get("error") or "", 60),
            ]
            for stage, event in trace.stages.items()
        ]
        parts.append(render(HEADERS, rows))
    for letter in trace.dead_letters:
        parts.append(
            f"dead letter {letter['id']}: {letter.get('stage')} after {letter.get('attempts')} "
            f"attempts: {letter.get('error_type')}: {shorten(letter.get('error', ''), 100)}"
        )
    if trace.log_lines:
        parts.append(f"{len(trace.log_lines)} log lines:")
        parts.extend(trace.log_lines)
    return "\n".join(parts)
