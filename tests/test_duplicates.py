"""Versions and near-duplicates in the store: same URL → new version, similar bodies linked."""

from __future__ import annotations

from functools import partial

import pytest
from redis import Redis

from schemas import ArticleRef, Submission
from tasks.fingerprint import NEAR_DUPLICATE_BITS, hamming, simhash
from tasks.ingest import ingest
from tasks.keys import Keys
from tasks.normalize import normalize
from tasks.store import ArticleStore

STORY = (
    "The city council on Tuesday approved a budget of 4.2 billion dollars for the coming "
    "year, raising spending on roads and schools after a debate that lasted eleven hours. "
    "Council members voted seven to two in favour of the plan, which the mayor said would "
    "finally fix the potholes that residents have complained about for years. Under the plan, "
    "spending on road repairs rises by 22 per cent and the school maintenance budget by 18 "
    "per cent, and the city will hire forty new bus drivers to restore cut routes."
)
OTHER = (
    "A storm brought heavy rain and strong winds to the coast on Monday, cutting power to "
    "thousands of homes and closing several roads. Forecasters expect more rain this week, "
    "and the authorities have asked residents to avoid travel unless it is necessary. Schools "
    "in three districts will stay closed on Tuesday while crews clear fallen trees."
)


def store(redis: Redis) -> ArticleStore:
    return ArticleStore(redis, Keys("test"), ttl_seconds=600, stream_maxlen=1000)


def test_same_canonical_url_without_id_becomes_a_new_version(redis_db: Redis) -> None:
    articles = store(redis_db)
    first = articles.create(
        Submission(content=STORY, url="https://news.example/a?utm_source=x"), "t1"
    )
    second = articles.create(
        Submission(content=STORY + " Updated.", url="https://NEWS.example/a#top"), "t2"
    )
    other = articles.create(Submission(content=STORY, url="https://news.example/b"), "t3")
    assert (second.article_id, second.version) == (first.article_id, 2)
    assert other.article_id != first.article_id and other.version == 1


def test_near_duplicates_from_other_sources_are_linked(redis_db: Redis) -> None:
    articles = store(redis_db)
    copy = STORY.replace("forty new", "40 new")  # a numeral restyled: 2 bits away
    a, b, c = (ArticleRef(article_id=i, version=1, trace_id="t") for i in ("wire-1", "site-2", "x"))
    assert articles.near_duplicates(a, simhash(STORY)) == []
    assert articles.near_duplicates(b, simhash(copy)) == ["wire-1"]
    assert articles.near_duplicates(c, simhash(OTHER)) == []
    again = ArticleRef(article_id="wire-1", version=2, trace_id="t")
    assert articles.near_duplicates(again, simhash(STORY)) == ["site-2"], "not itself"
    assert articles.near_duplicates(b, simhash(copy)) == ["wire-1"], "a re-run finds the same"


def test_normalized_copies_share_their_fingerprints() -> None:
    """The same story as a scrape and as HTML: one content hash, one SimHash."""
    ref = ArticleRef(article_id="a", version=1, trace_id="t")
    text = normalize(ingest(ref, Submission(content=f"Budget approved|Wire\n\n{STORY}")))
    html = normalize(
        ingest(
            ref,
            Submission(
                content=f"<html><head><title>Budget approved</title></head><body><article>"
                f"<h1>Budget approved</h1><p>{STORY}</p></article></body></html>"
            ),
        )
    )
    assert text.content_sha256 == html.content_sha256
    assert text.simhash == html.simhash


def test_near_duplicate_lookup_returns_near_ones_and_keeps_the_newest(redis_db: Redis) -> None:
    """Members sharing a band but far away are not links; a crowded band keeps its newest."""
    articles = ArticleStore(redis_db, Keys("bands"), 600, 1000, band_members=3)
    ref = partial(ArticleRef, version=1, trace_id="t")
    far = "0000" + "ffff" * 3  # shares band 0 with the others, 48 bits away
    assert articles.near_duplicates(ref(article_id="far"), far) == []
    for index in range(5):
        articles.near_duplicates(ref(article_id=f"old-{index}"), "0000000000000001")
    found = articles.near_duplicates(ref(article_id="new"), "0000000000000003")
    assert found == ["old-2", "old-3", "old-4"]


@pytest.mark.parametrize(
    "bits", [(), (63,), (0, 31), (31, 32, 63), (1, 30, 33, 62), (0, 8, 16, 24, 40)]
)
def test_lua_distance_is_the_hamming_distance(redis_db: Redis, bits: tuple[int, ...]) -> None:
    """Flipped bits at the edges of the 32-bit halves Lua works in, near or not as in Python."""
    articles = ArticleStore(redis_db, Keys(f"bits{len(bits)}{sum(bits)}"), 600, 1000)
    base = "8000000180000001"
    other = f"{int(base, 16) ^ sum(1 << bit for bit in bits):016x}"
    articles.near_duplicates(ArticleRef(article_id="base", version=1, trace_id="t"), base)
    found = articles.near_duplicates(ArticleRef(article_id="other", version=1, trace_id="t"), other)
    assert hamming(base, other) == len(bits)
    assert found == (["base"] if len(bits) <= NEAR_DUPLICATE_BITS else [])
