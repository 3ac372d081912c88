"""The ``newsflow`` command: run, submit, worker, subscribe, status, queues, trace, health."""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from redis import Redis

from schemas import STAGES, ArticleRef, Submission
from tasks.errors import PermanentError
from tasks.keys import Keys
from tasks.pipeline import new_trace_id, run_inline
from tasks.store import ArticleStore, DeadLetter
from tasks.subscribers import SubscribersFileError, load_subscribers
from tasks.tagger import load_tagger
from tasks.vocabulary import load_vocabulary
from workers.envelopes import read_envelopes
from workers.inputs import read_inputs
from workers.settings import Settings, redact
from workers.table import render, shorten

DEAD_LETTER_ID = re.compile(r"^\d+-\d+$")


def _validation_message(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'submission'}: {e['msg']}" for e in error.errors()
    )


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The embedded default: every stage in this process, no Redis, results on disk."""
    subscribers = load_subscribers(args.subscribers or settings.subscribers_file)
    vocabulary, tagger = load_vocabulary(), load_tagger(settings.topics_file)
    # Renditions go beside the documents; with --json nothing is written to --out.
    images = settings.image_config(None if args.json else args.out / "media")
    out: Path = args.out
    matches: dict[str, list[str]] = {s.name: [] for s in subscribers}
    rows: list[list[object]] = []
    failures = 0
    for source in read_inputs(args.paths):
        name = source.name
        try:
            submission = source.submission(id=source.id or source.stem)
            ref = ArticleRef(
                article_id=submission.id or new_trace_id(), version=1, trace_id=new_trace_id()
            )
            article, record = run_inline(ref, submission, subscribers, vocabulary, tagger, images)
        except (OSError, ValidationError, PermanentError) as error:
            failures += 1
            reason = _validation_message(error) if isinstance(error, ValidationError) else error
            print(f"error: {name}: {reason}", file=sys.stderr)
            continue
        line = json.dumps(record.document, ensure_ascii=False)
        for subscriber in record.subscribers:
            matches[subscriber].append(line)
        if args.json:
            print(line, flush=True)
            continue
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{ref.article_id}.json").write_text(
            json.dumps(record.document, ensure_ascii=False, indent=2) + "\n", "utf-8"
        )
        topics = ", ".join(f"{t.name} {t.relevance}" for t in article.subjects[:3])
        rows.append(
            [
                ref.article_id,
                article.language,
                shorten(article.headline, 50),
                shorten(topics, 50) or "-",
                ", ".join(record.subscribers) or "-",
            ]
        )
    if not args.json:
        if subscribers:
            (out / "subscribers").mkdir(parents=True, exist_ok=True)
        for subscriber, lines in matches.items():
            text = "".join(f"{line}\n" for line in lines)
            (out / "subscribers" / f"{subscriber}.jsonl").write_text(text, "utf-8")
        if rows:
            print(render(["article", "lang", "headline", "topics", "subscribers"], rows))
            print(f"\n{len(rows)} published to {out}/ ({failures} failed)")
    return 1 if failures else 0


def _redis_runtime(settings: Settings) -> Any:
    from tasks import runtime
    from workers.app import app  # noqa: F401  (configures the runtime and the Celery app)

    return runtime.current()


def cmd_submit(args: argparse.Namespace, settings: Settings) -> int:
    """Validate each input and enqueue the valid ones; ids on stdout, refusals on stderr."""
    from tasks.pipeline import submit

    submissions: list[Submission] = []
    refused = 0
    candidates = list(_envelope_candidates(args) if args.envelope else _file_candidates(args))
    if args.id and len(candidates) != 1:
        print("error: --id needs exactly one input", file=sys.stderr)
        return 2
    context = _redis_runtime(settings)
    for name, build in candidates:
        try:
            submission = build()
            context.limits.check_submission(submission)
            submissions.append(submission)
        except (OSError, ValueError, PermanentError) as error:
            refused += 1
            reason = _validation_message(error) if isinstance(error, ValidationError) else error
            print(f"refused: {name}: {reason}", file=sys.stderr)
    for submission in submissions:
        print(submit(context, submission).article_id, flush=True)
    return 1 if refused else 0


def _file_candidates(args: argparse.Namespace) -> Iterator[tuple[str, Callable[[], Submission]]]:
    """Files (or feed items) with the producer's options from the command line."""
    options = {
        "content_type": args.content_type,
        "id": args.id,
        "source": args.source,
        "url": args.url,
        "images": args.image,
    }
    for source in read_inputs(args.paths):
        yield source.name, partial(source.submission, **options)


