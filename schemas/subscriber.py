"""Downstream subscribers and the filter deciding which articles each receives."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: Subscriber names become Redis stream keys, so they are restricted.
SubscriberName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
TopicCode = Annotated[str, StringConstraints(pattern=r"^medtop:\d{8}$")]


class SubscriberFilter(BaseModel):
    """All given facets must match; within a facet any value matches; empty means any."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topics: tuple[TopicCode, ...] = ()
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


class Subscriber(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SubscriberName
    description: str = ""
    filter: SubscriberFilter = Field(default_factory=SubscriberFilter)
