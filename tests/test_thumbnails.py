"""The thumbnail stage end to end: discovery, renditions, metadata, title cards, publishing."""

from __future__ import annotations

import base64
import io
import json
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import blurhash
import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from schemas import ArticleRef, Submission, TaggedArticle
from schemas.thumbnail import FocalPoint
from tasks.images.config import (
    DEFAULT_RENDITIONS,
    FetchLimits,
    ImageConfig,
    RenditionSpec,
    parse_renditions,
)
from tasks.images.decode import decode
from tasks.images.discover import discover
from tasks.images.metadata import (
    blurhash_encode,
    blurhash_of,
    dominant_color,
    flat_blurhash,
    look_copy,
    perceptual_hash,
)
from tasks.images.renditions import (
    Pyramid,
    crop_box,
    encode,
    render,
    saliency_focal_point,
    size_of,
)
from tasks.images.storage import LocalStorage
from tasks.images.svgcard import svg_title_card
from tasks.images.titlecard import PALETTE, TEXT_COLOR, draw_title_card, renderable
from tasks.ingest import ingest
from tasks.normalize import normalize
from tasks.publish import build_document
from tasks.thumbnail import thumbnail
from tests import images
from tests.conftest import SEED
from tests.images import ImageServer
from tests.test_cli_run import run
from tests.test_ninjs import validator
from workers.settings import Settings

REF = ArticleRef(article_id="img-1", version=1, trace_id="trace")


@pytest.fixture(scope="module")
def server() -> Iterator[ImageServer]:
    with images.serve(images.standard_routes()) as state:
        yield state


def config(tmp_path: Path, server: ImageServer) -> ImageConfig:
    return ImageConfig(
        media_dir=tmp_path / "media",
        fetch=FetchLimits(allow_hosts=server.allow, retries=0, read_timeout=0.5),
    )


def article(content: str, **submission: Any) -> TaggedArticle:
    """Ingested and normalized; topics are the tagger's business, so none here."""
    normalized = normalize(ingest(REF, Submission(content=content, **submission)))
    return TaggedArticle(**normalized.model_dump(), subjects=[])


def html_page(og_image: str, alt: str = "Waves on the pier") -> str:
    return (
        "<html lang='en'><head><title>Storm hits coast</title>"
        "<meta property='og:title' content='Storm hits coast'>"
        f"<meta property='og:image' content='{og_image}'>"
        f"<meta property='og:image:alt' content='{alt}'></head><body><h1>Storm hits coast</h1>"
        "<p>The storm brought heavy rain and strong winds to the coast on Monday night.</p>"
        "<p>Forecasters expect more rain later this week across the whole region.</p>"
        "</body></html>"
    )


def hamming(first: str, second: str) -> int:
    return (int(first, 16) ^ int(second, 16)).bit_count()


def test_html_article_gets_three_renditions_with_metadata(
    server: ImageServer, tmp_path: Path
) -> None:
    page = html_page(server.url("/photo.jpg"))
    result = thumbnail(article(page), config(tmp_path, server))
    info = result.thumbnail
    assert (info.status, info.generated, info.reason) == ("ok", False, None)
    assert (info.href, info.width, info.height) == (server.url("/photo.jpg"), 800, 600)
    assert (info.mimetype, info.bytes) == ("image/jpeg", len(server.routes["/photo.jpg"].body))
    assert info.alt_text == "Waves on the pier"
    assert info.focal_point and info.focal_point.source == "saliency"
    sizes = {(r.name, r.mimetype): (r.width, r.height) for r in info.renditions}
    assert sizes == {
        ("social", "image/jpeg"): (800, 420),  # never scaled up past the source
        ("card", "image/webp"): (640, 360),
        ("square", "image/webp"): (160, 160),
    }
    files = sorted(p.relative_to(tmp_path) for p in (tmp_path / "media").rglob("*.*"))
    assert len(files) == 3 and all(
        str(p).startswith(f"media/img/{info.sha256[:2]}/") for p in files
    )

    document = build_document(result).to_json_dict()
    assert list(validator().iter_errors(document)) == []
    (association,) = document["associations"]
    assert (association["name"], association["type"]) == ("leadimage", "picture")
    assert association["uri"] == f"urn:newsflow:image:{info.sha256}"
    assert association["descriptions"] == [{"role": "alt", "value": "Waves on the pier"}]
    original, *renditions = association["renditions"]
    assert original == {
        "name": "original",
        "href": server.url("/photo.jpg"),
        "contenttype": "image/jpeg",
        "width": 800,
        "height": 600,
        "sizeinbytes": info.bytes,
    }
    assert [r["href"] for r in renditions] == [r.href for r in info.renditions]
    extras = document["newsflow"]["thumbnail"]
    assert extras["blurhash"] == info.blurhash and extras["phash"] == info.phash
    assert extras["dominant_color"] == info.dominant_color


