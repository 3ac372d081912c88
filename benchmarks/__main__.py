"""``python -m benchmarks`` (``make bench``): newsflow's performance, measured as users run it.

1. In-process CPU per stage on the benchmark corpus.
2. End to end through a private redis-server and real ``newsflow worker`` processes,
   at full load and at half load.
3. The ceiling: a five-link no-op chain on the same app, broker and worker settings.
4. The scaling curve over 1, 2 and 4 worker processes.

Prints a table, writes ``results.json`` and ``bench.png`` (default ``out/bench``).
``python -m benchmarks.topics`` is the topic tagger's separate quality evaluation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import endtoend, inprocess, report


def _processes(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item.strip()]


def _setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not (equals and name.startswith("NEWSFLOW_")):
        raise argparse.ArgumentTypeError(f"expected NEWSFLOW_NAME=VALUE, got {text!r}")
    return name, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run (about a minute)")
    parser.add_argument("--processes", type=_processes, help="worker process counts (1,2,4)")
    parser.add_argument("--articles", type=int, help="articles (or no-op chains) per full-load run")
    parser.add_argument("--out", type=Path, default=Path("out/bench"), help="output directory")
    parser.add_argument("--no-plot", action="store_true", help="no bench.png (no matplotlib)")
    parser.add_argument(
        "--env",
        type=_setting,
        action="append",
        default=[],
        metavar="NEWSFLOW_NAME=VALUE",
        help="a setting for the workers of both chains, e.g. NEWSFLOW_TASK_EVENTS=true",
    )
    return parser


def run(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Every measurement of one benchmark run, in one dictionary."""
    processes = args.processes or ([1, 2] if args.quick else [1, 2, 4])
    articles = args.articles or (40 if args.quick else 300)
    started = time.time()
    settings = dict(args.env)
    results: dict[str, Any] = {
        "command": command,
        "machine": report.machine(),
        "settings": settings,
    }
    results["inprocess"] = inprocess.run(
        text_articles=8 if args.quick else 40,
        image_articles=2 if args.quick else 6,
        repeat=1 if args.quick else 5,
    )
    runs: list[endtoend.Run] = []
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-") as directory:
        for count in processes:
            measure = partial(
                endtoend.measure, processes=count, directory=Path(directory), settings=settings
            )
            # The ceiling before and after newsflow's full-load run: the ratio is taken
            # against their mean, so a machine that speeds up or slows down meanwhile
            # (shared or virtual CPUs) moves both sides alike.
            runs.append(measure("ceiling", count=articles, rate=0, load="full"))
            full = measure("newsflow", count=articles, rate=0, load="full")
            runs += [full, measure("ceiling", count=articles, rate=0, load="full")]
            half_rate = full.articles_per_s / 2
            runs.append(measure("newsflow", count=articles // 2, rate=half_rate, load="half"))
    results["endtoend"] = {
        "load": "full: the whole batch submitted at once; half: paced at half the full-load "
        "throughput of the same process count",
        "runs": [r.summary() | {"latencies_ms": r.latencies_ms} for r in runs],
    }
    results["capacity"] = report.capacity(results)
    results["targets"] = report.targets(results)
    results["ratio_bound"] = report.ratio_bound(results)
    results["seconds"] = round(time.time() - started, 1)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    results = run(args, " ".join(["python -m benchmarks", *argv]))
    print(report.table(results))
    written = report.write(results, args.out, plot=not args.no_plot)
    print(f"\n{results['seconds']:.0f} s; wrote {' and '.join(map(str, written))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
