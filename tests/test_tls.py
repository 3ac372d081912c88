"""``rediss://`` with a password: a TLS redis-server of our own, a real worker, one article."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    SEED,
    dies_with_tests,
    free_port,
    newsflow_env,
    start_workers,
    stop_workers,
    wait_for,
)

pytestmark = pytest.mark.integration

PASSWORD = "tls-Pw-9d2-never-logged"


def make_certificates(directory: Path) -> None:
    """A throwaway CA and a server certificate for 127.0.0.1, made with openssl."""
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to make the test certificates"

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=directory, check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=newsflow-test-ca",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    )
    (directory / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "san.cnf",
    )


@pytest.fixture(scope="module")
def tls_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("tls")
    make_certificates(directory)
    port = free_port()
    binary = shutil.which("redis-server")
    assert binary
    process = subprocess.Popen(
        dies_with_tests(
            [
                binary,
                "--port",
                "0",
                "--tls-port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--tls-cert-file",
                "server.crt",
                "--tls-key-file",
                "server.key",
                "--tls-ca-cert-file",
                "ca.crt",
                "--tls-auth-clients",
                "no",
                "--requirepass",
                PASSWORD,
                "--save",
                "",
                "--dir",
                str(directory),
            ]
        ),
        cwd=directory,
        stdout=subprocess.DEVNULL,
    )
    url = (
        f"rediss://:{PASSWORD}@127.0.0.1:{port}/0"
        f"?ssl_cert_reqs=required&ssl_ca_certs={directory / 'ca.crt'}"
    )
    try:
        from redis import Redis

        assert wait_for(lambda: _pings(Redis.from_url(url)), timeout=10)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _pings(client: object) -> bool:
    try:
        return bool(client.ping())  # type: ignore[attr-defined]
    except Exception:
        return False


def test_rediss_with_a_password_works_and_the_password_is_never_shown(
    tls_redis_url: str, tmp_path: Path
) -> None:
    env = newsflow_env(tls_redis_url)
    workers = start_workers(env, tmp_path, 1)
    try:
        (article_id,) = workers.cli("submit", str(SEED)).stdout.split()
        status = lambda: json.loads(workers.cli("status", article_id, "--json").stdout)  # noqa: E731
        assert wait_for(lambda: status()["outcome"] == "published", timeout=120)
        table = workers.cli("status", article_id).stdout
        assert PASSWORD not in table and PASSWORD not in json.dumps(status())
        assert all(PASSWORD not in line for line in workers.log_lines())
        assert any("rediss://" in line and "***" in line for line in workers.log_lines())
    finally:
        stop_workers(workers)
