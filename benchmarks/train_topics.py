"""Train the English topic model and export it as ``tasks/data/topic-model.npz``.

    python -m benchmarks.train_topics [--cv]

Training data: the training part of the BBC split (5 top-level topics) plus one short
document per IPTC concept (label, definition and lexicon terms) filed under its top-level
topic, so the 12 topics BBC lacks can still be predicted. scikit-learn is needed here only;
the workers read the arrays with numpy.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import cross_val_predict

from benchmarks.corpus import bbc_english, shared_dir
from tasks.nlp import lemmas
from tasks.tagger import bundled_lexicon, model_features

OUTPUT = Path(__file__).resolve().parent.parent / "tasks" / "data" / "topic-model.npz"
#: Regularisation chosen by 5-fold cross-validation on the training part (--cv).
C = 20.0
#: Weight of one IPTC concept document against one news article.
CONCEPT_WEIGHT = 3.0
MIN_DF = 2


def article_features(headline: str, body: str, language: str = "en") -> list[str]:
    """The same features the tagger computes at run time (headline counted twice)."""
    return model_features(lemmas(headline, language), language) * 2 + model_features(
        lemmas(body, language), language
    )


def concept_documents() -> list[tuple[list[str], str]]:
    """One document per non-retired IPTC concept, labelled with its top-level ancestor."""
    raw = json.loads((shared_dir() / "vocab" / "iptc-mediatopic-en-US.json").read_text())
    concepts = {c["qcode"]: c for c in raw["conceptSet"] if not c.get("retired")}
    terms: dict[str, list[str]] = defaultdict(list)
    for code, entry in bundled_lexicon().items():
        if not code.startswith("_"):
            terms[code] += entry["en"]

    def top(code: str) -> str:
        seen = {code}
        while broader := [
            f"medtop:{uri.rsplit('/', 1)[-1]}"
            for uri in concepts[code].get("broader", [])
            if f"medtop:{uri.rsplit('/', 1)[-1]}" in concepts
        ]:
            code = broader[0]
            if code in seen:
                break
            seen.add(code)
        return code

    documents = []
    for code, concept in sorted(concepts.items()):
        text = " ".join(
            [
                concept["prefLabel"].get("en-US", ""),
                concept.get("definition", {}).get("en-US", ""),
                " ".join(terms.get(code, [])),
            ]
        )
        documents.append((article_features("", text), top(code)))
    return documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cv", action="store_true", help="report 5-fold CV on the train part")
    args = parser.parse_args()
    articles = bbc_english("train")
    docs = [article_features(a.headline, a.body) for a in articles]
    labels = [a.label for a in articles]
    concept_docs = concept_documents()
    docs += [features for features, _ in concept_docs]
    labels += [label for _, label in concept_docs]
    weights = np.array([1.0] * len(articles) + [CONCEPT_WEIGHT] * len(concept_docs))
    vectorizer = TfidfVectorizer(
        analyzer=lambda features: features, sublinear_tf=True, min_df=MIN_DF, dtype=np.float64
    )
    matrix = vectorizer.fit_transform(docs)
    model = LogisticRegression(C=C, max_iter=3000)
    if args.cv:
        known = labels[: len(articles)]
        predicted = cross_val_predict(model, matrix[: len(articles)], known, cv=5)
        print(f"5-fold CV macro-F1 on BBC train: {f1_score(known, predicted, average='macro'):.4f}")
    model.fit(matrix, labels, sample_weight=weights)
    names = vectorizer.get_feature_names_out()
    np.savez_compressed(
        OUTPUT,
        languages=np.array("en"),
        en_features=np.array("\n".join(names)),
        en_idf=vectorizer.idf_.astype(np.float32),
        en_weights=model.coef_.T.astype(np.float16),
        en_bias=model.intercept_.astype(np.float32),
        en_classes=np.array(" ".join(model.classes_)),
    )
    print(
        f"{len(articles)} articles + {len(concept_docs)} concept documents, "
        f"{len(names)} features, {len(model.classes_)} topics -> {OUTPUT} "
        f"({OUTPUT.stat().st_size // 1024} KiB)"
    )


if __name__ == "__main__":
    main()
