"""Stage 4, thumbnail: find the article's lead image, or record that it has none."""

from __future__ import annotations

from celery import shared_task

from schemas import ArticleRef, TaggedArticle, ThumbnailedArticle, ThumbnailInfo
from tasks.runtime import Runtime
from tasks.stage import StageTask, run_stage

_USABLE_SCHEMES = ("http://", "https://", "data:image/")


def lead_image(article: TaggedArticle) -> ThumbnailInfo:
    """The first usable image reference: the submission's own images first, then the page's."""
    candidates = [*article.submission.images, *article.image_refs]
    for href in candidates:
        if href.strip().lower().startswith(_USABLE_SCHEMES):
            return ThumbnailInfo(status="referenced", href=href.strip())
    if candidates:
        return ThumbnailInfo(status="no_image", reason="no image reference is an http(s) URL")
    placeholder = any(block.kind == "placeholder" for block in article.removed_blocks)
    reason = "only an image placeholder in the content" if placeholder else "no image reference"
    return ThumbnailInfo(status="no_image", reason=reason)


def thumbnail(article: TaggedArticle) -> ThumbnailedArticle:
    return ThumbnailedArticle(**article.model_dump(), thumbnail=lead_image(article))


def _work(runtime: Runtime, ref: ArticleRef, tagged_json: str) -> ThumbnailedArticle:
    return thumbnail(TaggedArticle.model_validate_json(tagged_json))


@shared_task(name="newsflow.thumbnail", bind=True, base=StageTask)
def thumbnail_task(self: StageTask, article_id: str, version: int) -> None:
    run_stage(self, "thumbnail", article_id, version, _work)