def test_a_content_image_with_its_caption(server: ImageServer, tmp_path: Path) -> None:
    page = (
        "<html><head><title>Storm</title></head><body><article><h1>Storm hits coast</h1>"
        "<p>The storm brought heavy rain and strong winds to the coast on Monday night.</p>"
        f"<figure><img src='{server.url('/blue.webp')}' alt='Sea'>"
        "<figcaption>The pier at dawn</figcaption></figure>"
        "<p>Forecasters expect more rain later this week across the whole region.</p>"
        "</article></body></html>"
    )
    info = thumbnail(article(page), config(tmp_path, server)).thumbnail
    assert (info.status, info.href) == ("ok", server.url("/blue.webp"))
    assert info.alt_text == "The pier at dawn"


def test_failed_images_never_block_the_article(server: ImageServer, tmp_path: Path) -> None:
    page = html_page(server.url("/truncated.jpg"))
    result = thumbnail(article(page, images=[server.url("/pixel.gif")]), config(tmp_path, server))
    info = result.thumbnail
    assert (info.status, info.generated) == ("failed", True)
    assert info.reason and "truncated or corrupt" in info.reason and "1×1" in info.reason
    assert {r.name for r in info.renditions} == {"social", "card", "square"}
    document = build_document(result).to_json_dict()
    assert list(validator().iter_errors(document)) == []
    assert document["associations"][0]["type"] == "graphic"
    assert document["newsflow"]["thumbnail"]["status"] == "failed"


def test_the_next_candidate_is_tried_after_a_refusal(server: ImageServer, tmp_path: Path) -> None:
    page = html_page(server.url("/vector.svg"))
    hrefs = [server.url("/vector.svg"), server.url("/blue.webp")]
    info = thumbnail(article(page, images=hrefs), config(tmp_path, server)).thumbnail
    assert (info.status, info.href, info.mimetype) == ("ok", server.url("/blue.webp"), "image/webp")


def test_the_stage_is_idempotent_and_identical_images_are_recognised(
    server: ImageServer, tmp_path: Path
) -> None:
    settings = config(tmp_path, server)
    first = thumbnail(article(html_page(server.url("/photo.jpg"))), settings).thumbnail
    again = thumbnail(article(html_page(server.url("/photo.jpg"))), settings).thumbnail
    assert again == first
    copy = thumbnail(article(html_page(server.url("/same-photo.jpg"))), settings).thumbnail
    assert (copy.sha256, copy.phash) == (first.sha256, first.phash)
    assert [r.href for r in copy.renditions] == [r.href for r in first.renditions]
    assert len(list((tmp_path / "media").rglob("*.*"))) == 3
    smaller = thumbnail(article(html_page(server.url("/photo-smaller.jpg"))), settings).thumbnail
    other = thumbnail(article(html_page(server.url("/blue.webp"))), settings).thumbnail
    assert first.phash and smaller.phash and other.phash
    assert hamming(first.phash, smaller.phash) <= 8  # resized and re-encoded: the same picture
    assert hamming(first.phash, other.phash) >= 20


