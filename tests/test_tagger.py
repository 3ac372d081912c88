"""Topic tagging, entities and keywords: the seed sample, custom topics, the shipped data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas import ArticleRef, Submission
from tasks import nlp
from tasks.entities import extract_entities
from tasks.images.config import ImageConfig
from tasks.ingest import ingest
from tasks.keywords import Rarity, extract_keywords
from tasks.normalize import normalize
from tasks.pipeline import run_inline
from tasks.tag import tag
from tasks.tagger import TopicsFileError, bundled_lexicon, load_tagger, model_features
from tasks.vocabulary import load_vocabulary
from tests.conftest import SEED
from tests.test_ninjs import validator

REF = ArticleRef(article_id="t1", version=1, trace_id="tr1")
POLITICS, CONFLICT, DIPLOMACY = "medtop:11000000", "medtop:16000000", "medtop:20000639"
ENGLISH_HEADLINE = "Blair defends plan for tax cuts ahead of election"
ENGLISH_BODY = (
    "Prime Minister Tony Blair has defended the government's plans to cut taxes, saying the "
    "policy would help families before the general election. Mr Blair told MPs in the House "
    "of Commons that the Labour Party would keep its promises to voters. Conservative leader "
    "Michael Howard said the plans were a pre-election gimmick and the Treasury could not "
    "afford them. The chancellor, Gordon Brown, will set out the budget next month."
)


def seed_article():  # type: ignore[no-untyped-def]
    submission = Submission(
        content=SEED.read_text("utf-8"), received_at=datetime(2026, 11, 26, tzinfo=UTC)
    )
    return tag(normalize(ingest(REF, submission)), load_tagger())


def test_seed_sample_top_subjects_are_politics_and_conflict_with_diplomacy_below() -> None:
    article = seed_article()
    codes = [subject.code for subject in article.subjects]
    assert set(codes[:2]) == {POLITICS, CONFLICT}
    assert DIPLOMACY in codes[2:]
    names = {subject.code: subject.name for subject in article.subjects}
    assert names[POLITICS] == "politique"
    assert names[DIPLOMACY] == "diplomatie"
    assert all(subject.evidence for subject in article.subjects)
    assert [s.relevance for s in article.subjects[:2]] == sorted(
        (s.relevance for s in article.subjects[:2]), reverse=True
    )


def test_seed_sample_people_with_full_names_and_no_teaser_entities() -> None:
    article = seed_article()
    assert {"Vladimir Poutine", "Donald Trump", "Volodymyr Zelenski"} <= set(article.people)
    assert "Poutine" not in article.people and "Trump" not in article.people
    assert {"Kiev", "Ukraine"} <= set(article.places)
    teaser_words = ("Diddy", "Edwards", "Jaguar", "Banque Commune", "AES")
    found = [*article.people, *article.organisations, *article.places, *article.keywords]
    assert not [name for name in found if any(word in name for word in teaser_words)]
    assert "Vladimir Poutine" in article.keywords  # the full name, not "Poutine"


def test_seed_document_has_entities_and_keywords_and_validates(tmp_path: Path) -> None:
    submission = Submission(content=SEED.read_text("utf-8"))
    images = ImageConfig(media_dir=tmp_path / "media")
    _, record = run_inline(REF, submission, (), load_vocabulary(), load_tagger(), images)
    document = record.document
    assert {"name": "Vladimir Poutine"} in document["people"]
    assert {"name": "Kiev"} in document["places"]
    assert document["newsflow"]["keywords"]
    assert document["subjects"][0]["uri"].startswith("http://cv.iptc.org/newscodes/mediatopic/")
    validator().validate(document)


def test_english_article_topics_evidence_and_short_names() -> None:
    tags = load_tagger().tag(ENGLISH_HEADLINE, ENGLISH_BODY, "en")
    assert tags[0].code == POLITICS and tags[0].name == "politics"
    assert tags[0].relevance >= 50
    assert {"election", "tax"} & {term.casefold() for term in tags[0].evidence}
    entities = extract_entities(ENGLISH_HEADLINE, ENGLISH_BODY, "en")
    assert entities.people[:1] == ["Tony Blair"]
    assert "Blair" not in entities.people and "Michael Howard" in entities.people
    assert "Labour Party" in entities.organisations
    keywords = extract_keywords(ENGLISH_HEADLINE, ENGLISH_BODY, "en")
    assert "Blair" in keywords


def test_text_without_evidence_gets_no_topics() -> None:
    assert load_tagger().tag("Xyzzy", "Plugh frobnitz quux.", "en") == []


def test_unmodelled_language_is_tagged_best_effort_from_the_lexicons() -> None:
    tags = load_tagger().tag("Fußball", "Der Trainer lobte die Mannschaft nach dem Football.", "de")
    assert tags and tags[0].code == "medtop:15000000"


def _topics_file(path: Path, topics: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps({"topics": topics}), "utf-8")
    return path


def test_custom_topics_file_adds_topics_and_terms(tmp_path: Path) -> None:
    path = _topics_file(
        tmp_path / "topics.json",
        [
            {
                "code": "acme:ports",
                "label": {"en": "ports and shipping", "fr": "ports et transport maritime"},
                "broader": "medtop:04000000",
                "terms": {"en": ["container ship", "port"], "fr": ["porte-conteneurs", "port"]},
            },
            {"code": "medtop:20000639", "terms": {"en": ["shuttle diplomacy"]}},
        ],
    )
    tagger = load_tagger(path)
    tags = tagger.tag(
        "Port strike strands container ships",
        "Dock workers at the port walked out, leaving container ships waiting at sea while the "
        "port authority and unions held talks about pay.",
        "en",
    )
    custom = {tag.code: tag for tag in tags}["acme:ports"]
    assert custom.name == "ports and shipping" and "container ships" in custom.evidence
    french = tagger.tag("Le port bloqué", "Les porte-conteneurs attendent devant le port.", "fr")
    assert "ports et transport maritime" in [tag.name for tag in french]
    assert "medtop:20000639" in tagger.phrases["en"]["shuttle diplomacy"]


@pytest.mark.parametrize(
    "topic",
    [
        {"code": "acme:x", "broader": "medtop:99999999", "terms": {"en": ["x"]}},
        {"code": "medtop:99999999", "terms": {"en": ["x"]}},
        {"code": "acme:x", "terms": ["x"]},
    ],
)
def test_custom_topics_file_errors_are_reported(tmp_path: Path, topic: dict[str, object]) -> None:
    with pytest.raises(TopicsFileError):
        load_tagger(_topics_file(tmp_path / "bad.json", [topic]))


def test_every_emitted_concept_has_a_french_label_and_no_retired_code() -> None:
    vocabulary = load_vocabulary()
    french = vocabulary.translations["fr"]
    codes = [code for code in bundled_lexicon() if not code.startswith("_")]
    assert set(vocabulary.top_level()) <= set(codes)
    assert len(vocabulary.top_level()) == 17
    for code in codes:
        assert code in vocabulary.labels  # the shipped vocabulary has no retired concept
        assert french.get(code), code


def test_shipped_model_is_small_and_covers_all_top_level_topics() -> None:
    model_file = Path(__file__).resolve().parent.parent / "tasks" / "data" / "topic-model.npz"
    assert model_file.stat().st_size < 3 * 1024 * 1024
    model = load_tagger().models["en"]
    assert set(model.classes) == set(load_vocabulary().top_level())
    assert model.weights.shape == (len(model.names), len(model.classes))


def test_french_article_subjects_all_have_french_labels() -> None:
    tags = load_tagger().tag(
        "Séisme de magnitude 7 au Japon",
        "Un puissant tremblement de terre a frappé le nord du Japon, faisant au moins douze "
        "morts. Les secours recherchent des survivants sous les décombres.",
        "fr",
    )
    french = load_vocabulary().translations["fr"]
    assert tags[0].code == "medtop:03000000"
    assert [tag.name for tag in tags] == [french[tag.code] for tag in tags]


def test_entities_titles_given_names_and_french_organisations() -> None:
    english = extract_entities(
        "Media deal agreed",
        "The group led by Anthony O'Reilly agreed the deal. Later Sir Anthony said the "
        "Bank of Japan was not involved. Instead Mr Blair spoke to Glasgow Rangers fans.",
        "en",
    )
    assert "Anthony O'Reilly" in english.people
    assert "Anthony" not in english.people and "Blair" in english.people
    assert {"Bank of Japan", "Glasgow Rangers"} <= set(english.organisations)
    french = extract_entities(
        "Les taux restent stables",
        "La Banque centrale européenne a maintenu ses taux, selon Christine Lagarde, à "
        "Francfort. Mme Lagarde a parlé devant l'Assemblée nationale.",
        "fr",
    )
    assert {"Banque centrale européenne", "Assemblée nationale"} <= set(french.organisations)
    assert french.people == ["Christine Lagarde"]
    assert "Francfort" not in french.people


@pytest.mark.parametrize(
    ("language", "body", "people", "organisations"),
    [
        # A capital inside a word starts no name; digits before one do not hide it.
        (
            "en",
            "The anti-Trump Tower Group met Jean-Pierre Raffarin in 3M Company offices. "
            "iPhone maker Apple Inc said.",
            ["Jean-Pierre Raffarin"],
            ["Tower Group", "Company", "Apple Inc"],
        ),
        (
            "en",
            "COVID-19-Pandemie Hans Müller spoke; _Foo Bar and 12th Street Band played.",
            ["Pandemie Hans Müller", "Foo Bar", "Street Band"],
            ["COVID"],
        ),
        # Capitals outside the Basic Multilingual Plane and titlecase letters.
        (
            "en",
            "Ǆemal Bijedić met 𝐀lpha Group and Ⅻ Legion; Straße Ltd.",
            ["Ǆemal Bijedić", "Ⅻ Legion"],
            ["𝐀lpha Group", "Straße Ltd"],
        ),
        (
            "fr",
            "La Banque centrale européenne et l'Afrique de l’Ouest. Le président Emmanuel "
            "Macron a reçu M. Olaf Scholz à l'Élysée.",
            ["Emmanuel Macron", "Olaf Scholz"],
            ["Banque centrale européenne", "Afrique de l’Ouest"],
        ),
    ],
)
def test_entity_word_boundaries_as_the_word_by_word_rules_give_them(
    language: str, body: str, people: list[str], organisations: list[str]
) -> None:
    """The regex that finds where names may be must agree with the word-by-word rules."""
    found = extract_entities("Test", body, language)
    assert (found.people, found.organisations) == (people, organisations)


def test_tag_stage_reads_once_and_agrees_with_each_extractor() -> None:
    submission = Submission(content=SEED.read_text("utf-8"))
    normalized = normalize(ingest(REF, submission))
    tagger = load_tagger()
    article = tag(normalized, tagger)
    headline, body, language = normalized.headline, normalized.body_text, normalized.language
    assert article.subjects == tagger.tag(headline, body, language)
    names = [*article.people, *article.organisations, *article.places]
    rarity = tagger.rarity(language)
    assert article.keywords == extract_keywords(headline, body, language, rarity, names)


def test_model_rows_found_with_numpy_are_the_training_features() -> None:
    """Inference finds ``model_features`` (what training reads) as model rows by lemma id."""
    tagger = load_tagger()
    model = tagger.models["en"]
    body = ENGLISH_BODY + " tax cuts, tax cuts; general election 2026"
    names = model_features(nlp.lemmas(ENGLISH_HEADLINE, "en"), "en") * 2
    names += model_features(nlp.lemmas(body, "en"), "en")
    expected = [model.index.get(name, -1) for name in names]
    head, text = nlp.read(ENGLISH_HEADLINE, "en"), nlp.read(body, "en")
    assert tagger._columns("en").features(head, text, model).tolist() == expected
    assert (
        tagger._columns("en").features(nlp.read("", "en"), text, model).tolist()
        == expected[2 * len(model_features(nlp.lemmas(ENGLISH_HEADLINE, "en"), "en")) :]
    )


@pytest.mark.parametrize(
    ("headline", "body"),
    [(ENGLISH_HEADLINE, ENGLISH_BODY), ("", "Un  deux. "), ("Fin ", ""), ("", ""), ("A\nB", " C")],
)
def test_headline_and_body_read_as_one_text_give_their_own_tokens(headline: str, body: str) -> None:
    """``read_article`` reads both in one pass; each gets the tokens a read of its own gives."""
    head, text = nlp.read_article(headline, body, "en")
    for reading, alone in ((head, nlp.read(headline, "en")), (text, nlp.read(body, "en"))):
        assert reading.ids.tolist() == alone.ids.tolist()
        assert reading.word_lemma_ids.tolist() == alone.word_lemma_ids.tolist()


def test_starting_the_token_tables_afresh_changes_no_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Token and lemma ids are renumbered when a table is full, even between headline and body."""
    normalized = normalize(ingest(REF, Submission(content=SEED.read_text("utf-8"))))
    tagger = load_tagger()
    before = tag(normalized, tagger)
    monkeypatch.setattr(nlp, "_TABLE_MAX", 5)
    monkeypatch.setattr(nlp, "_lexemes", {})
    assert tag(normalized, tagger) == before
    assert tag(normalized, tagger) == before


def test_keyword_rarity_of_pairs_as_numbers_is_the_rarity_of_their_names() -> None:
    """Two-word phrases are weighed by number; weighing them by name gives the same keywords."""
    rarity = load_tagger().rarity("en")
    assert rarity is not None and rarity.pairs_only
    by_name = Rarity(rarity.known, rarity.unseen)
    by_name.__dict__["pairs_only"] = False
    body = ENGLISH_BODY + " " + ENGLISH_BODY.replace("Blair", "Brown")
    assert extract_keywords(ENGLISH_HEADLINE, body, "en", rarity) == extract_keywords(
        ENGLISH_HEADLINE, body, "en", by_name
    )