def _envelope_candidates(
    args: argparse.Namespace,
) -> Iterator[tuple[str, Callable[[], Submission]]]:
    """Whole submissions given as JSON; an invalid one raises when built."""
    for name, found in read_envelopes(args.paths):
        yield name, partial(_unwrap, found)


def _unwrap(found: Submission | Exception) -> Submission:
    if isinstance(found, Exception):
        raise found
    return found


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from workers.supervise import supervise

    argv = [
        "--quiet",
        "worker",
        f"--queues={args.queues}",
        f"--concurrency={args.concurrency}",
        f"--loglevel={settings.log_level}",
        "--without-mingle",
        "--without-gossip",
        f"--hostname={args.name or f'newsflow-{os.getpid()}@{socket.gethostname()}'}",
        *(f"--include={module}" for module in args.include),
    ]
    from workers.metrics import exporter

    with exporter(settings.metrics_port):
        return supervise(argv)


def cmd_subscribe(args: argparse.Namespace, settings: Settings) -> int:
    """Print a subscriber's documents, acknowledging each once it is printed."""
    from workers.subscribe import StreamReader

    context = _redis_runtime(settings)
    store = context.store
    reader = StreamReader(
        redis=store.redis,
        stream=store.keys.subscriber(args.name),
        group=args.group,
        consumer=args.consumer or f"{socket.gethostname()}-{os.getpid()}",
        claim_idle_ms=int(args.claim_idle * 1000),
    )
    for entry in reader.entries(limit=args.count, timeout=args.timeout):
        if args.json:
            print(entry.document, flush=True)
        else:
            document = json.loads(entry.document)
            headline = document.get("headlines", [{}])[0].get("value", "")
            print(
                f"{entry.stream_id}  {entry.article_id} v{entry.version}  "
                f"{document.get('language', '')}  {shorten(headline, 80)}",
                flush=True,
            )
        reader.ack(entry)
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """The article's stage timeline, from its state in Redis."""
    store = _redis_runtime(settings).store
    version = args.version or store.latest_version(args.id)
    if version is None:
        print(
            f"error: no article {args.id!r} (never submitted, or its state expired)",
            file=sys.stderr,
        )
        return 1
    timeline = store.timeline(args.id, version)
    outcome = store.outcome(args.id, version) or "in progress"
    report = {
        "article_id": args.id,
        "version": version,
        "trace_id": store.trace_id(args.id, version),
        "outcome": outcome,
        "stages": {stage: timeline.get(stage, {"state": "pending"}) for stage in STAGES},
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"article {args.id} v{version}  trace {report['trace_id']}  {outcome}")
    rows = []
    for stage in STAGES:
        event = timeline.get(stage, {})
        duration, cpu = event.get("duration_ms"), event.get("cpu_ms")
        rows.append(
            [
                stage,
                event.get("state", "pending"),
                event.get("started_at", "-"),
                "-" if duration is None else f"{duration:.1f} ms",
                "-" if cpu is None else f"{cpu:.1f} ms",
                event.get("worker", "-"),
                event.get("attempts", 0),
                shorten(event.get("error") or "", 60),
            ]
        )
    headers = ["stage", "state", "started", "duration", "CPU", "worker", "attempts", "error"]
    print(render(headers, rows))
    return 0


def _letter_summary(letter: DeadLetter) -> dict[str, str]:
    return {k: v for k, v in letter.fields.items() if k != "submission"} | {"id": letter.entry_id}


