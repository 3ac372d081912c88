"""Pydantic models shared by every stage: submissions, articles, documents, events."""

from schemas.article import (
    ArticleRef,
    IngestedArticle,
    NormalizedArticle,
    PublishedRecord,
    RelatedLink,
    RemovedBlock,
    TaggedArticle,
    ThumbnailedArticle,
    ThumbnailInfo,
    TopicTag,
)
from schemas.events import STAGES, Stage, StageEvent
from schemas.ninjs import NinjsDocument
from schemas.submission import Submission
from schemas.subscriber import Subscriber, SubscriberFilter

__all__ = [
    "STAGES",
    "ArticleRef",
    "IngestedArticle",
    "NinjsDocument",
    "NormalizedArticle",
    "PublishedRecord",
    "RelatedLink",
    "RemovedBlock",
    "Stage",
    "StageEvent",
    "Submission",
    "Subscriber",
    "SubscriberFilter",
    "TaggedArticle",
    "ThumbnailInfo",
    "ThumbnailedArticle",
    "TopicTag",
]
