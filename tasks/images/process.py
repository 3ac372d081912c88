"""From an article to its picture: try the candidates, else make a title card.

File names come from content hashes, so running the stage again writes the same files
and publishes the same hrefs, and the same image in two articles is stored once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import structlog

from schemas import TaggedArticle
from schemas.thumbnail import FocalPoint, Rendition, ThumbnailInfo, ThumbnailStatus
from tasks.images.config import ImageConfig, RenditionSpec
from tasks.images.decode import decode
from tasks.images.discover import Candidate, discover
from tasks.images.errors import ImageRefused
from tasks.images.fetch import Fetcher
from tasks.images.metadata import (
    blurhash_of,
    dominant_color,
    flat_blurhash,
    look_copy,
    perceptual_hash,
)
from tasks.images.renditions import (
    ENCODINGS,
    Pixels,
    Pyramid,
    encode,
    render,
    saliency_focal_point,
    size_of,
)
from tasks.images.storage import Storage
from tasks.images.svgcard import svg_title_card
from tasks.images.titlecard import background_for, draw_title_card

logger = structlog.get_logger("newsflow.images")

#: The pyramid level the metadata's look is reduced from (300×201 for a 1600×1067 photo,
#: the level the square rendition is resampled from too).
_SMALL_SIDE = 128


def _rendition(
    storage: Storage, key: str, data: bytes, mimetype: str, name: str, size: tuple[int, int]
) -> Rendition:
    return Rendition(
        name=name,
        href=storage.put(key, data, mimetype),
        width=size[0],
        height=size[1],
        mimetype=mimetype,
        bytes=len(data),
    )


def _store_all(
    images: Sequence[tuple[RenditionSpec, Pixels]],
    prefix: str,
    config: ImageConfig,
    storage: Storage,
) -> list[Rendition]:
    """Each rendition in each of its formats, under ``prefix``."""
    renditions: list[Rendition] = []
    for spec, pixels in images:
        width, height = size_of(pixels)
        for name in spec.formats:
            image_format, mimetype, extension = ENCODINGS[name]
            quality = config.webp_quality if image_format == "WEBP" else config.jpeg_quality
            data = encode(pixels, image_format, quality)
            key = f"{prefix}-{spec.name}-{width}x{height}.{extension}"
            renditions.append(_rendition(storage, key, data, mimetype, spec.name, (width, height)))
    return renditions


def _image_prefix(digest: str, point: FocalPoint) -> str:
    """What an image's rendition keys start with: one per image, and per supplied focal
    point. The renditions sit side by side in a bucket directory, not in a directory of
    their own: one ``mkdir`` fewer per new image or title card."""
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
    decoded = decode(data, config.max_pixels, config.min_side, config.renditions)
    pyramid = Pyramid(decoded.image, decoded.pixels)
    small = look_copy(pyramid.small(_SMALL_SIDE))
    point = focal or saliency_focal_point(small)
    digest = hashlib.sha256(data).hexdigest()
    rendered = [(spec, render(pyramid, spec, point)) for spec in config.renditions]
    return ThumbnailInfo(
        status="ok",
        href=None if candidate.href.startswith("data:") else candidate.href,
        width=decoded.width,
        height=decoded.height,
        mimetype=decoded.mimetype,
        bytes=len(data),
        sha256=digest,
        dominant_color=dominant_color(small),
        blurhash=blurhash_of(small),
        phash=perceptual_hash(small),
        focal_point=point,
        alt_text=candidate.caption or candidate.alt or alt_text,
        renditions=_store_all(rendered, _image_prefix(digest, point), config, storage),
    )


def _svg_cards(
    article: TaggedArticle,
    background: str,
    prefix: str,
    specs: tuple[RenditionSpec, ...],
    storage: Storage,
) -> list[Rendition]:
    """One SVG document per rendition size, so the text is laid out for each box."""
    renditions: list[Rendition] = []
    for spec in specs:
        size = (spec.width, spec.height)
        data = svg_title_card(
            article.headline, article.provider, article.language, size, background
        )
        key = f"{prefix}-{spec.name}-{spec.width}x{spec.height}.svg"
        renditions.append(_rendition(storage, key, data, "image/svg+xml", spec.name, size))
    return renditions


def _raster_cards(
    article: TaggedArticle, prefix: str, config: ImageConfig, storage: Storage
) -> list[Rendition]:
    """One card drawn per rendition size, written in the rendition's formats."""
    cards = [
        (
            spec,
            draw_title_card(
                article.headline, article.provider, article.language, (spec.width, spec.height)
            ),
        )
        for spec in config.renditions
    ]
    return _store_all(cards, prefix, config, storage)


def title_card(
    article: TaggedArticle,
    status: ThumbnailStatus,
    reason: str | None,
    config: ImageConfig,
    storage: Storage,
) -> ThumbnailInfo:
    """The generated picture, SVG or raster. Its placeholder is its flat background; it has
    no perceptual hash, since its content address already recognises the same card."""
    background = background_for(article.headline)
    identity = "\x1f".join([article.headline, article.provider or "", article.language, background])
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()
    prefix = f"card/{digest[:2]}/{digest[:32]}"
    if config.title_card_format == "svg":
        renditions = _svg_cards(article, background, prefix, config.renditions, storage)
    else:
        renditions = _raster_cards(article, prefix, config, storage)
    first = config.renditions[0]
    return ThumbnailInfo(
        status=status,
        reason=reason,
        generated=True,
        sha256=digest,
        dominant_color=background,
        blurhash=flat_blurhash(background, (first.width, first.height)),
        alt_text=article.headline,
        renditions=renditions,
    )


def describe(article: TaggedArticle, config: ImageConfig, storage: Storage) -> ThumbnailInfo:
    """The first candidate that fetches and decodes; otherwise a title card and the reasons.

    The fetcher (an HTTP client) is only set up when there is something to fetch.
    """
    found = discover(article)
    if not found.candidates:
        return title_card(article, "no_image", found.reason, config, storage)
    failures: list[str] = []
    with Fetcher(config.fetch) as fetcher:
        for candidate in found.candidates[: config.max_candidates]:
            try:
                fetched = fetcher.fetch(candidate.href)
                return render_image(
                    fetched.data, candidate, article.headline, found.focal_point, config, storage
                )
            except ImageRefused as error:
                logger.info("image.refused", href=candidate.href[:200], reason=str(error))
                failures.append(f"{candidate.href[:120]}: {error}")
    return title_card(article, "failed", "; ".join(failures), config, storage)
