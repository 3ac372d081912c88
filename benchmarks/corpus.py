"""Labelled news for training and evaluating the topic tagger, with a fixed split.

English: the BBC News dataset under ``shared/eval/topics/bbc-en``. Each article falls in
the training or the test part by a hash of its path, so the split never changes and the
test part is never trained on. French: project-written texts in ``benchmarks/data``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Split = Literal["train", "dev", "test", "all"]
#: Share of each corpus held out for testing, in percent.
TEST_PERCENT = 30
_HERE = Path(__file__).resolve().parent
FRENCH_FILE = _HERE / "data" / "topics-fr.jsonl"


@dataclass(frozen=True)
class Example:
    """One labelled article; ``label`` is an IPTC top-level code."""

    key: str
    language: str
    headline: str
    body: str
    label: str


def shared_dir() -> Path:
    """``NEWSFLOW_SHARED_DIR``, else the ``shared`` folder beside the checkout."""
    configured = os.environ.get("NEWSFLOW_SHARED_DIR")
    candidates = [Path(configured)] if configured else []
    candidates += [_HERE.parent.parent / "shared", Path("/work/shared")]
    for candidate in candidates:
        if (candidate / "eval" / "topics").is_dir():
            return candidate
    raise FileNotFoundError(f"no shared data directory among {[str(c) for c in candidates]}")


def is_test(key: str) -> bool:
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 100 < TEST_PERCENT


def _keep(key: str, split: Split) -> bool:
    return split == "all" or (split == "test") == is_test(key)


def bbc_english(split: Split) -> list[Example]:
    """The BBC articles of one part of the split, in a stable order."""
    root = shared_dir() / "eval" / "topics" / "bbc-en"
    labels: dict[str, str] = json.loads((root / "labels.json").read_text())["iptc_top_level"]
    examples: list[Example] = []
    for category, code in sorted(labels.items()):
        for path in sorted((root / category).glob("*.txt")):
            key = f"bbc-en/{category}/{path.name}"
            if not _keep(key, split):
                continue
            headline, _, body = path.read_text("utf-8", errors="replace").partition("\n")
            examples.append(Example(key, "en", headline.strip(), body.strip(), code))
    return examples


def french(split: Split) -> list[Example]:
    """Project-written French news briefs; the split is stored in the file itself."""
    examples: list[Example] = []
    for line in FRENCH_FILE.read_text("utf-8").splitlines():
        item = json.loads(line)
        if split in ("all", item["split"]):
            examples.append(
                Example(item["id"], "fr", item["headline"], item["body"], item["label"])
            )
    return examples
