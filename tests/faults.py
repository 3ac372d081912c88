"""Fault injection for the reliability tests, loaded into real workers with
``newsflow worker --include tests.faults``.

The normalize stage misbehaves for articles whose id starts with a marker:

- ``hang-soft-``: hangs until the soft time limit interrupts it;
- ``hang-hard-``: hangs and ignores the soft time limit, so the hard limit kills the process;
- ``flaky-``: fails with a transient error while the Redis key ``faults:ID`` exists.
"""

from __future__ import annotations

import time
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded

import tasks.normalize as stage
from tasks import runtime
from tasks.errors import TransientError

_normalize = stage.normalize


def _hang(ignore_soft_limit: bool) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            time.sleep(1)
        except SoftTimeLimitExceeded:
            if not ignore_soft_limit:
                raise


def _misbehaving_normalize(article: Any, *args: Any, **kwargs: Any) -> Any:
    article_id = article.article_id
    if article_id.startswith("hang-soft-"):
        _hang(ignore_soft_limit=False)
    elif article_id.startswith("hang-hard-"):
        _hang(ignore_soft_limit=True)
    elif article_id.startswith("flaky-") and runtime.current().store.redis.exists(
        f"faults:{article_id}"
    ):
        raise TransientError(f"injected failure for {article_id}")
    return _normalize(article, *args, **kwargs)


stage.normalize = _misbehaving_normalize
