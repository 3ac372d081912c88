"""Shared fixtures: a private redis-server per session and real ``newsflow worker`` processes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "samples" / "lci-poutine-kiev.txt"
NEWSFLOW = [sys.executable, "-m", "workers"]


def dies_with_tests(command: list[str]) -> list[str]:
    """``command`` sent SIGTERM when the test process dies, even by SIGKILL, so a killed test
    run leaves no worker or redis-server behind (util-linux's setpriv, where there is one)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", *command] if setpriv else command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServer:
    """A private redis-server on a free port; restartable, optionally durable, with a password."""

    directory: Path
    port: int = field(default_factory=free_port)
    password: str | None = None
    appendonly: bool = False
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def client(self) -> Redis:
        return Redis.from_url(self.url, decode_responses=True)

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is required: `make test` installs it"
        args = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(self.directory),
            "--logfile",
            str(self.directory / "redis.log"),
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "always",
        ]
        if self.password:
            args += ["--requirepass", self.password]
        self.process = subprocess.Popen(dies_with_tests(args))
        client = self.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.process.kill()
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of our own on a free port, so tests never touch a shared one."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_db(redis_server: RedisServer) -> Iterator[Redis]:
    """An empty database for one test."""
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


@dataclass
class Workers:
    """Real worker processes and the environment they (and the CLI) run with."""

    env: dict[str, str]
    logs: list[Path]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def cli(
        self, *args: str, stdin: bytes | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*NEWSFLOW, *args],
            env=self.env,
            input=stdin.decode() if stdin else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"newsflow {' '.join(args)} failed:\n{result.stderr}")
        return result

    def log_lines(self) -> list[str]:
        return [line for log in self.logs for line in log.read_text("utf-8").splitlines()]


def newsflow_env(redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update(
        NEWSFLOW_REDIS_URL=redis_url,
        NEWSFLOW_LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
        NEWSFLOW_RETRY_BASE_DELAY="0.2",
        **extra,
    )
    return env


def start_workers(
    env: dict[str, str], directory: Path, count: int, *extra: str, first: int = 0
) -> Workers:
    """``count`` worker processes, each the leader of its own process group (for SIGKILL)."""
    workers = Workers(
        env=env, logs=[directory / f"worker-{i}.log" for i in range(first, first + count)]
    )
    for index, log in enumerate(workers.logs, start=first):
        with log.open("wb") as sink:
            workers.processes.append(
                subprocess.Popen(
                    dies_with_tests(
                        [
                            *NEWSFLOW,
                            "worker",
                            "--concurrency",
                            "2",
                            "--name",
                            f"test{index}@%h",
                            *extra,
                        ]
                    ),
                    env=env,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    cwd=directory,
                    start_new_session=True,
                )
            )
    return workers


def stop_workers(workers: Workers) -> None:
    for process in workers.processes:
        process.terminate()
    for process in workers.processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
