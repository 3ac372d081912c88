"""The topic evaluation at a smaller size: the floors the full run (benchmarks.topics) reports."""

from __future__ import annotations

from benchmarks.corpus import TEST_PERCENT, bbc_english, french, is_test
from benchmarks.topics import (
    articles_per_second,
    evaluate,
    sample,
    speed_articles,
    tag_stage_cost,
)
from tasks.tagger import load_tagger

ENGLISH_FLOOR = 0.92
FRENCH_FLOOR = 0.85


def test_english_top_level_macro_f1_on_held_out_bbc() -> None:
    examples = sample(bbc_english("test"), 150)
    assert len(examples) >= 140 and len({e.label for e in examples}) == 5
    report = evaluate("en", examples, load_tagger())
    assert report.macro_f1 >= ENGLISH_FLOOR, report.lines(str)


def test_french_top_level_macro_f1_on_project_written_test_part() -> None:
    examples = french("test")
    assert len(examples) == 40
    report = evaluate("fr", examples, load_tagger())
    assert report.macro_f1 >= FRENCH_FLOOR, report.lines(str)


def test_split_is_stable_and_disjoint() -> None:
    train = {e.key for e in bbc_english("train")}
    test = {e.key for e in bbc_english("test")}
    assert not train & test
    assert abs(len(test) / (len(train) + len(test)) * 100 - TEST_PERCENT) < 5
    assert all(is_test(key) for key in test)
    assert not {e.key for e in french("dev")} & {e.key for e in french("test")}


def test_speed_measurement_runs_on_3kb_articles() -> None:
    articles = speed_articles(bbc_english("test"), 5)
    assert all(len(a.body) == 3000 for a in articles)
    assert articles_per_second(articles, load_tagger()) > 0


def test_tag_stage_cost_measurement_runs_per_language() -> None:
    costs = tag_stage_cost(count=2, repeat=1)
    assert set(costs) == {"all", "en", "fr"}
    assert all(per_article > 0 and per_words > 0 for per_article, per_words in costs.values())
