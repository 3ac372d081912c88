"""What the thumbnail stage learnt about the article's picture (see docs/thumbnails.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: ``ok``: the lead image was fetched and rendered; ``no_image``: the article names none;
#: ``failed``: every candidate was refused, ``reason`` says why.
ThumbnailStatus = Literal["ok", "no_image", "failed"]

FocalSource = Literal["supplied", "saliency", "center"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FocalPoint(_Model):
    """The point a crop keeps in view, as fractions of the width and height."""

    x: float = Field(ge=0.0, le=1.0)
    y: float = Field(ge=0.0, le=1.0)
    source: FocalSource


class Rendition(_Model):
    """One encoded file of one rendition (in each of its formats: ``NEWSFLOW_IMAGE_RENDITIONS``)."""

    name: str
    href: str
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    mimetype: str
    bytes: int = Field(ge=1)


class ThumbnailInfo(_Model):
    """The lead image (or the generated title card) with its metadata and renditions."""

    status: ThumbnailStatus
    reason: str | None = None
    generated: bool = Field(default=False, description="A title card drawn by newsflow")
    href: str | None = Field(default=None, description="The source image as referenced")
    width: int | None = Field(default=None, ge=1, description="After EXIF orientation")
    height: int | None = Field(default=None, ge=1)
    mimetype: str | None = None
    bytes: int | None = Field(default=None, ge=1)
    sha256: str | None = Field(default=None, description="Of the source bytes")
    dominant_color: str | None = Field(default=None, pattern=r"^#[0-9a-f]{6}$")
    blurhash: str | None = None
    phash: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")
    focal_point: FocalPoint | None = None
    alt_text: str | None = None
    renditions: list[Rendition] = Field(default_factory=list)
