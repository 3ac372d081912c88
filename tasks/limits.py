"""Size limits on what one article may bring, checked at submit time and again in the stages."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import Submission
from tasks.errors import PermanentError


class LimitExceededError(PermanentError):
    """The article is larger than the configured limits allow."""


@dataclass(frozen=True)
class Limits:
    """Set by ``NEWSFLOW_MAX_SUBMISSION_BYTES``, ``…_MAX_IMAGES`` and ``…_MAX_RELATED_LINKS``."""

    max_submission_bytes: int = 5 * 1024 * 1024
    max_images: int = 20
    max_related_links: int = 200

    def check_submission(self, submission: Submission) -> None:
        size = len(submission.content.encode("utf-8", "surrogatepass"))
        if size > self.max_submission_bytes:
            raise LimitExceededError(
                f"content: {size} bytes, over the limit of {self.max_submission_bytes} "
                "(NEWSFLOW_MAX_SUBMISSION_BYTES)"
            )
        if len(submission.images) > self.max_images:
            raise LimitExceededError(
                f"images: {len(submission.images)}, over the limit of {self.max_images} "
                "(NEWSFLOW_MAX_IMAGES)"
            )

    def check_related_links(self, count: int) -> None:
        if count > self.max_related_links:
            raise LimitExceededError(
                f"related links: {count}, over the limit of {self.max_related_links} "
                "(NEWSFLOW_MAX_RELATED_LINKS)"
            )
