"""What a stage needs from its process: store, subscribers, vocabulary, tagger, retries, images.

``workers`` installs a factory at start-up (``configure``); each process builds its
runtime once, on first use, so connection pools and models are never shared across a fork.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from schemas import Subscriber
from tasks.images.config import ImageConfig
from tasks.limits import Limits
from tasks.store import ArticleStore
from tasks.tagger import Tagger
from tasks.vocabulary import Vocabulary


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter, for transient failures."""

    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Runtime:
    store: ArticleStore
    subscribers: tuple[Subscriber, ...]
    vocabulary: Vocabulary
    tagger: Tagger
    retry: RetryPolicy
    images: ImageConfig
    limits: Limits = field(default_factory=Limits)


_factory: Callable[[], Runtime] | None = None
_current: tuple[int, Runtime] | None = None


def configure(factory: Callable[[], Runtime]) -> None:
    """Tell stages how to build their runtime; called by the worker and CLI at start-up."""
    global _factory, _current
    _factory, _current = factory, None


def current() -> Runtime:
    """This process's runtime, built on first use (after any fork)."""
    global _current
    if _current is None or _current[0] != os.getpid():
        if _factory is None:
            raise RuntimeError("newsflow runtime is not configured: call tasks.runtime.configure")
        _current = (os.getpid(), _factory())
    return _current[1]
