"""Hostile and broken input: each case is refused at submit time, dead-lettered with its
reason, or published made safe — and the worker survives to publish what comes after.

Real ``newsflow submit`` and ``newsflow worker`` processes, a private redis-server, and a
local HTTP server that serves bad images and misbehaves.
"""

from __future__ import annotations

import codecs
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from tests.conftest import RedisServer, Workers, newsflow_env, start_workers, stop_workers, wait_for
from tests.images import ImageServer, serve, standard_routes

pytestmark = pytest.mark.integration

BODY = "Voters went to the polls on Sunday in an election that the government called decisive."


def story(tag: str) -> str:
    """A good article, unique per case so that none is deduplicated against another."""
    return f"Election day|Wire\n\n{BODY} Case {tag}.\n\nThe result is expected on Monday.\n"


Check = Callable[[dict[str, Any]], bool]


@dataclass
class Case:
    """One hostile input and what must become of it."""

    name: str
    content: bytes
    outcome: str  # "refused", "dead" or "published"
    reason: str = ""  # expected in the refusal or the dead letter
    check: Check | None = None  # on the published document
    args: list[str] = field(default_factory=list)
    suffix: str = ".txt"


def text(document: dict[str, Any]) -> str:
    """What the document says: headlines, bodies (text and HTML) and descriptions."""
    parts = [document.get(key, []) for key in ("headlines", "bodies", "descriptions")]
    return json.dumps(parts, ensure_ascii=False)


def thumbnail_failed(reason: str) -> Check:
    def check(document: dict[str, Any]) -> bool:
        thumbnail = document["newsflow"]["thumbnail"]
        return thumbnail["status"] == "failed" and reason in json.dumps(thumbnail).lower()

    return check


def nested_html(depth: int) -> bytes:
    return f"<html><body>{'<div>' * depth}<p>{BODY}</p>{'</div>' * depth}</body></html>".encode()


