"""The IPTC Media Topics vocabulary shipped with newsflow (CC BY 4.0, credit IPTC)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

MEDTOP_PREFIX = "medtop:"


@dataclass(frozen=True)
class Vocabulary:
    """Codes (``medtop:NNNNNNNN``) with English labels and their parent concept."""

    labels: dict[str, str]
    parents: dict[str, str]

    def label(self, code: str) -> str:
        return self.labels[code]

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


@cache
def load_vocabulary() -> Vocabulary:
    """Load the bundled vocabulary once per process."""
    raw = json.loads(resources.files("tasks").joinpath("data/mediatopics.json").read_text("utf-8"))
    labels: dict[str, str] = {}
    parents: dict[str, str] = {}
    for number, concept in raw["concepts"].items():
        code = MEDTOP_PREFIX + number
        labels[code] = concept["label"]
        if concept["broader"]:
            parents[code] = MEDTOP_PREFIX + concept["broader"]
    return Vocabulary(labels=labels, parents=parents)