def test_a_supplied_focal_point_steers_the_crop(server: ImageServer, tmp_path: Path) -> None:
    page = html_page(server.url("/photo.jpg"))
    focal = {"x": 0.05, "y": 0.5}
    info = thumbnail(
        article(page, metadata={"focal_point": focal}), config(tmp_path, server)
    ).thumbnail
    assert info.focal_point == FocalPoint(x=0.05, y=0.5, source="supplied")
    assert crop_box((800, 600), 1.0, info.focal_point) == (0, 0, 600, 600)
    plain = thumbnail(article(page), config(tmp_path, server)).thumbnail
    assert plain.sha256 == info.sha256
    assert not {r.href for r in plain.renditions} & {r.href for r in info.renditions}


def test_saliency_finds_the_detailed_part() -> None:
    point = saliency_focal_point(images.photo())
    assert point.source == "saliency" and point.x > 0.55  # the object is in the right third
    assert crop_box((800, 600), 1.0, point)[2] == 800
    flat = saliency_focal_point(Image.new("RGB", (300, 200), (90, 90, 90)))
    assert flat == FocalPoint(x=0.5, y=0.5, source="center")
    shared = look_copy(images.photo((300, 201)))
    assert shared.size == (100, 67)  # the copy every description reads
    assert saliency_focal_point(shared).x > 0.55


def test_a_plain_crop_is_encoded_from_the_decoders_pixels() -> None:
    decoded = decode(images.jpeg((1600, 1067)), 10**8, 10, DEFAULT_RENDITIONS)
    centre = FocalPoint(x=0.5, y=0.5, source="center")
    social = render(Pyramid(decoded.image, decoded.pixels), DEFAULT_RENDITIONS[0], centre)
    assert isinstance(social, np.ndarray) and decoded.pixels is not None
    assert np.shares_memory(social, decoded.pixels) and size_of(social) == (1200, 630)
    with Image.open(io.BytesIO(encode(social, "JPEG", 82))) as written:
        assert (written.size, written.mode) == ((1200, 630), "RGB")
        error = np.asarray(written, dtype=float) - np.asarray(social, dtype=float)
    assert 10 * np.log10(255**2 / np.mean(error**2)) > 30  # the same picture


def test_perceptual_hash_is_stable_across_encodings() -> None:
    source = images.photo()
    assert perceptual_hash(source) == perceptual_hash(source.copy())
    assert hamming(perceptual_hash(source), perceptual_hash(source.resize((200, 150)))) <= 6


SVG = "{http://www.w3.org/2000/svg}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def svg_card(href: str) -> ET.Element:
    """A stored SVG card, parsed: ElementTree refuses anything that is not well-formed XML."""
    return ET.fromstring(Path(urlsplit(href).path).read_bytes())


def card_text(root: ET.Element) -> list[str]:
    """The lines of the headline, then the provider line if any."""
    return [" ".join(text.itertext()) for text in root.iter(f"{SVG}text")]


