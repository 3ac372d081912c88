"""Each stage's pure function, without Celery or Redis."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas import ArticleRef, Submission, Subscriber, SubscriberFilter
from tasks.errors import PermanentError
from tasks.images.config import ImageConfig
from tasks.images.discover import discover
from tasks.ingest import ingest, sniff_content_type
from tasks.normalize import normalize
from tasks.pipeline import run_inline
from tasks.publish import build_document
from tasks.tag import tag
from tasks.tagger import load_tagger
from tasks.thumbnail import thumbnail
from tasks.vocabulary import load_vocabulary
from tests.conftest import SEED

REF = ArticleRef(article_id="a1", version=1, trace_id="t1")
RECEIVED = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


def seed_submission() -> Submission:
    return Submission(content=SEED.read_text("utf-8"), received_at=RECEIVED)


def test_ingest_resolves_content_type_and_hash() -> None:
    article = ingest(REF, seed_submission())
    assert article.content_type == "text"
    assert len(article.raw_sha256) == 64
    assert article.trace_id == "t1"


@pytest.mark.parametrize(
    "content",
    [
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><r>&b;</r>',
        '<!DOCTYPE html [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]><html><p>&xxe;</p></html>',
    ],
)
def test_ingest_refuses_entity_declarations(content: str) -> None:
    with pytest.raises(PermanentError, match="declares XML entities"):
        ingest(REF, Submission(content=content))


def test_ingest_accepts_a_plain_doctype() -> None:
    page = "<!DOCTYPE html><html><body><h1>Vote</h1><p>The council voted.</p></body></html>"
    assert ingest(REF, Submission(content=page)).content_type == "html"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"title": "t", "body": "b"}', "json"),
        ("<html><body><p>x</p></body></html>", "html"),
        ("# Title\n\nSome text", "markdown"),
        ("{not json at all", "text"),
        ("Plain words only.", "text"),
    ],
)
def test_sniff_content_type(content: str, expected: str) -> None:
    assert sniff_content_type(content) == expected


def test_submission_refuses_binary_and_unfetchable_images() -> None:
    with pytest.raises(ValidationError, match="NUL"):
        Submission(content="abc\x00def")
    with pytest.raises(ValidationError, match="images must be"):
        Submission(content="text", images=["gopher://example.com/x.jpg"])


def test_normalize_seed_sample() -> None:
    article = normalize(ingest(REF, seed_submission()))
    assert article.headline.startswith(
        "Vladimir Poutine affirme être « prêt à travailler » avec Kiev"
    )
    assert "|" not in article.headline and "**" not in article.headline
    assert article.provider == "LCI"
    assert article.language == "fr" and article.language_confidence > 0.9
    assert article.paragraphs[0].startswith("Dans un développement choc")
    assert article.paragraphs[-1].endswith("Les prochains jours seront cruciaux.")
    body = article.body_text
    for teaser in ("Related Posts", "Diddy", "Anthony Edwards", "Banque Commune", "Thumbnail"):
        assert teaser not in body
    assert len(article.related) == 6
    assert article.related[1].title.startswith("Anthony Edwards throws the ball")
    assert article.related[1].teaser.startswith("In a fiery clash")
    removed = [block.text for block in article.removed_blocks]
    assert "Thumbnail" in removed and "Related Posts" in removed
    assert article.word_count > 200


def test_normalize_html_markdown_and_json() -> None:
    html = (
        "<html><head><title>T | Site</title><meta property='og:title' content='Storm hits coast'>"
        "<meta property='og:site_name' content='Daily'><meta property='og:image' "
        "content='https://img.example/a.jpg'></head><body><nav><p>Home</p></nav>"
        "<h1>Storm hits coast</h1><p>The storm brought heavy rain to the coast on Monday.</p>"
        "<script>var x = 1;</script><p>Forecasters expect more rain.</p></body></html>"
    )
    article = normalize(ingest(REF, Submission(content=html)))
    assert (article.headline, article.provider) == ("Storm hits coast", "Daily")
    assert article.paragraphs == [
        "The storm brought heavy rain to the coast on Monday.",
        "Forecasters expect more rain.",
    ]
    assert article.image_refs[0] == "https://img.example/a.jpg"

    markdown = (
        "# Rain again\n\n![storm](https://img.example/b.png)\n\nIt **rained** all [day](https://x)."
    )
    article = normalize(ingest(REF, Submission(content=markdown)))
    assert article.headline == "Rain again"
    assert article.paragraphs == ["It rained all day."]
    assert article.image_refs == ["https://img.example/b.png"]

    document = json.dumps({"title": "Vote", "body": "Voters went to the polls.", "source": "Wire"})
    article = normalize(ingest(REF, Submission(content=document)))
    assert (article.headline, article.provider, article.paragraphs) == (
        "Vote",
        "Wire",
        ["Voters went to the polls."],
    )


def test_normalize_cleans_invisible_characters() -> None:
    text = "Titre\u200b|Source\n\nUn\u00a0texte\u200d avec\x07 des caractères cachés."
    article = normalize(ingest(REF, Submission(content=text)))
    assert article.headline == "Titre"
    assert article.paragraphs == ["Un texte avec des caractères cachés."]


def test_normalize_refuses_content_without_body() -> None:
    with pytest.raises(PermanentError):
        normalize(ingest(REF, Submission(content="Thumbnail")))


def test_tag_seed_sample_top_topics() -> None:
    article = tag(normalize(ingest(REF, seed_submission())), load_tagger())
    codes = [subject.code for subject in article.subjects]
    assert set(codes[:2]) == {"medtop:11000000", "medtop:16000000"}
    assert "medtop:20000639" in codes  # diplomacy, below politics
    assert all(0 <= s.relevance <= 100 and s.evidence for s in article.subjects)


def test_tag_ignores_related_teasers() -> None:
    seed = SEED.read_text("utf-8")
    article = tag(normalize(ingest(REF, Submission(content=seed))), load_tagger())
    without_teasers = seed.split("Related Posts")[0]
    alone = tag(normalize(ingest(REF, Submission(content=without_teasers))), load_tagger())
    assert article.subjects == alone.subjects


def test_thumbnail_seed_gets_a_title_card(tmp_path: Path) -> None:
    article = thumbnail(
        tag(normalize(ingest(REF, seed_submission())), load_tagger()),
        ImageConfig(media_dir=tmp_path),
    )
    assert (article.thumbnail.status, article.thumbnail.generated) == ("no_image", True)
    assert "placeholder" in (article.thumbnail.reason or "")
    assert {r.name for r in article.thumbnail.renditions} == {"social", "card", "square"}


def test_thumbnail_prefers_submission_images() -> None:
    submission = Submission(
        content="# Title\n\n![page](https://img.example/page.jpg)\n\nBody text here.",
        images=["https://img.example/lead.jpg"],
    )
    article = tag(normalize(ingest(REF, submission)), load_tagger())
    found = discover(article)
    assert [c.href for c in found.candidates][:2] == [
        "https://img.example/lead.jpg",
        "https://img.example/page.jpg",
    ]


def test_publish_document_fields(tmp_path: Path) -> None:
    article = thumbnail(
        tag(normalize(ingest(REF, seed_submission())), load_tagger()),
        ImageConfig(media_dir=tmp_path),
    )
    document = build_document(article).to_json_dict()
    assert document["uri"] == "urn:newsflow:article:a1"
    assert document["version"] == "1"
    assert document["versioncreated"] == "2026-11-26T08:30:00Z"
    assert document["type"] == "text" and document["language"] == "fr"
    assert document["infosources"] == [{"name": "LCI", "role": "originatingparty"}]
    subject = document["subjects"][0]
    assert subject["uri"] == "http://cv.iptc.org/newscodes/mediatopic/" + subject["literal"][7:]
    assert document["newsflow"]["trace_id"] == "t1"
    assert len(document["newsflow"]["related"]) == 6


def test_run_inline_routes_to_matching_subscribers(tmp_path: Path) -> None:
    subscribers = [
        Subscriber(name="politics", filter=SubscriberFilter(topics=("medtop:11000000",))),
        Subscriber(
            name="diplomacy-fr",
            filter=SubscriberFilter(topics=("medtop:20000638",), languages=("fr",)),
        ),
        Subscriber(name="sport", filter=SubscriberFilter(topics=("medtop:15000000",))),
        Subscriber(name="lci", filter=SubscriberFilter(sources=("lci",))),
        Subscriber(name="english", filter=SubscriberFilter(languages=("en",))),
        Subscriber(name="everything"),
    ]
    _, record = run_inline(
        REF,
        seed_submission(),
        subscribers,
        load_vocabulary(),
        load_tagger(),
        ImageConfig(media_dir=tmp_path),
    )
    assert record.subscribers == ["politics", "diplomacy-fr", "lci", "everything"]


def test_submission_refuses_bad_fields_with_reasons() -> None:
    with pytest.raises(ValidationError) as caught:
        Submission(content="   ", id="../etc/passwd", url="ftp://x", unknown=1)  # type: ignore[call-arg]
    fields = {error["loc"][0] for error in caught.value.errors()}
    assert fields == {"content", "id", "url", "unknown"}
    assert "empty" in str(caught.value)
