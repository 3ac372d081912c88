"""The IPTC Media Topics vocabulary shipped with newsflow (CC BY 4.0, credit IPTC).

English labels and the hierarchy come from IPTC's release; French labels, for the
concepts the tagger emits, were written for newsflow (``data/mediatopics-fr.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

MEDTOP_PREFIX = "medtop:"


@dataclass(frozen=True)
class Vocabulary:
    """Codes (``medtop:NNNNNNNN``) with labels per language and their parent concept."""

    labels: dict[str, str]
    parents: dict[str, str]
    #: Labels in other languages than English, by language then code.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, code: str, language: str = "en") -> str:
        """The label in ``language`` where one exists, else IPTC's English label."""
        return self.translations.get(language, {}).get(code) or self.labels[code]

    def ancestors(self, code: str) -> list[str]:
        """The concept's broader concepts, nearest first, up to the top level."""
        chain: list[str] = []
        while (parent := self.parents.get(code)) is not None and parent not in chain:
            chain.append(parent)
            code = parent
        return chain

    def is_within(self, code: str, ancestor: str) -> bool:
        """True when ``code`` is ``ancestor`` or one of its descendants."""
        return code == ancestor or ancestor in self.ancestors(code)

    def top_level(self) -> list[str]:
        return sorted(code for code in self.labels if code not in self.parents)


def _data(name: str) -> dict[str, object]:
    return dict(json.loads(resources.files("tasks").joinpath(f"data/{name}").read_text("utf-8")))


@cache
def load_vocabulary() -> Vocabulary:
    """Load the bundled vocabulary once per process."""
    raw = _data("mediatopics.json")
    labels: dict[str, str] = {}
    parents: dict[str, str] = {}
    for number, concept in raw["concepts"].items():  # type: ignore[attr-defined]
        code = MEDTOP_PREFIX + number
        labels[code] = concept["label"]
        if concept["broader"]:
            parents[code] = MEDTOP_PREFIX + concept["broader"]
    french = {
        MEDTOP_PREFIX + number: str(label)
        for number, label in _data("mediatopics-fr.json").items()
        if not number.startswith("_")
    }
    unknown = sorted(set(french) - set(labels))
    if unknown:
        raise ValueError(f"French labels for codes not in the vocabulary: {unknown}")
    return Vocabulary(labels=labels, parents=parents, translations={"fr": french})
