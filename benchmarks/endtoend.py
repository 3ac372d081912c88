"""Parts 2–4: newsflow and the no-op ceiling through a private redis-server and real workers.

Each measurement gets a fresh redis-server and one ``newsflow worker`` with N processes
(prefork children, all five queues). A driver process submits the articles, as
``newsflow submit`` does, and reads the published stream: an article's latency is its
stream entry id (Redis's millisecond clock) minus the moment its submit call began, and
throughput is the article count over first submit to last publish. Full load submits the
whole batch at once; half load paces submissions at half the full-load throughput.

    python -m benchmarks.endtoend drive newsflow|ceiling --count N --rate R ...
is the driver; ``measure`` runs it with the environment the workers got.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from redis import Redis

if TYPE_CHECKING:
    from tasks.keys import Keys

ROOT = Path(__file__).resolve().parent.parent
Mode = Literal["newsflow", "ceiling"]
#: Stream entries as redis-py returns them with ``decode_responses``.
Entries = list[tuple[str, dict[str, str]]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(directory: Path) -> Iterator[tuple[str, int]]:
    """A private, non-persistent redis-server on a free port; yields its URL and pid."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server is required: `make bench` installs it")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory), "--logfile", str(directory / "redis.log")]
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def bench_env(redis_url: str, media: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """Workers and driver share this environment: default settings but the private Redis,
    and ``settings`` (``NEWSFLOW_*`` variables given with ``--env``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update(
        NEWSFLOW_REDIS_URL=redis_url,
        NEWSFLOW_MEDIA_DIR=str(media),
        # Stopping idle workers between measurements need not wait out the default 30 s.
        NEWSFLOW_SOFT_SHUTDOWN_TIMEOUT="2",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


@contextmanager
def worker(env: dict[str, str], processes: int, log: Path, mode: Mode) -> Iterator[int]:
    """One ``newsflow worker`` node with ``processes`` processes on all five queues; yields
    its pid."""
    include = ["--include", "benchmarks.noop"] if mode == "ceiling" else []
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "workers", "worker", "--concurrency", str(processes),
             "--name", f"bench-{mode}@%h", *include],
            env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
    try:
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass(frozen=True)
class Run:
    """One measured batch: throughput and submit→publish latency percentiles."""

    mode: Mode
    processes: int
    load: str
    count: int
    articles_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    worker_cpu_ms: float
    redis_cpu_ms: float
    #: Mean CPU of each stage inside the workers (its ``cpu_ms`` events); newsflow runs only.
    stage_cpu_ms: dict[str, float]
    latencies_ms: list[float]

    def summary(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "latencies_ms"}


def _percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def measure(
    mode: Mode,
    processes: int,
    count: int,
    rate: float,
    load: str,
    directory: Path,
    settings: Mapping[str, str] | None = None,
) -> Run:
    """Start Redis and the worker, drive ``count`` articles at ``rate`` (0: all at once)."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"{mode}-{processes}-{load}-", dir=directory))
    with redis_server(run_dir) as (url, redis_pid):
        env = bench_env(url, run_dir / "media", settings or {})
        with worker(env, processes, run_dir / "worker.log", mode) as worker_pid:
            driver = subprocess.run(
                [sys.executable, "-m", "benchmarks.endtoend", "drive", mode,
                 "--count", str(count), "--rate", str(rate), "--warmup", str(2 * processes + 2),
                 "--pids", f"{worker_pid},{redis_pid}"],
                env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
    if driver.returncode != 0:
        raise RuntimeError(f"benchmark driver failed ({mode}, {processes}):\n{driver.stderr}")
    result = json.loads(driver.stdout.splitlines()[-1])
    latencies = [round(value, 1) for value in result["latencies_ms"]]
    return Run(
        mode=mode,
        processes=processes,
        load=load,
        count=count,
        articles_per_s=round(result["articles_per_s"], 2),
        worker_cpu_ms=round(result["cpu_ms"][0] / count, 2),
        redis_cpu_ms=round(result["cpu_ms"][1] / count, 2),
        stage_cpu_ms=result["stage_cpu_ms"],
        p50_ms=_percentile(latencies, 0.50),
        p95_ms=_percentile(latencies, 0.95),
        p99_ms=_percentile(latencies, 0.99),
        latencies_ms=latencies,
    )


# The driver: runs with the workers' environment, so the apps configure themselves from it.


def _submitter(mode: Mode, count: int) -> tuple[Callable[[Any], None], list[tuple[str, Any]]]:
    """The submit function of ``mode`` and its ``count`` (article id, input) pairs."""
    keys = [f"bench-{index:06d}" for index in range(count)]
    if mode == "ceiling":
        from benchmarks.noop import build_chain

        def send_noop(article_id: str) -> None:
            build_chain(article_id, 1).apply_async()

        return send_noop, [(key, key) for key in keys]

    from benchmarks.articles import text_corpus
    from schemas import Submission
    from tasks import runtime
    from tasks.pipeline import submit
    from workers.app import app  # noqa: F401  (configures the runtime and the Celery app)

    context = runtime.current()

    def send_article(submission: Submission) -> None:
        submit(context, submission)

    articles = text_corpus(count, seed=3)
    return send_article, [
        (key, Submission(content=a.content, id=key)) for key, a in zip(keys, articles, strict=True)
    ]


def _published(redis: Redis, stream: str, after: str, wanted: int, timeout: float) -> list[str]:
    """Stream ids of the next ``wanted`` entries after ``after``."""
    ids: list[str] = []
    deadline = time.monotonic() + timeout
    while len(ids) < wanted:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(ids)} of {wanted} articles published within {timeout} s")
        found = redis.xread({stream: ids[-1] if ids else after}, count=1000, block=1000)
        for _, entries in cast(list[tuple[str, Entries]], found):
            ids += [entry_id for entry_id, _ in entries]
    return ids


def cpu_ms(root: int) -> float:
    """CPU time (user + system) of ``root`` and all its descendants so far, from /proc.

    Unlike throughput, this does not depend on what else the machine is running.
    """
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    tree, queue = set(), [root]
    while queue:
        pid = queue.pop()
        tree.add(pid)
        queue += [child for child, parent in parents.items() if parent == pid]
    return sum(ticks.get(pid, 0) for pid in tree) * 1000 / os.sysconf("SC_CLK_TCK")


def drive(
    mode: Mode, count: int, rate: float, warmup: int, timeout: float, pids: Sequence[int]
) -> dict[str, Any]:
    """Warm every worker process up, then submit ``count`` inputs and time their publication,
    and the CPU the worker tree and redis-server (``pids``) spent meanwhile."""
    from tasks.keys import Keys
    from workers.settings import Settings

    settings = Settings()
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    keys = Keys(settings.key_prefix)
    stream = keys.published
    send, items = _submitter(mode, warmup + count)
    for _, item in items[:warmup]:
        send(item)
    last = _published(redis, stream, "0-0", warmup, timeout=180)[-1]
    submitted: dict[str, float] = {}
    cpu_before = [cpu_ms(pid) for pid in pids]
    started = time.perf_counter()
    for index, (key, item) in enumerate(items[warmup:]):
        if rate > 0:
            time.sleep(max(0.0, started + index / rate - time.perf_counter()))
        submitted[key] = time.time() * 1000
        send(item)
    ids = _published(redis, stream, last, count, timeout)
    cpu = [cpu_ms(pid) - before for pid, before in zip(pids, cpu_before, strict=True)]
    entries = cast(Entries, redis.xrange(stream, min=ids[0], max=ids[-1]))
    published = {fields["article_id"]: int(entry_id.split("-")[0]) for entry_id, fields in entries}
    latencies = [published[key] - at for key, at in submitted.items()]
    elapsed = (max(published.values()) - min(submitted.values())) / 1000
    stage_cpu = _stage_cpu(redis, keys, list(submitted)) if mode == "newsflow" else {}
    return {
        "articles_per_s": count / elapsed,
        "latencies_ms": latencies,
        "cpu_ms": cpu,
        "stage_cpu_ms": stage_cpu,
    }


def _stage_cpu(redis: Redis, keys: Keys, article_ids: Sequence[str]) -> dict[str, float]:
    """Mean CPU ms of each stage inside the workers, from the events the batch left."""
    from schemas import STAGES
    from tasks.keys import event_field

    with redis.pipeline(transaction=False) as pipe:
        for article_id in article_ids:
            pipe.hmget(keys.article(article_id, 1), [event_field(stage) for stage in STAGES])
        rows = cast(list[list[str]], pipe.execute())
    return {
        stage: round(sum(json.loads(row[index])["cpu_ms"] for row in rows) / len(rows), 3)
        for index, stage in enumerate(STAGES)
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.endtoend")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("drive", help="submit and time one batch (internal)")
    command.add_argument("mode", choices=["newsflow", "ceiling"])
    command.add_argument("--count", type=int, required=True)
    command.add_argument("--rate", type=float, default=0.0, help="articles/s; 0: all at once")
    command.add_argument("--warmup", type=int, default=4)
    command.add_argument("--timeout", type=float, default=300.0)
    command.add_argument("--pids", required=True, help="worker,redis-server pids: their CPU")
    args = parser.parse_args(argv)
    pids = [int(pid) for pid in args.pids.split(",") if pid]
    result = drive(args.mode, args.count, args.rate, args.warmup, args.timeout, pids)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
