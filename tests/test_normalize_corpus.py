"""The normalization corpus: real-world shapes of input, each with the fields it must yield.

Every ``tests/fixtures/normalize/NAME.EXT`` has a ``NAME.expected.json`` beside it. Files
are read as the CLI reads them (bytes decoded, feeds expanded), so encodings and feeds
are tested end to end. A feed's expectations list its items in order under ``items``.
Keys of an expectation, all optional but ``language``:

- exact fields: ``content_type``, ``headline``, ``subheadline``, ``provider``, ``byline``,
  ``url``, ``canonical_url``, ``published_at`` (ISO 8601), ``language``, ``description``,
  ``image_refs``, ``paragraphs`` (their count);
- ``body_startswith``, ``body_endswith``, ``body_includes``, ``body_excludes``;
- ``related`` (titles, in order), ``related_urls``, ``removed_kinds`` (each must occur),
  ``removed_includes`` (text that must be in some removed block);
- ``min_words``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from schemas import ArticleRef, NormalizedArticle
from tasks.ingest import ingest
from tasks.normalize import normalize
from tests.conftest import SEED
from workers.inputs import read_inputs

FIXTURES = Path(__file__).parent / "fixtures" / "normalize"
INPUTS = sorted(p for p in FIXTURES.iterdir() if not p.name.endswith(".expected.json"))
EXACT = (
    "content_type",
    "headline",
    "subheadline",
    "provider",
    "byline",
    "url",
    "canonical_url",
    "language",
    "description",
    "image_refs",
)


def normalize_file(path: Path) -> list[NormalizedArticle]:
    """Each article in ``path`` (several for a feed), through ingest and normalize."""
    articles = []
    for source in read_inputs([str(path)]):
        submission = source.submission(id=source.id or source.stem)
        ref = ArticleRef(article_id=submission.id or "x", version=1, trace_id="t")
        articles.append(normalize(ingest(ref, submission)))
    return articles


def check(article: NormalizedArticle, expected: dict[str, Any]) -> None:
    """Compare every field the expectation names; fail with the field's name."""
    got = article.model_dump()
    for name in EXACT:
        if name in expected:
            assert got[name] == expected[name], name
    if "published_at" in expected:
        want = expected["published_at"]
        assert article.published_at == (want and datetime.fromisoformat(want)), "published_at"
        assert article.published_at is None or article.published_at.tzinfo is not None
    body = article.body_text
    if "paragraphs" in expected:
        assert len(article.paragraphs) == expected["paragraphs"], "paragraphs"
    assert body.startswith(expected.get("body_startswith", "")), "body_startswith"
    assert body.endswith(expected.get("body_endswith", "")), "body_endswith"
    for text in expected.get("body_includes", []):
        assert text in body, f"body_includes {text!r}"
    for text in expected.get("body_excludes", []):
        assert text not in body and text not in article.body_html, f"body_excludes {text!r}"
    if "related" in expected:
        assert [link.title for link in article.related] == expected["related"], "related"
    if "related_urls" in expected:
        assert [link.url for link in article.related] == expected["related_urls"], "related_urls"
    kinds = {block.kind for block in article.removed_blocks}
    for kind in expected.get("removed_kinds", []):
        assert kind in kinds, f"removed_kinds {kind}"
    removed = " ".join(block.text for block in article.removed_blocks)
    for text in expected.get("removed_includes", []):
        assert text in removed, f"removed_includes {text!r}"
    assert article.word_count >= expected.get("min_words", 1), "min_words"
    assert article.reading_minutes >= 1


def expected_for(path: Path) -> dict[str, Any]:
    """``NAME.expected.json`` for ``NAME.EXT``."""
    name = f"{path.name.split('.')[0]}.expected.json"
    return dict(json.loads(path.with_name(name).read_text("utf-8")))


def test_corpus_is_large_and_multilingual() -> None:
    languages = set()
    for path in INPUTS:
        expected = expected_for(path)
        languages.update(item["language"] for item in expected.get("items", [expected]))
    assert len(INPUTS) >= 30
    assert {"en", "fr", "de", "es"} <= languages


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_fixture(path: Path) -> None:
    expected = expected_for(path)
    articles = normalize_file(path)
    items = expected.get("items", [expected])
    assert len(articles) == len(items)
    for article, item in zip(articles, items, strict=True):
        check(article, item)


def test_seed_sample() -> None:
    """The scrape the project started from: headline, provider, language, bounds, teasers."""
    (article,) = normalize_file(SEED)
    assert article.headline.startswith(
        "Vladimir Poutine affirme être « prêt à travailler » avec Kiev"
    )
    assert "|LCI" not in article.headline
    assert (article.provider, article.language) == ("LCI", "fr")
    assert article.paragraphs[0].startswith("Dans un développement choc")
    assert article.paragraphs[-1].endswith("Les prochains jours seront cruciaux.")
    assert "Related Posts" not in article.body_text and "Diddy" not in article.body_text
    assert len(article.related) == 6
    assert {block.kind for block in article.removed_blocks} == {"placeholder", "related"}
