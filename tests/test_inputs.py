"""What the CLI reads: bytes in any encoding, and feed files expanded into one input per item."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_normalize_corpus import FIXTURES
from workers.inputs import read_inputs

FEED = FIXTURES / "en-rss-wire.xml"


def test_a_feed_file_becomes_one_json_input_per_item_with_stable_ids() -> None:
    first = list(read_inputs([str(FEED)]))
    again = list(read_inputs([str(FEED)]))
    assert [source.content_type for source in first] == ["json"] * 3
    assert [source.name for source in first] == [f"{FEED}#1", f"{FEED}#2", f"{FEED}#3"]
    assert [s.id for s in first] == [s.id for s in again]
    assert len({s.id for s in first}) == 3 and all(s.id.startswith("en-rss-wire-") for s in first)
    assert (
        json.loads(first[0].content)["title"] == "Harbour bridge to close for six weeks of repairs"
    )


def test_files_in_legacy_encodings_are_decoded(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("Le café coûte 2 € à l’été.".encode("cp1252"))
    (source,) = read_inputs([str(tmp_path / "a.txt")])
    assert source.content == "Le café coûte 2 € à l’été."
    assert (source.id, source.stem) == (None, "a")


def test_an_unreadable_file_is_reported_when_its_submission_is_built(tmp_path: Path) -> None:
    (source,) = read_inputs([str(tmp_path / "missing.txt")])
    try:
        source.submission()
    except OSError as error:
        assert "missing.txt" in str(error)
    else:
        raise AssertionError("expected the read error")


def test_run_publishes_each_feed_item() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workers", "run", "--json", str(FEED)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    documents = [json.loads(line) for line in result.stdout.splitlines() if '"uri"' in line]
    assert [d["headlines"][0]["value"] for d in documents] == [
        "Harbour bridge to close for six weeks of repairs",
        "Lifeboat crew rescues two kayakers off the point",
        "School wins national robotics prize",
    ]
    assert documents[0]["altids"] == [
        {"role": "url", "value": "https://coastlinepost.example/news/harbour-bridge-repairs"}
    ]
