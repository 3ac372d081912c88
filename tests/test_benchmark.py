"""The benchmark entry point runs end to end in a tiny configuration and writes its JSON.

Only the shape of the results is checked: timings are measurements, not test outcomes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from schemas import STAGES
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_python_m_benchmarks_writes_its_results(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--processes", "1", "--articles", "3",
         "--out", str(out), "--no-plot", "--env", "NEWSFLOW_TASK_EVENTS=true"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((out / "results.json").read_text("utf-8"))
    stages = [(s["stage"], s["articles"]) for s in results["inprocess"]["stages"]]
    assert stages == [
        ("ingest", "text"),
        ("normalize", "text"),
        ("tag", "text"),
        ("thumbnail", "text"),
        ("publish", "text"),
        ("thumbnail", "lead image"),
    ]
    runs = {(r["mode"], r["load"]): r for r in results["endtoend"]["runs"]}
    assert set(runs) == {("ceiling", "full"), ("newsflow", "full"), ("newsflow", "half")}
    assert runs["newsflow", "full"]["count"] == 3
    assert len(runs["newsflow", "full"]["latencies_ms"]) == 3
    assert all(r["articles_per_s"] > 0 and r["p99_ms"] >= r["p50_ms"] for r in runs.values())
    assert all(r["worker_cpu_ms"] > 0 for r in runs.values())
    # Each stage's CPU inside the workers comes from its events; the no-op chain has none.
    assert list(runs["newsflow", "full"]["stage_cpu_ms"]) == list(STAGES)
    assert all(cpu > 0 for cpu in runs["newsflow", "full"]["stage_cpu_ms"].values())
    assert runs["ceiling", "full"]["stage_cpu_ms"] == {}
    capacity = results["capacity"]["stages"]
    assert [c["stage"] for c in capacity] == [*STAGES, "thumbnail (lead image)"]
    assert all(c["ms_per_article"] > c["in_worker_ms"] > 0 for c in capacity)
    assert len(results["targets"]) == 5
    # What the ratio could reach with a free claim check: the stages' own share bounds it.
    assert 0 < results["ratio_bound"] < 1 and "Bound of the CPU ratio" in result.stdout
    assert "articles/s" in result.stdout and "Targets" in result.stdout
    assert results["settings"] == {"NEWSFLOW_TASK_EVENTS": "true"}
    # How fast the machine runs Python, printed first, so runs on two machines compare.
    reference = results["machine"]["reference_ms"]
    assert reference > 0 and result.stdout.startswith("Machine: ")
    assert f"reference workload {reference} ms CPU" in result.stdout


def test_benchmark_settings_reach_both_chains_workers_and_are_checked(tmp_path: Path) -> None:
    from benchmarks.endtoend import bench_env

    env = bench_env("redis://127.0.0.1:1/0", tmp_path, {"NEWSFLOW_SOFT_SHUTDOWN_TIMEOUT": "5"})
    assert env["NEWSFLOW_SOFT_SHUTDOWN_TIMEOUT"] == "5"  # over the benchmark's own default
    assert env["NEWSFLOW_REDIS_URL"] == "redis://127.0.0.1:1/0"
    refused = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--env", "TASK_EVENTS=true"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 2 and "NEWSFLOW_NAME=VALUE" in refused.stderr
