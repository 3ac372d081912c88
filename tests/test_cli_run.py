"""``newsflow run``: the embedded default, as a user runs it (a real subprocess, no Redis)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import NEWSFLOW, ROOT, SEED, newsflow_env


def run(*args: str, cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """``newsflow run ARGS`` in ``cwd``, with extra environment ``settings``."""
    # An unreachable Redis proves the embedded mode never connects to one.
    env = newsflow_env("redis://127.0.0.1:1/0") | settings
    return subprocess.run(
        [*NEWSFLOW, "run", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_json_prints_the_seed_document(tmp_path: Path) -> None:
    result = run("--json", str(SEED), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    document = json.loads(line)
    assert document["language"] == "fr"
    headline = document["headlines"][0]["value"]
    assert headline.startswith("Vladimir Poutine affirme être « prêt à travailler » avec Kiev")
    assert "|LCI" not in headline
    assert document["infosources"][0]["name"] == "LCI"
    body = document["bodies"][0]["value"]
    assert body.startswith("Dans un développement choc")
    assert body.endswith("Les prochains jours seront cruciaux.")
    assert "Related Posts" not in body and "Diddy" not in body
    assert "medtop:11000000" in [s["literal"] for s in document["subjects"]]
    assert not (tmp_path / "out").exists()


def test_run_writes_documents_and_subscriber_matches(tmp_path: Path) -> None:
    examples = ROOT / "examples"
    result = run(
        "--subscribers",
        str(examples / "subscribers.toml"),
        "--out",
        "results",
        str(examples / "articles"),
        str(SEED),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "results"
    inputs = [p for p in (examples / "articles").iterdir() if not p.name.startswith(".")]
    documents = sorted(out.glob("*.json"))
    assert len(documents) == len(inputs) + 1
    assert "lci-poutine-kiev" in result.stdout and "published to results/" in result.stdout
    politics = (out / "subscribers" / "politics-desk.jsonl").read_text().splitlines()
    assert "lci-poutine-kiev" in [json.loads(x)["newsflow"]["article_id"] for x in politics]
    for line in (out / "subscribers" / "sport-en.jsonl").read_text().splitlines():
        document = json.loads(line)
        assert document["language"] == "en"


def test_run_reports_bad_input_and_carries_on(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "good.txt").write_text("Title|Wire\n\nVoters went to the polls on Sunday.\n")
    result = run(
        "--out", "o", str(tmp_path / "empty.txt"), str(tmp_path / "good.txt"), cwd=tmp_path
    )
    assert result.returncode == 1
    assert "empty.txt" in result.stderr and "content" in result.stderr
    assert (tmp_path / "o" / "good.json").exists()


def test_submit_refuses_invalid_input_before_touching_redis(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    result = subprocess.run(
        [*NEWSFLOW, "submit", "--url", "not-a-url", str(tmp_path / "empty.txt")],
        env=newsflow_env("redis://127.0.0.1:1/0"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert "content: Value error, content is empty" in result.stderr
    assert "url:" in result.stderr