def test_seed_sample_gets_a_generated_svg_title_card(tmp_path: Path) -> None:
    seed = article(SEED.read_text("utf-8"))
    result = thumbnail(seed, ImageConfig(media_dir=tmp_path))
    info = result.thumbnail
    assert (info.status, info.generated, info.href) == ("no_image", True, None)
    assert info.reason == "only an image placeholder in the content"
    assert info.alt_text == seed.headline and info.dominant_color in PALETTE
    assert info.blurhash == flat_blurhash(info.dominant_color, (1200, 630))
    assert info.phash is None  # the card's content address already identifies it
    sizes = [(r.name, r.width, r.height, r.mimetype) for r in info.renditions]
    assert sizes == [
        ("social", 1200, 630, "image/svg+xml"),
        ("card", 640, 360, "image/svg+xml"),
        ("square", 160, 160, "image/svg+xml"),
    ]
    for rendition in info.renditions:
        root = svg_card(rendition.href)
        assert rendition.bytes < 2048 and rendition.href.endswith(".svg")
        assert (root.get("width"), root.get("height")) == (
            str(rendition.width),
            str(rendition.height),
        )
        assert root.get(XML_LANG) == seed.language and root.get("direction") == "ltr"
        assert root.find(f"{SVG}rect").get("fill") == info.dominant_color
        *headline, provider = card_text(root)
        assert " ".join(headline) == seed.headline and provider == seed.provider
        for line in root.iter(f"{SVG}tspan"):
            assert 0 < int(line.get("y")) < rendition.height
    document = build_document(result).to_json_dict()
    assert list(validator().iter_errors(document)) == []
    (association,) = document["associations"]
    assert (association["name"], association["type"]) == ("titlecard", "graphic")
    assert {r["contenttype"] for r in association["renditions"]} == {"image/svg+xml"}
    assert [r["href"] for r in association["renditions"]] == [r.href for r in info.renditions]


def test_no_http_client_when_there_is_nothing_to_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("a fetcher was set up for an article without images")

    monkeypatch.setattr("tasks.images.process.Fetcher", refuse)
    info = thumbnail(
        article("Title|Wire\n\nVoters went to the polls."), ImageConfig(media_dir=tmp_path)
    )
    assert (info.thumbnail.status, info.thumbnail.generated) == ("no_image", True)


def test_raster_title_cards_by_configuration(tmp_path: Path) -> None:
    seed = article(SEED.read_text("utf-8"))
    config = ImageConfig(media_dir=tmp_path, title_card_format="raster")
    info = thumbnail(seed, config).thumbnail
    assert info.generated and info.dominant_color in PALETTE
    assert [(r.name, r.mimetype) for r in info.renditions] == [
        ("social", "image/jpeg"),
        ("card", "image/webp"),
        ("square", "image/webp"),
    ]
    social = next(r for r in info.renditions if r.name == "social")
    with Image.open(urlsplit(social.href).path) as card:
        pixels = np.asarray(card.convert("RGB"))
    assert card.size == (1200, 630)
    white = (pixels > 235).all(axis=2)
    assert 0.03 < white.mean() < 0.5  # the headline is drawn, large
    assert not white[:, :40].any() and not white[:, -40:].any()  # inside the margins


def test_svg_card_escapes_a_hostile_headline() -> None:
    headline = "Tom & Jerry </text><script>alert(\"x\")</script> ]]> <!-- \x00\x1b\ud800 'q'"
    data = svg_title_card(headline, "<b>Wire</b> & Co", 'en"><x a="', (640, 360), PALETTE[0])
    root = ET.fromstring(data)  # well-formed
    assert [element.tag.removeprefix(SVG) for element in root.iter()] == [
        "svg",
        "rect",
        "text",
        *["tspan"] * len(root.findall(f"{SVG}text/{SVG}tspan")),
        "text",
    ]
    *lines, provider = card_text(root)
    expected = "Tom & Jerry </text><script>alert(\"x\")</script> ]]> <!-- 'q'"
    # The controls are dropped (XML cannot carry them); long words are cut across lines.
    assert "".join("".join(lines).split()) == "".join(expected.split())
    assert provider == "<b>Wire</b> & Co"
    assert root.get(XML_LANG) == "und"  # not a language tag: not written


