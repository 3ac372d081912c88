"""The published document: IPTC ninjs 2.2, with pipeline extras under ``newsflow``.

Only the ninjs properties newsflow fills are modelled. The extras key is declared by
``ninjs-newsflow.json``, IPTC's documented way to extend ninjs, so every document
validates against the official schema plus that extension.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NINJS_SCHEMA_FILE = "ninjs-schema_2.2.json"
EXTENSION_SCHEMA_FILE = "ninjs-newsflow.json"
MEDIATOPIC_URI = "http://cv.iptc.org/newscodes/mediatopic/"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(_Model):
    """A headline, body or description entry."""

    value: str
    role: str | None = None
    contenttype: str | None = None


class Subject(_Model):
    """A topic; ``uri`` is left out for a user's own (non-IPTC) topic."""

    name: str
    uri: str | None = None
    literal: str
    rel: str = "about"
    creator: str = "newsflow"
    relevance: int = Field(ge=0, le=100)


class Named(_Model):
    """A person, organisation, place or info source."""

    name: str
    rel: str | None = None
    role: str | None = None
    uri: str | None = None


class AltId(_Model):
    role: str
    value: str


class NinjsRendition(_Model):
    """One file of an associated picture: where it is, its size and its media type."""

    name: str
    href: str
    contenttype: str
    width: int
    height: int
    sizeinbytes: int | None = None


class DigitalSourceType(_Model):
    uri: str
    name: str | None = None


class Association(_Model):
    """An associated picture (the lead image or the generated title card), itself ninjs."""

    name: str
    uri: str
    type: Literal["picture", "graphic"]
    representationtype: Literal["full", "partial"] = "full"
    descriptions: list[Text] | None = None
    altids: list[AltId] | None = None
    digitalsourcetype: DigitalSourceType | None = None
    renditions: list[NinjsRendition]


class NinjsDocument(_Model):
    uri: str
    version: str
    versioncreated: str
    firstcreated: str | None = None
    contentcreated: str | None = None
    type: Literal["text"] = "text"
    profile: str = "newsflow-article"
    pubstatus: Literal["usable", "withheld", "canceled"] = "usable"
    language: str
    headlines: list[Text]
    bodies: list[Text]
    descriptions: list[Text] | None = None
    subjects: list[Subject] = Field(default_factory=list)
    infosources: list[Named] | None = None
    altids: list[AltId] | None = None
    by: str | None = None
    people: list[Named] | None = None
    organisations: list[Named] | None = None
    places: list[Named] | None = None
    associations: list[Association] | None = None
    newsflow: dict[str, Any] = Field(description="Pipeline extras (see ninjs-newsflow.json).")

    def to_json_dict(self) -> dict[str, Any]:
        """The document as published: unset optional properties left out."""
        return self.model_dump(mode="json", exclude_none=True)
