"""The Celery application, configured for at-least-once delivery of JSON messages.

``celery -A workers.app worker`` works as well as ``newsflow worker``.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, signals
from redis import Redis

from schemas import STAGES
from tasks import (
    pipeline,  # noqa: F401  (registers the five stage tasks)
    runtime,
)
from tasks.keys import Keys
from tasks.limits import Limits
from tasks.store import ArticleStore
from tasks.subscribers import load_subscribers
from tasks.tagger import load_tagger
from tasks.vocabulary import load_vocabulary
from workers import metrics
from workers.heartbeat import Heartbeat
from workers.logging import configure_logging
from workers.settings import Settings
from workers.sweeper import Sweeper


def build_runtime(settings: Settings) -> runtime.Runtime:
    """Everything a stage needs, built once per process."""
    redis = Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        health_check_interval=30,
        socket_keepalive=True,
        retry_on_timeout=True,
    )
    store = ArticleStore(
        redis,
        Keys(settings.key_prefix),
        settings.state_ttl_seconds,
        settings.stream_maxlen,
        stall_seconds=settings.stall_timeout,
    )
    return runtime.Runtime(
        store=store,
        subscribers=load_subscribers(settings.subscribers_file),
        vocabulary=load_vocabulary(),
        tagger=load_tagger(settings.topics_file),
        limits=Limits(
            settings.max_submission_bytes, settings.max_images, settings.max_related_links
        ),
        retry=runtime.RetryPolicy(
            settings.max_retries, settings.retry_base_delay, settings.retry_max_delay
        ),
        images=settings.image_config(),
    )


def create_app(settings: Settings) -> Celery:
    app = Celery("newsflow", broker=settings.broker, set_as_current=True)
    app.conf.update(
        # JSON only: a pickled message is refused, never deserialized.
        task_serializer="json",
        result_serializer="json",
        event_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        # No result backend: outcomes live in the article's state and the streams.
        task_ignore_result=True,
        # At-least-once: ack after the stage ran, requeue if the worker dies mid-task.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # A stage killed by its hard time limit is redelivered too; tasks.stage bounds the
        # attempts and dead-letters the article.
        task_acks_on_timeout=False,
        # Sending the next link of a chain waits out a broker restart instead of failing.
        task_publish_retry_policy={
            "max_retries": 60,
            "interval_start": 0.1,
            "interval_step": 0.5,
            "interval_max": 2,
        },
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_time_limit,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            # Look for messages of dead workers every 10 s (kombu's default is every 100 s).
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        # On a lost broker connection, unacked tasks are redelivered: stop running them here.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # On SIGTERM, running stages get this long to finish before a cold shutdown; the
        # deployment's grace period must be longer.
        worker_soft_shutdown_timeout=settings.soft_shutdown_timeout,
        worker_enable_soft_shutdown_on_idle=True,
        task_default_queue="ingest",
        # Routing by name, not through the task objects: touching them here would bind them
        # to the app before this configuration is in place.
        task_routes={f"newsflow.{stage}": {"queue": stage} for stage in STAGES},
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        newsflow_sweep_interval=settings.sweep_interval,
        # Task events cost 11-13 % of the throughput (docs/performance.md), so workers
        # send them only once a monitor asks: Flower sends `enable_events` every 5 s.
        worker_send_task_events=settings.task_events,
        task_send_sent_event=settings.task_events,
    )
    app.steps["worker"].add(Sweeper)
    app.steps["consumer"].add(Heartbeat)
    metrics.install()
    runtime.configure(lambda: build_runtime(settings))
    return app


settings = Settings()
app = create_app(settings)


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    """Replace Celery's logging set-up with ours, so its records share our format."""
    configure_logging(settings.log_format, settings.log_level)


@signals.worker_process_init.connect
def _build_runtime_early(**_: Any) -> None:
    """Load the runtime (tagger model, lemma dictionaries: about a second) when a worker
    process starts, so the first task does not spend its time limit on it."""
    runtime.current()
