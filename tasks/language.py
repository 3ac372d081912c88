"""Language identification with py3langid (a model shipped in the package, no downloads)."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

#: Enough text to decide; more only costs time.
_SAMPLE_CHARS = 3000


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float]:
    """The ISO 639-1 code of ``text`` and the detector's confidence between 0 and 1."""
    language, confidence = _identifier().classify(text[:_SAMPLE_CHARS])
    return str(language), round(float(confidence), 4)