def cmd_dead_letters(args: argparse.Namespace, settings: Settings) -> int:
    """List, show, replay or purge articles whose stage failed for good."""
    from tasks.pipeline import replay

    context = _redis_runtime(settings)
    store = context.store
    if args.action == "list":
        summaries = [_letter_summary(letter) for letter in store.dead_letters(args.count)]
        if args.json:
            print(json.dumps(summaries, ensure_ascii=False))
        elif summaries:
            columns = ["id", "article_id", "version", "stage", "attempts", "error_type", "error"]
            rows = [
                [letter[c] for c in columns[:-1]] + [shorten(letter["error"], 60)]
                for letter in summaries
            ]
            print(render(columns, rows))
        else:
            print("no dead letters")
        return 0
    if args.action == "purge":
        print(f"purged {store.purge_dead_letters()} dead letters")
        return 0
    letters = store.dead_letters(count=1_000_000) if args.all else _find_letters(store, args.id)
    if not letters:
        print(f"error: no dead letter {args.id!r}", file=sys.stderr)
        return 1
    if args.action == "show":
        shown = [letter.fields | {"id": letter.entry_id} for letter in letters]
        print(
            json.dumps(
                shown if len(shown) > 1 else shown[0],
                ensure_ascii=False,
                indent=None if args.json else 2,
            )
        )
        return 0
    for letter in letters:
        ref = replay(context, letter)
        print(
            ref.article_id
            if not args.json
            else json.dumps(
                {
                    "replayed": letter.entry_id,
                    "article_id": ref.article_id,
                    "version": ref.version,
                    "from_stage": letter.stage,
                }
            )
        )
    return 0


def _find_letters(store: ArticleStore, key: str | None) -> list[DeadLetter]:
    """A dead letter by its stream id, or every dead letter of an article id."""
    if key is None:
        return []
    if DEAD_LETTER_ID.match(key):
        letter = store.dead_letter_entry(key)
        return [letter] if letter else []
    return [
        letter
        for letter in store.dead_letters(count=1_000_000)
        if letter.fields.get("article_id") == key
    ]


def _state_redis(settings: Settings) -> Redis:
    """A plain client for the monitoring commands, which need no stage runtime."""
    return Redis.from_url(
        settings.redis_url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
    )


def cmd_queues(args: argparse.Namespace, settings: Settings) -> int:
    """Backlog and in-flight messages per stage, subscriber lag, dead letters."""
    from workers.monitor import overview, render_overview

    configured = [s.name for s in load_subscribers(settings.subscribers_file)]
    view = overview(settings.broker, _state_redis(settings), Keys(settings.key_prefix), configured)
    print(view.to_json() if args.json else render_overview(view))
    return 0


