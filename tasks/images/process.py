"""From an article to its picture: try the candidates, else draw a title card.

File names come from content hashes, so running the stage again writes the same files
and publishes the same hrefs, and the same image in two articles is stored once.
"""

from __future__ import annotations

import hashlib

import structlog
from PIL import Image

from schemas import TaggedArticle
from schemas.thumbnail import FocalPoint, Rendition, ThumbnailInfo, ThumbnailStatus
from tasks.images.config import ImageConfig
from tasks.images.decode import decode
from tasks.images.discover import Candidate, discover
from tasks.images.errors import ImageRefused
from tasks.images.fetch import Fetcher
from tasks.images.metadata import blurhash_of, dominant_color, perceptual_hash
from tasks.images.renditions import ENCODINGS, encode, render, saliency_focal_point
from tasks.images.storage import Storage
from tasks.images.titlecard import background_for, draw_title_card

logger = structlog.get_logger("newsflow.images")


def _store_all(
    images: list[tuple[str, Image.Image]], prefix: str, config: ImageConfig, storage: Storage
) -> list[Rendition]:
    """Each named image as WebP and JPEG, under ``prefix``."""
    renditions: list[Rendition] = []
    for name, image in images:
        for image_format, mimetype, extension in ENCODINGS:
            quality = config.webp_quality if image_format == "WEBP" else config.jpeg_quality
            data = encode(image, image_format, quality)
            key = f"{prefix}/{name}-{image.width}x{image.height}.{extension}"
            renditions.append(
                Rendition(
                    name=name,
                    href=storage.put(key, data, mimetype),
                    width=image.width,
                    height=image.height,
                    mimetype=mimetype,
                    bytes=len(data),
                )
            )
    return renditions


def _image_prefix(digest: str, point: FocalPoint) -> str:
    """Where an image's renditions go: one place per image, and per supplied focal point."""
    prefix = f"img/{digest[:2]}/{digest[:32]}"
    if point.source == "supplied":
        prefix += f"-f{round(point.x * 1000)}-{round(point.y * 1000)}"
    return prefix


def render_image(
    data: bytes,
    candidate: Candidate,
    alt_text: str,
    focal: FocalPoint | None,
    config: ImageConfig,
    storage: Storage,
) -> ThumbnailInfo:
    """Decode, describe and render one fetched image."""
    draft_side = max(max(spec.width, spec.height) for spec in config.renditions)
    decoded = decode(data, config.max_pixels, config.min_side, draft_side)
    image = decoded.image
    point = focal or saliency_focal_point(image)
    digest = hashlib.sha256(data).hexdigest()
    rendered = [(spec.name, render(image, spec, point)) for spec in config.renditions]
    return ThumbnailInfo(
        status="ok",
        href=None if candidate.href.startswith("data:") else candidate.href,
        width=decoded.width,
        height=decoded.height,
        mimetype=decoded.mimetype,
        bytes=len(data),
        sha256=digest,
        dominant_color=dominant_color(image),
        blurhash=blurhash_of(image),
        phash=perceptual_hash(image),
        focal_point=point,
        alt_text=candidate.caption or candidate.alt or alt_text,
        renditions=_store_all(rendered, _image_prefix(digest, point), config, storage),
    )


def title_card(
    article: TaggedArticle,
    status: ThumbnailStatus,
    reason: str | None,
    config: ImageConfig,
    storage: Storage,
) -> ThumbnailInfo:
    """The generated picture: one card drawn per rendition size, so text is never cropped."""
    identity = "\x1f".join(
        [
            article.headline,
            article.provider or "",
            article.language,
            background_for(article.headline),
        ]
    )
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()
    cards = [
        (
            spec.name,
            draw_title_card(
                article.headline, article.provider, article.language, (spec.width, spec.height)
            ),
        )
        for spec in config.renditions
    ]
    first = cards[0][1]
    return ThumbnailInfo(
        status=status,
        reason=reason,
        generated=True,
        sha256=digest,
        dominant_color=background_for(article.headline),
        blurhash=blurhash_of(first),
        phash=perceptual_hash(first),
        alt_text=article.headline,
        renditions=_store_all(cards, f"card/{digest[:2]}/{digest[:32]}", config, storage),
    )


def describe(
    article: TaggedArticle, config: ImageConfig, fetcher: Fetcher, storage: Storage
) -> ThumbnailInfo:
    """The first candidate that fetches and decodes; otherwise a title card and the reasons."""
    found = discover(article)
    failures: list[str] = []
    for candidate in found.candidates[: config.max_candidates]:
        try:
            fetched = fetcher.fetch(candidate.href)
            return render_image(
                fetched.data, candidate, article.headline, found.focal_point, config, storage
            )
        except ImageRefused as error:
            logger.info("image.refused", href=candidate.href[:200], reason=str(error))
            failures.append(f"{candidate.href[:120]}: {error}")
    if failures:
        return title_card(article, "failed", "; ".join(failures), config, storage)
    return title_card(article, "no_image", found.reason, config, storage)
