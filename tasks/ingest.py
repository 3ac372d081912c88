"""Stage 1, ingest: accept a submission into the pipeline and resolve its content type."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from celery import shared_task

from schemas import ArticleRef, IngestedArticle, Submission
from tasks.errors import PermanentError
from tasks.formats.feed import is_feed
from tasks.runtime import Runtime
from tasks.stage import StageTask, run_stage

ResolvedContentType = Literal["text", "html", "markdown", "json"]

_HTML_TAG = re.compile(r"<(html|head|body|article|p|div|h[1-6]|meta|title)\b", re.IGNORECASE)
#: A document type declaration whose internal subset declares entities: nested entities
#: expand exponentially ("billion laughs") or read local files (XXE). No article needs them.
_ENTITY_DECLARATION = re.compile(r"<!DOCTYPE[^>\[]*\[[^\]]*?<!ENTITY", re.IGNORECASE)
_MARKDOWN = re.compile(r"^(#{1,6} \S|!\[[^\]]*\]\(|\[[^\]]+\]\(https?://)", re.MULTILINE)


def sniff_content_type(content: str) -> ResolvedContentType:
    """Guess the format of raw content; a producer can override it on the submission."""
    head = content.lstrip()[:2048]
    if head[:1] in "{[":
        try:
            json.loads(content)
        except ValueError:
            pass
        else:
            return "json"
    if head[:1] == "<" and _HTML_TAG.search(head):
        return "html"
    if _MARKDOWN.search(content[:20000]):
        return "markdown"
    return "text"


def ingest(ref: ArticleRef, submission: Submission) -> IngestedArticle:
    """Accept ``submission`` as version ``ref.version`` of article ``ref.article_id``."""
    if _ENTITY_DECLARATION.search(submission.content[:65536]):
        raise PermanentError(
            "content declares XML entities (a DOCTYPE with <!ENTITY>): refused, since entity "
            "expansion can exhaust memory or read local files"
        )
    if is_feed(submission.content):
        raise PermanentError(
            "content is an RSS or Atom feed, not an article: `newsflow submit` expands a feed "
            "file into one submission per item"
        )
    content_type = (
        sniff_content_type(submission.content)
        if submission.content_type == "auto"
        else submission.content_type
    )
    return IngestedArticle(
        **ref.model_dump(),
        submission=submission,
        content_type=content_type,
        raw_sha256=hashlib.sha256(submission.content.encode("utf-8", "surrogatepass")).hexdigest(),
    )


def _work(runtime: Runtime, ref: ArticleRef, submission_json: str) -> IngestedArticle:
    submission = Submission.model_validate_json(submission_json)
    runtime.limits.check_submission(submission)
    return ingest(ref, submission)


@shared_task(name="newsflow.ingest", bind=True, base=StageTask)
def ingest_task(self: StageTask, article_id: str, version: int) -> None:
    run_stage(self, "ingest", article_id, version, _work)
