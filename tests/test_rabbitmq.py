"""The chain with RabbitMQ as the broker and Redis for state and streams.

Runs when a RabbitMQ answers on 127.0.0.1:5672 (guest/guest), the one case where a test
may skip. With ``rabbitmqctl`` at hand (root on the broker's machine) it gets a vhost of
its own, removed afterwards; otherwise it uses the default vhost. Either way its Redis
keys have their own prefix and it checks the stage queues are drained at the end.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest

from schemas import STAGES
from tests.conftest import RedisServer, Workers, newsflow_env, start_workers, stop_workers, wait_for
from tests.corpus import write_articles

pytestmark = pytest.mark.integration

HOST, PORT = "127.0.0.1", 5672
ARTICLES = 20


def rabbitmq_reachable() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=2):
            return True
    except OSError:
        return False


def rabbitmqctl(*args: str) -> bool:
    binary = shutil.which("rabbitmqctl")
    if binary is None:
        return False
    result = subprocess.run([binary, *args], capture_output=True, timeout=120, check=False)
    return result.returncode == 0


@pytest.fixture(scope="module")
def amqp_url() -> Iterator[str]:
    if not rabbitmq_reachable():
        pytest.skip(f"no RabbitMQ reachable on {HOST}:{PORT}")
    vhost = f"newsflow-test-{uuid.uuid4().hex[:12]}"
    if rabbitmqctl("add_vhost", vhost):
        try:
            assert rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
            yield f"amqp://guest:guest@{HOST}:{PORT}/{vhost}"
        finally:
            rabbitmqctl("delete_vhost", vhost)
    else:
        yield f"amqp://guest:guest@{HOST}:{PORT}//"


@pytest.fixture(scope="module")
def rabbit_chain(
    amqp_url: str, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    directory = tmp_path_factory.mktemp("rabbitmq")
    prefix = f"rabbit{uuid.uuid4().hex[:8]}"
    env = newsflow_env(redis_server.url, NEWSFLOW_BROKER_URL=amqp_url, NEWSFLOW_KEY_PREFIX=prefix)
    workers = start_workers(env, directory, 2)
    try:
        paths = write_articles(directory / "in", ARTICLES)
        workers.submitted = workers.cli("submit", *map(str, paths)).stdout.split()  # type: ignore[attr-defined]
        client = redis_server.client()
        assert wait_for(lambda: client.xlen(f"{prefix}:published") >= ARTICLES, timeout=180), (
            f"{client.xlen(f'{prefix}:published')} of {ARTICLES} published"
        )
        workers.prefix = prefix  # type: ignore[attr-defined]
        yield workers
    finally:
        stop_workers(workers)


def test_every_article_is_published_once_through_rabbitmq(
    rabbit_chain: Workers, redis_server: RedisServer
) -> None:
    prefix = rabbit_chain.prefix  # type: ignore[attr-defined]
    entries = redis_server.client().xrange(f"{prefix}:published")
    counts = Counter(fields["article_id"] for _, fields in entries)
    assert set(counts) == set(rabbit_chain.submitted)  # type: ignore[attr-defined]
    assert max(counts.values()) == 1
    status = json.loads(rabbit_chain.cli("status", rabbit_chain.submitted[0], "--json").stdout)  # type: ignore[attr-defined]
    assert status["outcome"] == "published"
    assert [status["stages"][stage]["state"] for stage in STAGES] == ["completed"] * 5


def test_health_and_queues_speak_amqp(rabbit_chain: Workers) -> None:
    report = json.loads(rabbit_chain.cli("health", "--json").stdout)
    assert report["ok"], report
    (broker,) = [check for check in report["checks"] if check["name"] == "broker"]
    assert "amqp" in broker["detail"] and "guest" not in broker["detail"]
    view = json.loads(rabbit_chain.cli("queues", "--json").stdout)
    queues = {queue["name"]: queue for queue in view["queues"]}
    assert list(queues) == list(STAGES)
    for name, queue in queues.items():
        assert queue["waiting"] == 0, f"{name} not drained"
        assert queue["in_flight"] is None, "AMQP has no unacknowledged count without management"
        assert queue["consumers"] >= 2, f"{name}: both workers consume"
    assert view["published"] == ARTICLES and view["dead_letters"] == 0
