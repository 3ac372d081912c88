"""The thin Celery side of every stage: read input, run the pure function, record the outcome.

A stage is idempotent: its output is a pure function of its input and overwrites the
same hash field, and publish is guarded by ``deliver.lua``; a redelivered message
simply does the work again. Bad input is dead-lettered at once, other failures are
retried with backoff and dead-lettered when the retries are spent. Either way the
chain stops there (``Ignore``) and the worker carries on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import NoReturn, TypeVar

import structlog
from celery import Task
from celery.exceptions import Ignore, Reject, Retry
from celery.utils.dispatch import Signal
from pydantic import BaseModel, ValidationError
from redis.exceptions import RedisError

from schemas import ArticleRef, Stage, StageEvent
from tasks import runtime
from tasks.errors import AttemptsExhaustedError, MissingStateError, PermanentError
from tasks.store import INPUT_FIELD

logger = structlog.get_logger("newsflow.stage")

Output = TypeVar("Output", bound=BaseModel)

#: Sent in the process that ran the stage with its final event (``completed``,
#: ``retrying`` or ``failed``, i.e. dead-lettered), once recorded: ``workers.metrics``
#: counts them without tasks importing workers.
stage_finished = Signal(name="newsflow.stage_finished")


class StageTask(Task):  # type: ignore[misc]
    """Base class of the five stage tasks: JSON arguments, no result stored."""

    ignore_result = True
    typing = True


def _record(context: runtime.Runtime, ref: ArticleRef, done: StageEvent, output: BaseModel) -> None:
    context.store.finish(done, output)


def run_stage(
    task: Task,
    stage: Stage,
    article_id: str,
    version: int,
    work: Callable[[runtime.Runtime, ArticleRef, str], Output],
    finish: Callable[[runtime.Runtime, ArticleRef, StageEvent, Output], None] = _record,
) -> None:
    """Run one stage of one article version inside a task, with logs and events.

    ``finish`` records the completed stage's event and output; publish folds its delivery
    into it, saving a round trip.
    """
    started = datetime.now(UTC)
    clock, cpu = time.perf_counter(), time.thread_time()
    worker = task.request.hostname or "local"
    structlog.contextvars.bind_contextvars(
        article_id=article_id, version=version, stage=stage, task_id=task.request.id
    )
    attempts, trace_id = 0, ""

    def event(state: str, error: BaseException | None = None) -> StageEvent:
        return StageEvent(
            article_id=article_id,
            version=version,
            trace_id=trace_id,
            stage=stage,
            state=state,  # type: ignore[arg-type]
            started_at=started,
            finished_at=datetime.now(UTC),
            duration_ms=round((time.perf_counter() - clock) * 1000, 3),
            cpu_ms=round((time.thread_time() - cpu) * 1000, 3),
            worker=worker,
            attempts=attempts,
            task_id=task.request.id,
            error_type=type(error).__name__ if error else None,
            error=str(error)[:2000] if error else None,
        )

    context = runtime.current()
    try:
        found = context.store.begin(article_id, version, stage, started.isoformat())
        attempts, trace_id = found.attempts, found.trace_id or ""
        structlog.contextvars.bind_contextvars(trace_id=trace_id, attempt=attempts)
        if attempts > context.retry.max_retries + 1:
            # Redelivered after a hard time limit or a lost worker: stop the loop here.
            raise AttemptsExhaustedError(
                f"{stage} started {attempts} times without finishing (time limit or lost worker)"
            )
        if found.payload is None:
            raise MissingStateError(
                f"no '{INPUT_FIELD[stage]}' state for {article_id} v{version} (expired or never "
                "submitted)"
            )
        ref = ArticleRef(article_id=article_id, version=version, trace_id=trace_id)
        output = work(context, ref, found.payload)
        done = event("completed")
        finish(context, ref, done, output)
        logger.info("stage.completed", duration_ms=done.duration_ms, cpu_ms=done.cpu_ms)
        stage_finished.send(sender=stage, event=done)
    except Exception as error:
        permanent = isinstance(error, PermanentError | ValidationError)
        tries = max(attempts, task.request.retries + 1)
        try:
            if permanent or tries > context.retry.max_retries:
                _give_up(context, event("failed", error))
            _retry(task, context, event("retrying", error), tries)
        except (Ignore, Retry):
            raise
        except Exception as failure:
            # Redis or the broker is unreachable: hand the message back rather than lose it.
            logger.error("stage.requeued", error_type=type(failure).__name__, error=str(failure))
            raise Reject(failure, requeue=True) from error
    finally:
        structlog.contextvars.unbind_contextvars(
            "article_id", "version", "stage", "task_id", "trace_id", "attempt"
        )


def _give_up(context: runtime.Runtime, failed: StageEvent) -> NoReturn:
    """Record the failure and the dead letter, then stop the chain without failing the worker."""
    logger.error(
        "stage.failed",
        duration_ms=failed.duration_ms,
        error_type=failed.error_type,
        error=failed.error,
        dead_lettered=True,
    )
    context.store.finish(failed, None)
    context.store.dead_letter(failed)
    stage_finished.send(sender=failed.stage, event=failed)
    raise Ignore()


def _retry(task: Task, context: runtime.Runtime, retrying: StageEvent, tries: int) -> NoReturn:
    """Record the transient failure and send the same message again after a backoff."""
    with suppress(RedisError):
        context.store.finish(retrying, None)
    delay = context.retry.delay(tries)
    logger.warning(
        "stage.retrying",
        error_type=retrying.error_type,
        error=retrying.error,
        retry_in_s=round(delay, 2),
    )
    retry = task.retry(countdown=delay, max_retries=None, throw=False)
    stage_finished.send(sender=retrying.stage, event=retrying)
    raise retry