def cmd_trace(args: argparse.Namespace, settings: Settings) -> int:
    """One article's stage events, dead letters and, with --log, its log lines."""
    from workers.trace import from_state, log_lines, render_trace

    store = ArticleStore(
        _state_redis(settings),
        Keys(settings.key_prefix),
        settings.state_ttl_seconds,
        settings.stream_maxlen,
    )
    trace = from_state(store, args.id, args.version)
    trace.log_lines = log_lines(args.log, args.id, args.version, trace.task_ids)
    print(trace.to_json() if args.json else render_trace(trace))
    return 0 if trace.trace_id or trace.log_lines or trace.dead_letters else 1


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    """Probe: Redis, the broker and a worker's heartbeat; exit 0 when all answer."""
    from workers.health import report, run_checks

    checks = run_checks(
        _state_redis(settings), Keys(settings.key_prefix), settings.broker, args.worker
    )
    print(report(checks, args.json))
    return 0 if all(check.ok for check in checks) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run every stage in-process, no Redis needed")
    run.add_argument("paths", nargs="+", metavar="PATH", help="files or directories, - for stdin")
    run.add_argument("--out", type=Path, default=Path("out"), help="output directory")
    run.add_argument("--json", action="store_true", help="one ninjs document per line on stdout")
    run.add_argument("--subscribers", type=Path, help="subscribers TOML file")
    run.set_defaults(handler=cmd_run)

    submit = commands.add_parser("submit", help="validate and enqueue articles")
    submit.add_argument(
        "paths", nargs="+", metavar="PATH", help="files or directories, - for stdin"
    )
    submit.add_argument(
        "--envelope",
        action="store_true",
        help="each PATH holds whole submissions as JSON (object, array or JSON Lines)",
    )
    submit.add_argument("--id", help="article id (one input only)")
    submit.add_argument("--source", help="provider name")
    submit.add_argument("--url", help="the article's URL")
    submit.add_argument("--image", action="append", help="an image URL (repeatable)")
    submit.add_argument("--content-type", choices=["auto", "text", "html", "markdown", "json"])
    submit.set_defaults(handler=cmd_submit)

    worker = commands.add_parser("worker", help="start a Celery worker")
    worker.add_argument("--queues", default=",".join(STAGES), help="comma-separated queues")
    worker.add_argument("--concurrency", type=int, default=os.cpu_count() or 1)
    worker.add_argument("--name", help="worker node name (default newsflow-PID@host)")
    worker.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="MODULE",
        help="also import MODULE in the worker (e.g. your own Celery signal handlers)",
    )
    worker.set_defaults(handler=cmd_worker)

    subscribe = commands.add_parser("subscribe", help="read a subscriber's stream")
    subscribe.add_argument("name")
    subscribe.add_argument("--count", type=int, help="stop after this many documents")
    subscribe.add_argument("--timeout", type=float, help="stop after this many seconds")
    subscribe.add_argument("--json", action="store_true", help="print whole documents")
    subscribe.add_argument("--group", default="newsflow", help="consumer group")
    subscribe.add_argument("--consumer", help="consumer name (default host-PID)")
    subscribe.add_argument(
        "--claim-idle",
        type=float,
        default=60.0,
        help="reclaim entries pending this many seconds in a dead consumer",
    )
    subscribe.set_defaults(handler=cmd_subscribe)

    dead = commands.add_parser("dead-letters", help="list, show, replay or purge dead letters")
    dead.add_argument("action", choices=["list", "show", "replay", "purge"])
    dead.add_argument("id", nargs="?", help="a dead letter's stream id, or an article id")
    dead.add_argument("--all", action="store_true", help="replay: every dead letter")
    dead.add_argument("--count", type=int, default=100, help="list: at most this many")
    dead.add_argument("--json", action="store_true")
    dead.set_defaults(handler=cmd_dead_letters)

    status = commands.add_parser("status", help="an article's stage timeline")
    status.add_argument("id")
    status.add_argument("--version", type=int)
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)

    queues = commands.add_parser(
        "queues", help="stage queue depths, subscriber lag and pending, dead letters"
    )
    queues.add_argument("--json", action="store_true")
    queues.set_defaults(handler=cmd_queues)

    trace = commands.add_parser("trace", help="an article's whole flow, with its log lines")
    trace.add_argument("id")
    trace.add_argument("--version", type=int, help="default: the latest (logs: every version)")
    trace.add_argument(
        "--log",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="a worker log file to take the article's lines from (repeatable)",
    )
    trace.add_argument("--json", action="store_true")
    trace.set_defaults(handler=cmd_trace)

    health = commands.add_parser("health", help="probe: Redis, broker, a worker answering")
    health.add_argument(
        "--worker",
        default="*",
        metavar="NODE",
        help="node name or glob that must answer; %%h is this host (default: any worker)",
    )
    health.add_argument("--json", action="store_true")
    health.set_defaults(handler=cmd_health)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"error: configuration: {redact(_validation_message(error))}", file=sys.stderr)
        return 2
    from workers.logging import configure_logging

    configure_logging(settings.log_format, settings.log_level)
    try:
        return int(args.handler(args, settings))
    except SubscribersFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
