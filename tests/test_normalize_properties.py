"""Properties of normalization on arbitrary input: it never crashes and it is idempotent."""

from __future__ import annotations

import json

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import ArticleRef, NormalizedArticle, Submission
from tasks.errors import PermanentError
from tasks.fingerprint import content_sha256, hamming, simhash
from tasks.formats.encoding import decode
from tasks.formats.urls import canonical_url
from tasks.ingest import ingest
from tasks.normalize import normalize
from tasks.text import clean, repair

REF = ArticleRef(article_id="p1", version=1, trace_id="t")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Words and the characters that make real-world input hard: quotes, spaces, controls, markup.
WORDS = st.sampled_from(
    [
        "Le", "président", "a", "déclaré", "« prêt »", "l’Ukraine", "The", "council", "said",
        "“yes”", "Straße", "niño", "**bold**", "|LCI", "Thumbnail", "Related Posts", "Read more",
        "\u00a0", "\u200b", "\x07", "Ã©", "<p>", "</p>", "<b>", "&amp;", "#", "- item", "…",
        "cookies", "newsletter", "\t", "é", "e\u0301", "<script>alert(1)</script>",
        '<a href="javascript:alert(1)" onclick="x()">link</a>', "<img src=x onerror=alert(1)>",
    ]
)  # fmt: skip
TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(WORDS, st.sampled_from([" ", "\n", "\n\n", ". "])), max_size=80).map(
        "".join
    ),
)


def try_normalize(content: str, content_type: str = "auto") -> NormalizedArticle | None:
    """The article, or ``None`` when the content is refused as bad input (never a crash)."""
    try:
        submission = Submission(content=content, content_type=content_type)
    except ValueError:
        return None
    try:
        return normalize(ingest(REF, submission))
    except PermanentError:
        return None


def assert_safe(html: str) -> None:
    """Only allowlisted markup: no script, no event handler, no javascript: link."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in root.iter():
        assert element.tag not in {"script", "style", "img", "iframe"}
        assert not any(name.startswith("on") for name in element.attrib)
        assert not element.get("href", "").strip().casefold().startswith("javascript:")


@SETTINGS
@given(TEXT)
def test_clean_is_idempotent(text: str) -> None:
    once = clean(repair(text))
    assert clean(repair(once)) == once


@SETTINGS
@given(TEXT, st.sampled_from(["auto", "text", "markdown", "html", "json"]))
def test_normalize_never_raises(content: str, content_type: str) -> None:
    article = try_normalize(content, content_type)
    if article is not None:
        assert article.headline and article.paragraphs
        assert all(p == p.strip() and "\n" not in p for p in article.paragraphs)
        assert "\u200b" not in article.body_text and "\x07" not in article.body_text
        assert_safe(article.body_html)


@SETTINGS
@given(TEXT)
def test_normalizing_the_output_again_changes_nothing(content: str) -> None:
    article = try_normalize(content, "text")
    if article is None:
        return
    title = f"{article.headline}|{article.provider}" if article.provider else article.headline
    again = try_normalize("\n\n".join([title, *article.paragraphs]), "text")
    assert again is not None
    assert (again.headline, again.paragraphs) == (article.headline, article.paragraphs)
    assert again.content_sha256 == article.content_sha256


@SETTINGS
@given(st.dictionaries(st.sampled_from(["title", "body", "url", "author", "date"]), TEXT))
def test_json_objects_never_crash(data: dict[str, str]) -> None:
    try_normalize(json.dumps(data), "json")


@SETTINGS
@given(st.binary())
def test_any_bytes_decode(data: bytes) -> None:
    text, encoding = decode(data)
    assert isinstance(text, str) and encoding


@SETTINGS
@given(TEXT)
def test_canonical_url_is_idempotent(text: str) -> None:
    url = canonical_url(f"https://example.com/{text}?utm_source=x&id={text}")
    assert url is None or canonical_url(url) == url


def test_fingerprints_tell_copies_from_other_stories() -> None:
    story = " ".join(
        f"The council approved budget item number {n} after a debate." for n in range(40)
    )
    edited = story.replace("number 7 ", "number seven ")
    other = " ".join(
        f"A storm hit the coast on day {n} with heavy rain and wind." for n in range(40)
    )
    assert content_sha256("h", story) != content_sha256("h", edited)
    assert hamming(simhash(story), simhash(edited)) <= 3
    assert hamming(simhash(story), simhash(other)) > 10


@pytest.mark.parametrize("text", ["", "word", "two words"])
def test_simhash_of_short_text(text: str) -> None:
    assert len(simhash(text)) == 16