@pytest.mark.parametrize(
    ("headline", "language", "direction"),
    [
        ("الانتخابات البرلمانية: نسبة المشاركة أعلى من المتوقع في معظم المناطق", "ar", "rtl"),
        ("הבחירות לכנסת: שיעור ההצבעה גבוה מהצפוי ברוב האזורים", "he", "rtl"),
        ("速報：大雨で東京の鉄道が運転を見合わせ、多くの乗客に影響が出ています" * 3, "ja", "ltr"),
        (
            "Ein sehr langes Wort: Donaudampfschifffahrtsgesellschaftskapitänsmütze " * 6,
            "de",
            "ltr",
        ),
    ],
)
def test_svg_cards_carry_any_script(headline: str, language: str, direction: str) -> None:
    for width, height in ((1200, 630), (640, 360), (160, 160)):
        root = ET.fromstring(svg_title_card(headline, "Wire", language, (width, height), "#000000"))
        assert (root.get(XML_LANG), root.get("direction")) == (language, direction)
        lines = root.findall(f"{SVG}text/{SVG}tspan")
        assert lines and all(0 < int(line.get("y")) < height for line in lines)
        xs = {int(line.get("x")) for line in lines}
        margin = max(6, round(min(width, height) * 0.08))
        assert xs == {width - margin if direction == "rtl" else margin}
        text = "".join(line.text or "" for line in lines)
        if text.endswith("…"):  # too long for the box at the smallest size
            assert headline.replace(" ", "").startswith(text[:-1].replace(" ", ""))
        else:
            assert text.replace(" ", "") == headline.replace(" ", "")


def test_title_card_colours_are_readable() -> None:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for background in PALETTE:
        contrast = (luminance(TEXT_COLOR) + 0.05) / (luminance(background) + 0.05)
        assert contrast >= 7, background


@pytest.mark.parametrize(
    ("headline", "language"),
    [
        ("Выборы в парламенте: явка выше ожидаемой в большинстве регионов страны", "ru"),
        ("Ο καιρός αλλάζει απότομα στην Αθήνα", "el"),
        ("Ein sehr langes Wort: Donaudampfschifffahrtsgesellschaftskapitänsmütze " * 6, "de"),
    ],
)
def test_title_cards_fit_any_headline(headline: str, language: str) -> None:
    for size in ((1200, 630), (160, 160)):
        card = np.asarray(draw_title_card(headline, "Wire", language, size))
        white = (card > 235).all(axis=2)
        assert white.any()
        assert not white[:, :6].any() and not white[:, -6:].any()


def test_discovery_order_and_alt_text() -> None:
    markdown = (
        '# Rain\n\n![Flooded street](https://img.example/b.png "Main street at noon")\n\nIt rained.'
    )
    found = discover(article(markdown, images=["https://img.example/lead.jpg"]))
    assert [c.href for c in found.candidates] == [
        "https://img.example/lead.jpg",
        "https://img.example/b.png",
    ]
    assert (found.candidates[1].alt, found.candidates[1].caption) == (
        "Flooded street",
        "Main street at noon",
    )
    ninjs = {
        "headline": "Vote",
        "body_text": "Voters went to the polls in large numbers on Sunday.",
        "associations": [
            {
                "name": "featureimage",
                "uri": "urn:x:1",
                "type": "picture",
                "headlines": [{"value": "Queue at a polling station"}],
                "renditions": [
                    {"name": "small", "href": "https://img.example/s.jpg", "width": 100},
                    {"name": "large", "href": "https://img.example/l.jpg", "width": 2000},
                ],
            }
        ],
    }
    found = discover(article(json.dumps(ninjs)))
    assert found.candidates[0].href == "https://img.example/l.jpg"
    assert found.candidates[0].alt == "Queue at a polling station"
    found = discover(article("Title|Wire\n\nVoters went to the polls on Sunday."))
    assert (found.candidates, found.reason) == ((), "no image reference")


