"""``newsflow worker`` keeps its Celery worker alive.

The Celery worker runs as a child process. Signals are passed on to it (so a SIGTERM
still means a soft shutdown), and if it exits without having been asked to — kombu's
Redis transport can die on a Redis restart — it is started again with backoff.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

import structlog

logger = structlog.get_logger("newsflow.worker")

_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP)
#: A child that ran this long is healthy again: its next restart comes without delay.
_STABLE_SECONDS = 60.0
_MAX_DELAY = 30.0


def supervise(celery_argv: Sequence[str]) -> int:
    """Run ``celery -A workers.app <celery_argv>`` until this process is told to stop."""
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    for signum in _FORWARDED:
        signal.signal(signum, forward)
    delay = 1.0
    while True:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", *celery_argv]
        )
        code = child.wait()
        if stopping:
            return code
        delay = 1.0 if time.monotonic() - started > _STABLE_SECONDS else delay
        logger.error("worker.exited", exit_code=code, restart_in_s=delay)
        time.sleep(delay)
        delay = min(delay * 2, _MAX_DELAY)