XXE = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>x</title><item><title>&lol3;</title>
<description>&lol3;</description></item></channel></rss>"""


def cases(server: ImageServer) -> list[Case]:
    rng = random.Random(7)
    with_image = ["--image"]
    return [
        # Refused at submit time, with the field and the reason.
        Case("empty", b"", "refused", "content is empty"),
        Case("whitespace", b" \n\t \n", "refused", "content is empty"),
        Case(
            "oversized", story("oversized").encode() + b"x" * 300_000, "refused", "over the limit"
        ),
        Case(
            "binary",
            bytes(rng.randrange(256) for _ in range(4096)) + b"\x00",
            "refused",
            "NUL bytes",
        ),
        Case(
            "nul-bytes",
            story("nul-bytes").replace("Sunday", "Sun\x00day").encode(),
            "refused",
            "NUL",
        ),
        Case(
            "too-many-images",
            story("too-many-images").encode(),
            "refused",
            "images: 25",
            args=[a for i in range(25) for a in ("--image", f"https://img.example/{i}.jpg")],
        ),
        Case(
            "gopher-image",
            story("gopher-image").encode(),
            "refused",
            "images must be",
            args=["--image", "gopher://example.com/1"],
        ),
        Case(
            "path-id",
            story("path-id").encode(),
            "refused",
            "id:",
            args=["--id", "../../etc/passwd"],
        ),
        Case(
            "javascript-url",
            story("javascript-url").encode(),
            "refused",
            "url:",
            args=["--url", "javascript:alert(1)"],
        ),
        Case(
            "envelope-malformed",
            b'{"content": "x", ',
            "refused",
            "not json",
            args=["--envelope"],
            suffix=".json",
        ),
        Case(
            "envelope-unknown-field",
            json.dumps({"content": story("envelope-unknown-field"), "priority": "urgent"}).encode(),
            "refused",
            "priority: extra inputs are not permitted",
            args=["--envelope"],
            suffix=".json",
        ),
        Case(
            "envelope-wrong-type",
            json.dumps({"content": story("envelope-wrong-type"), "images": "x"}).encode(),
            "refused",
            "images:",
            args=["--envelope"],
            suffix=".json",
        ),
        Case(
            "envelope-not-object",
            b"[1, 2]",
            "refused",
            "must be a json object",
            args=["--envelope"],
            suffix=".json",
        ),
        # Dead-lettered by the stage that found the problem, with the reason.
        Case("title-only", b"Just a title|Wire\n", "dead", "no body"),
        Case("placeholder-only", b"Thumbnail\n\nImage\n", "dead", "no body"),
        Case("teasers-only", b"Related Posts\n\nTeaser one\n\nTeaser two\n", "dead", "no body"),
        Case(
            "script-only-html",
            b"<html><body><script>alert(1)</script><style>p{}</style></body></html>",
            "dead",
            "no body",
            suffix=".html",
        ),
        Case(
            "comment-only-html",
            b"<html><body><!-- nothing --></body></html>",
            "dead",
            "no body",
            suffix=".html",
        ),
        Case(
            "malformed-json",
            b'{"title": "x", "body": ',
            "dead",
            "not valid json",
            args=["--content-type", "json"],
        ),
        Case("json-array", b"[1, 2, 3]", "dead", "must be an object", suffix=".json"),
        Case("json-null", b"null", "dead", "must be an object", suffix=".json"),
        Case("json-body-number", b'{"title": "x", "body": 5}', "dead", "no body", suffix=".json"),
        Case(
            "ten-thousand-related-links",
            (
                story("ten-thousand-related-links")
                + "\nRelated Posts\n\n"
                + "\n\n".join(f"Teaser {i}" for i in range(10_000))
            ).encode(),
            "dead",
            "related links: 10000, over the limit",
        ),
        Case("deeply-nested-html", nested_html(5000), "dead", "no body", suffix=".html"),
        # Published, made safe.
        Case(
            "latin-1",
            story("latin-1").replace("Sunday", "dimanche, élu").encode("latin-1"),
            "published",
            check=lambda d: "dimanche, élu" in text(d),
        ),
        Case(
            "windows-1252",
            story("windows-1252").replace("Sunday", "\u201cSunday\u201d \u2014").encode("cp1252"),
            "published",
            check=lambda d: "\u201cSunday\u201d \u2014" in text(d),
        ),
        Case(
            "invalid-utf-8",
            story("invalid-utf-8").encode() + b"\xff\xfe\xc3(",
            "published",
            check=lambda d: "decisive" in text(d),
        ),
        Case(
            "utf-16-bom",
            codecs.BOM_UTF16_LE
            + story("utf-16-bom").replace("Sunday", "Sünday").encode("utf-16-le"),
            "published",
            check=lambda d: "Sünday" in text(d),
        ),
        Case(
            "zero-width",
            story("zero-width").replace("polls", "po\u200bll\u200ds\ufeff").encode(),
            "published",
            check=lambda d: "polls" in text(d) and "\u200b" not in text(d),
        ),
        Case(
            "rtl-override",
            story("rtl-override").replace("Sunday", "\u202eyadnuS\u202c").encode(),
            "published",
            check=lambda d: "\u202e" not in text(d),
        ),
        Case(
            "control-characters",
            story("control-characters").replace("Sunday", "Sun\x07day\x1b").encode(),
            "published",
            check=lambda d: "\x07" not in text(d) and "\x1b" not in text(d),
        ),
        Case(
            "script-tag",
            f"<html><body><h1>Vote</h1><p>{BODY}</p><script>steal()</script>"
            f"<p>{BODY} Again.</p></body></html>".encode(),
            "published",
            check=lambda d: "steal" not in text(d),
            suffix=".html",
        ),
        Case(
            "onerror-attribute",
            f'<html><body><h1>Vote</h1><p>{BODY}<img src="x" '
            f'onerror="steal()"></p><p>{BODY} More.</p></body></html>'.encode(),
            "published",
            check=lambda d: "onerror" not in text(d) and "steal" not in text(d),
            suffix=".html",
        ),
        Case(
            "javascript-link",
            f'<html><body><h1>Vote</h1><p><a href="javascript:steal()">'
            f"{BODY}</a></p><p>{BODY} More.</p></body></html>".encode(),
            "published",
            check=lambda d: "javascript:" not in text(d),
            suffix=".html",
        ),
        Case(
            "entity-expansion",
            XXE,
            "dead",
            "declares xml entities",
            suffix=".xml",
        ),
        # Hostile images: the article is published, its thumbnail says why it failed.
        Case(
            "metadata-address-image",
            story("metadata-address-image").encode(),
            "published",
            check=thumbnail_failed("169.254.169.254"),
            args=[*with_image, "http://169.254.169.254/latest/meta-data/"],
        ),
        Case(
            "localhost-image",
            story("localhost-image").encode(),
            "published",
            check=thumbnail_failed("127.0.0.1"),
            args=[*with_image, "http://localhost:1/a.jpg"],
        ),
        Case(
            "file-etc-passwd-image",
            story("file-etc-passwd-image").encode(),
            "published",
            check=thumbnail_failed("file"),
            args=[*with_image, "file:///etc/passwd"],
        ),
        Case(
            "bomb-png-image",
            story("bomb-png-image").encode(),
            "published",
            check=thumbnail_failed("pixels"),
            args=[*with_image, server.url("/bomb.png")],
        ),
        Case(
            "truncated-jpeg-image",
            story("truncated-jpeg-image").encode(),
            "published",
            check=thumbnail_failed("truncated.jpg"),
            args=[*with_image, server.url("/truncated.jpg")],
        ),
        Case(
            "svg-image",
            story("svg-image").encode(),
            "published",
            check=thumbnail_failed("svg"),
            args=[*with_image, server.url("/vector.svg")],
        ),
        Case(
            "redirect-loop-image",
            story("redirect-loop-image").encode(),
            "published",
            check=thumbnail_failed("redirect"),
            args=[*with_image, server.url("/loop")],
        ),
        Case(
            "never-answers-image",
            story("never-answers-image").encode(),
            "published",
            check=thumbnail_failed("slow.jpg"),
            args=[*with_image, server.url("/slow.jpg")],
        ),
        Case(
            "html-as-image",
            story("html-as-image").encode(),
            "published",
            check=thumbnail_failed("page.html"),
            args=[*with_image, server.url("/page.html")],
        ),
    ]


@pytest.fixture(scope="module")
def image_server() -> Iterator[ImageServer]:
    with serve(standard_routes()) as server:
        yield server


@pytest.fixture(scope="module")
def hostile_run(
    redis_server: RedisServer, image_server: ImageServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Workers, Redis, dict[str, Case], dict[str, str]]]:
    """Every case submitted once to one worker; what each submit said, by case name."""
    directory = tmp_path_factory.mktemp("hostile")
    redis = redis_server.client()
    redis.flushall()
    env = newsflow_env(
        redis_server.url,
        NEWSFLOW_MAX_SUBMISSION_BYTES="200000",
        NEWSFLOW_IMAGE_ALLOW_HOSTS=image_server.allow_entry,
        NEWSFLOW_IMAGE_READ_TIMEOUT="1",
        NEWSFLOW_IMAGE_RETRIES="0",
        NEWSFLOW_MEDIA_DIR=str(directory / "media"),
    )
    workers = start_workers(env, directory, 1)
    try:
        all_cases = {case.name: case for case in cases(image_server)}
        said: dict[str, str] = {}
        for case in all_cases.values():
            path = directory / f"{case.name}{case.suffix}"
            path.write_bytes(case.content)
            ident = [] if "--id" in case.args or "--envelope" in case.args else ["--id", case.name]
            result = workers.cli("submit", *ident, *case.args, str(path), check=False)
            said[case.name] = result.stderr if result.returncode else result.stdout.strip()
        yield workers, redis, all_cases, said
    finally:
        stop_workers(workers)


def outcome(redis: Redis, article_id: str) -> str | None:
    return redis.hget(f"newsflow:article:{article_id}:v1", "outcome")


def test_the_corpus_has_at_least_forty_cases(image_server: ImageServer) -> None:
    assert len(cases(image_server)) >= 40


def test_refused_cases_say_why_at_submit_time(hostile_run: Any) -> None:
    *_, all_cases, said = hostile_run
    for case in all_cases.values():
        if case.outcome == "refused":
            assert said[case.name].startswith("refused: "), case.name
            assert case.reason.lower() in said[case.name].lower(), (case.name, said[case.name])


def test_every_accepted_case_ends_published_or_dead_lettered(hostile_run: Any) -> None:
    _, redis, all_cases, said = hostile_run
    accepted = [case for case in all_cases.values() if case.outcome != "refused"]
    assert all(said[case.name] == case.name for case in accepted), said
    assert wait_for(lambda: all(outcome(redis, c.name) for c in accepted), timeout=180)
    letters = {fields["article_id"]: fields for _, fields in redis.xrange("newsflow:dead")}
    documents = {
        fields["article_id"]: json.loads(fields["document"])
        for _, fields in redis.xrange("newsflow:published")
    }
    wrong = []
    for case in accepted:
        ended = outcome(redis, case.name)
        if ended != case.outcome:
            wrong.append((case.name, ended, letters.get(case.name, {}).get("error")))
        elif case.outcome == "dead" and case.reason not in letters[case.name]["error"].lower():
            wrong.append((case.name, letters[case.name]["error"]))
        elif case.outcome == "published" and not (case.check and case.check(documents[case.name])):
            wrong.append((case.name, documents[case.name]["newsflow"].get("thumbnail")))
    assert wrong == []


def test_workers_survive_and_good_articles_still_flow(hostile_run: Any, tmp_path: Path) -> None:
    workers, redis, *_ = hostile_run
    good = tmp_path / "good.txt"
    good.write_text(story("deeply-nested-html").replace("Sunday", "Saturday"))
    (article_id,) = workers.cli("submit", str(good)).stdout.split()
    assert wait_for(lambda: outcome(redis, article_id) == "published", timeout=60)
    assert all(process.poll() is None for process in workers.processes)