def test_renditions_and_settings_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_renditions("hero:1600x900, thumb:100x100") == (
        RenditionSpec("hero", 1600, 900, ("webp", "jpeg")),  # both, without formats
        RenditionSpec("thumb", 100, 100, ("webp", "jpeg")),
    )
    assert parse_renditions("og:1200x630:jpeg, tile:300x300 : jpeg+webp") == (
        RenditionSpec("og", 1200, 630, ("jpeg",)),
        RenditionSpec("tile", 300, 300, ("jpeg", "webp")),
    )
    assert Settings().image_config().renditions == DEFAULT_RENDITIONS
    for bad in (
        "hero:1600",
        "a:10x10",
        "a:100x100,a:200x200",
        "",
        "a:100x100:png",
        "a:100x100:webp+webp",
        "a:100x100:",
    ):
        with pytest.raises(ValueError):
            parse_renditions(bad)
    monkeypatch.setenv("NEWSFLOW_IMAGE_ALLOW_HOSTS", "127.0.0.1:8080, cdn.internal:443")
    monkeypatch.setenv("NEWSFLOW_IMAGE_FILE_DIRS", "/srv/images")
    monkeypatch.setenv("NEWSFLOW_IMAGE_RENDITIONS", "wide:1280x720")
    monkeypatch.setenv("NEWSFLOW_MEDIA_BASE_URL", "https://cdn.example/media")
    images_config = Settings().image_config()
    assert images_config.fetch.allow_hosts == {"127.0.0.1:8080", "cdn.internal:443"}
    assert images_config.fetch.file_dirs == (Path("/srv/images"),)
    assert images_config.renditions == (RenditionSpec("wide", 1280, 720),)
    assert images_config.media_base_url == "https://cdn.example/media"
    assert images_config.fetch.time_budget == 30
    assert images_config.title_card_format == "svg"
    monkeypatch.setenv("NEWSFLOW_TITLE_CARD_FORMAT", "raster")
    assert Settings().image_config().title_card_format == "raster"
    monkeypatch.setenv("NEWSFLOW_TASK_SOFT_TIME_LIMIT", "10")
    assert Settings().image_config().fetch.time_budget == 5  # ends within the task's limit
    monkeypatch.setenv("NEWSFLOW_IMAGE_RENDITIONS", "wide:1280")
    with pytest.raises(ValidationError, match="NAME:WIDTHxHEIGHT"):
        Settings()


def test_hrefs_use_the_media_base_url(server: ImageServer, tmp_path: Path) -> None:
    settings = ImageConfig(
        media_dir=tmp_path,
        media_base_url="https://cdn.example/media/",
        fetch=FetchLimits(allow_hosts=server.allow, retries=0),
    )
    info = thumbnail(article(html_page(server.url("/blue.webp"))), settings).thumbnail
    for rendition in info.renditions:
        assert rendition.href.startswith("https://cdn.example/media/img/")
        assert (tmp_path / rendition.href.removeprefix("https://cdn.example/media/")).is_file()


def test_newsflow_run_writes_renditions_beside_the_documents(
    server: ImageServer, tmp_path: Path
) -> None:
    (tmp_path / "storm.html").write_text(html_page(server.url("/photo.jpg")))
    result = run(
        "--out",
        "out",
        str(tmp_path / "storm.html"),
        str(SEED),
        cwd=tmp_path,
        NEWSFLOW_IMAGE_ALLOW_HOSTS=server.allow_entry,
    )
    assert result.returncode == 0, result.stderr
    storm = json.loads((tmp_path / "out" / "storm.json").read_text())
    (picture,) = storm["associations"]
    names = {r["name"] for r in picture["renditions"] if r["name"] != "original"}
    assert names == {"social", "card", "square"}
    for rendition in picture["renditions"][1:]:
        path = Path(urlsplit(rendition["href"]).path)
        assert path.is_relative_to(tmp_path / "out" / "media") and path.is_file()
    seed = json.loads((tmp_path / "out" / "lci-poutine-kiev.json").read_text())
    assert seed["newsflow"]["thumbnail"]["generated"] is True
    assert seed["associations"][0]["type"] == "graphic"


def test_scripts_the_font_lacks_are_left_off_the_card() -> None:
    for headline in ("خبر عاجل", "速報：大雨", "חדשות"):
        assert not renderable(headline)
        card = np.asarray(draw_title_card(headline, "Wire", "und", (1200, 630)))
        white = (card > 235).all(axis=2)
        assert not white[:450].any()  # no boxes where the headline would be
    assert renderable("Élections à Paris, «oui» — Выборы, Εκλογές €5")


