"""Stage 3, tag: IPTC Media Topics for the article's headline and body (never its teasers)."""

from __future__ import annotations

from celery import shared_task

from schemas import ArticleRef, NormalizedArticle, TaggedArticle
from tasks.runtime import Runtime
from tasks.stage import StageTask, run_stage
from tasks.tagger import Tagger


def tag(article: NormalizedArticle, tagger: Tagger) -> TaggedArticle:
    """Attach topics; related teasers are kept apart by normalize and not read here."""
    subjects = tagger.tag(article.headline, article.body_text)
    return TaggedArticle(**article.model_dump(), subjects=subjects)


def _work(runtime: Runtime, ref: ArticleRef, normalized_json: str) -> TaggedArticle:
    return tag(NormalizedArticle.model_validate_json(normalized_json), runtime.tagger)


@shared_task(name="newsflow.tag", bind=True, base=StageTask)
def tag_task(self: StageTask, article_id: str, version: int) -> None:
    run_stage(self, "tag", article_id, version, _work)
