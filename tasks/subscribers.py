"""Subscribers from a TOML file, and the filter deciding which documents each one gets.

File format (``NEWSFLOW_SUBSCRIBERS_FILE``)::

    [subscribers.politics-desk]
    description = "French and English politics"
    topics = ["medtop:11000000"]     # a topic matches its descendants too
    languages = ["fr", "en"]
    sources = ["LCI"]                # provider names, case-insensitive
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from schemas import Subscriber, SubscriberFilter, ThumbnailedArticle
from tasks.vocabulary import Vocabulary


class SubscribersFileError(ValueError):
    """The subscribers file cannot be read or holds an invalid subscriber."""


def load_subscribers(path: Path | None) -> tuple[Subscriber, ...]:
    """Read ``path``; no path means no subscribers besides the firehose."""
    if path is None:
        return ()
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SubscribersFileError(f"{path}: {error}") from error
    subscribers = []
    for name, table in raw.get("subscribers", {}).items():
        table = dict(table)
        description = table.pop("description", "")
        try:
            subscribers.append(
                Subscriber(name=name, description=description, filter=SubscriberFilter(**table))
            )
        except (ValidationError, TypeError) as error:
            raise SubscribersFileError(f"{path}: subscriber {name!r}: {error}") from error
    return tuple(subscribers)


def matches(rule: SubscriberFilter, article: ThumbnailedArticle, vocabulary: Vocabulary) -> bool:
    """Every facet the filter names must match; an empty facet matches anything."""
    if rule.languages and article.language not in rule.languages:
        return False
    if rule.sources:
        provider = (article.provider or "").casefold()
        if provider not in {source.casefold() for source in rule.sources}:
            return False
    if rule.topics:
        codes = [subject.code for subject in article.subjects]
        return any(vocabulary.is_within(code, topic) for code in codes for topic in rule.topics)
    return True


def route(
    article: ThumbnailedArticle, subscribers: Iterable[Subscriber], vocabulary: Vocabulary
) -> list[str]:
    """Names of the subscribers whose filter the article matches."""
    return [s.name for s in subscribers if matches(s.filter, article, vocabulary)]