def test_blurhash_decodes_to_the_image() -> None:
    solid = Image.new("RGB", (300, 200), images.BLUE)
    wide = blurhash_of(solid)
    assert wide[0] == "L"  # 4×3 components
    decoded = np.asarray(blurhash.decode(wide, 8, 6), dtype=np.float64)
    assert np.abs(decoded.mean(axis=(0, 1)) - np.array(images.BLUE)).max() < 4
    assert blurhash_of(solid.rotate(90, expand=True))[0] == "T"  # 3×4 for portrait
    assert dominant_color(solid) == "#1e3cc8"


@pytest.mark.parametrize(
    "source",
    [
        images.photo(),
        Image.new("RGB", (300, 200), images.BLUE),
        Image.open(io.BytesIO(images.webp())),
        Image.open(io.BytesIO(images.jpeg((1600, 1067)))),
    ],
)
def test_blurhash_equals_the_reference_implementation(source: Image.Image) -> None:
    tiny = source.convert("RGB")
    tiny.thumbnail((32, 32))
    pixels = np.asarray(tiny)
    for components in ((4, 3), (3, 4), (1, 1), (9, 9)):
        assert blurhash_encode(pixels, *components) == blurhash.encode(
            pixels, components_x=components[0], components_y=components[1]
        )
    noise = np.random.default_rng(7).integers(0, 256, (21, 32, 3), dtype=np.uint8)
    assert blurhash_encode(noise, 4, 3) == blurhash.encode(noise, components_x=4, components_y=3)


def test_flat_blurhash_decodes_to_its_colour() -> None:
    for colour in PALETTE:
        decoded = np.asarray(blurhash.decode(flat_blurhash(colour, (1200, 630)), 4, 3))
        expected = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        assert (decoded == expected).all()
    assert flat_blurhash(PALETTE[0], (160, 320))[0] == "T"  # 3×4 for portrait


def test_a_data_uri_image_is_rendered_without_publishing_the_uri(tmp_path: Path) -> None:
    href = "data:image/webp;base64," + base64.b64encode(images.webp()).decode()
    result = thumbnail(
        article("Title|Wire\n\nVoters went to the polls.", images=[href]),
        ImageConfig(media_dir=tmp_path),
    )
    assert (result.thumbnail.status, result.thumbnail.href) == ("ok", None)
    assert result.thumbnail.mimetype == "image/webp"
    (association,) = build_document(result).to_json_dict()["associations"]
    assert "altids" not in association
    assert [r["name"] for r in association["renditions"]] == ["social", "card", "square"]


def test_local_storage_refuses_unsafe_keys(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    assert storage.put("img/ab/x-1x1.jpg", b"1", "image/jpeg") == (
        (tmp_path / "media" / "img" / "ab" / "x-1x1.jpg").as_uri()
    )
    for key in ("../escape.jpg", "/etc/passwd", "img/../../x.jpg", "Img/X.jpg"):
        with pytest.raises(ValueError, match="unsafe storage key"):
            storage.put(key, b"1", "image/jpeg")
    assert [p.name for p in tmp_path.rglob("*.jpg")] == ["x-1x1.jpg"]


@pytest.mark.parametrize("umask", [0o022, 0o077], ids=oct)
def test_stored_files_are_readable_by_all_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    """The web server serving the media directory runs as another user. The umask is read
    when the module loads, so each umask gets a process of its own."""
    script = (
        "import os, sys; from pathlib import Path; os.umask(int(sys.argv[1], 8)); "
        "from tasks.images.storage import LocalStorage; "
        "LocalStorage(Path(sys.argv[2])).put('card/ab/x-1x1.svg', b'<svg/>', 'image/svg+xml')"
    )
    subprocess.run([sys.executable, "-c", script, oct(umask), str(tmp_path)], check=True)
    path = tmp_path / "card" / "ab" / "x-1x1.svg"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_bytes() == b"<svg/>"
