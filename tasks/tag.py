"""Stage 3, tag: topics, entities and keywords of the headline and body (never its teasers)."""

from __future__ import annotations

from celery import shared_task

from schemas import ArticleRef, NormalizedArticle, TaggedArticle
from tasks.entities import extract_entities
from tasks.keywords import extract_keywords
from tasks.nlp import read_article
from tasks.runtime import Runtime
from tasks.stage import StageTask, run_stage
from tasks.tagger import Tagger


def tag(article: NormalizedArticle, tagger: Tagger) -> TaggedArticle:
    """Read only headline and paragraphs: normalize keeps related teasers apart for this."""
    headline, body, language = article.headline, article.body_text, article.language
    readings = read_article(headline, body, language)  # tokens and lemmas, once
    entities = extract_entities(headline, body, language)
    names = [*entities.people, *entities.organisations, *entities.places]
    # The article's fields as stored (already valid models), not dumped and rebuilt; not
    # ``dict(article)`` either, a Python generator over the fields (8 µs, 0.6 % of the stage).
    # Validating is cheaper than ``model_construct``, which is Python code: 9 µs against 13.
    return TaggedArticle.model_validate(
        {
            **article.__dict__,
            "subjects": tagger.tag(headline, body, language, readings),
            "people": entities.people,
            "organisations": entities.organisations,
            "places": entities.places,
            "keywords": extract_keywords(
                headline, body, language, tagger.rarity(language), names, readings
            ),
        }
    )


def _work(runtime: Runtime, ref: ArticleRef, normalized_json: str) -> TaggedArticle:
    return tag(NormalizedArticle.model_validate_json(normalized_json), runtime.tagger)


@shared_task(name="newsflow.tag", bind=True, base=StageTask)
def tag_task(self: StageTask, article_id: str, version: int) -> None:
    run_stage(self, "tag", article_id, version, _work)
