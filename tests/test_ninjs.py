"""Published documents validate against IPTC ninjs 2.2 plus newsflow's extension schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from schemas import ArticleRef, Submission
from schemas.ninjs import EXTENSION_SCHEMA_FILE, NINJS_SCHEMA_FILE
from tasks.images.config import ImageConfig
from tasks.pipeline import run_inline
from tasks.tagger import load_tagger
from tasks.vocabulary import load_vocabulary
from tests.conftest import SEED, SHARED


def _schema(name: str) -> dict[str, object]:
    return json.loads(resources.files("schemas").joinpath(name).read_text("utf-8"))


def validator() -> jsonschema.Draft202012Validator:
    ninjs = _schema(NINJS_SCHEMA_FILE)
    registry = Registry().with_resource(
        "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json", Resource.from_contents(ninjs)
    )
    return jsonschema.Draft202012Validator(
        _schema(EXTENSION_SCHEMA_FILE),
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def test_bundled_ninjs_schema_is_the_official_one() -> None:
    official = json.loads((SHARED / "ninjs" / "ninjs-schema_2.2.json").read_text("utf-8"))
    assert _schema(NINJS_SCHEMA_FILE) == official


@pytest.mark.parametrize(
    "content",
    [
        SEED.read_text("utf-8"),
        "<html><head><meta property='og:title' content='Hello'><meta name='author' "
        "content='Jo Doe'><meta name='description' content='Lead.'></head><body><p>Body text "
        "about the election campaign and voters.</p></body></html>",
    ],
)
def test_published_document_is_valid_ninjs(content: str, tmp_path: Path) -> None:
    submission = Submission(content=content, url="https://example.com/a?x=1")
    ref = ArticleRef(article_id="doc-1", version=2, trace_id="trace")
    images = ImageConfig(media_dir=tmp_path)
    _, record = run_inline(ref, submission, (), load_vocabulary(), load_tagger(), images)
    errors = list(validator().iter_errors(record.document))
    assert errors == []


def test_extension_schema_rejects_unknown_top_level_keys(tmp_path: Path) -> None:
    submission = Submission(content=SEED.read_text("utf-8"))
    ref = ArticleRef(article_id="doc-1", version=1, trace_id="trace")
    images = ImageConfig(media_dir=tmp_path)
    _, record = run_inline(ref, submission, (), load_vocabulary(), load_tagger(), images)
    document = {**record.document, "not_ninjs": 1}
    assert not validator().is_valid(document)
    document = {k: v for k, v in record.document.items() if k != "newsflow"}
    document["subjects"] = [{"name": "x", "relevance": 101}]
    assert not validator().is_valid(document)
