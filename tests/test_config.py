"""Settings, the vocabulary, subscribers files and log redaction."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import structlog
from pydantic import ValidationError

from tasks.keys import Keys
from tasks.subscribers import SubscribersFileError, load_subscribers
from tasks.vocabulary import load_vocabulary
from workers.logging import configure_logging
from workers.settings import Settings, redact


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_REDIS_URL", "redis://cache:6380/2")
    monkeypatch.setenv("NEWSFLOW_KEY_PREFIX", "nf-test")
    monkeypatch.setenv("NEWSFLOW_LOG_FORMAT", "console")
    settings = Settings()
    assert settings.broker == "redis://cache:6380/2"
    assert (settings.key_prefix, settings.log_format) == ("nf-test", "console")
    monkeypatch.setenv("NEWSFLOW_BROKER_URL", "amqp://guest@rabbit//")
    assert Settings().broker == "amqp://guest@rabbit//"


def test_settings_refuse_a_visibility_timeout_below_the_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSFLOW_VISIBILITY_TIMEOUT", "30")
    with pytest.raises(ValidationError, match="VISIBILITY_TIMEOUT"):
        Settings()


def test_redact_hides_passwords() -> None:
    assert redact("rediss://:hunter2@host:6380/0") == "rediss://:***@host:6380/0"
    assert redact("x amqp://user:pw@rabbit// y") == "x amqp://user:***@rabbit// y"
    assert redact("redis://host:6379/0") == "redis://host:6379/0"


def test_logs_never_show_passwords(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "INFO")
    structlog.get_logger("t").info("connecting", url="redis://:hunter2@h:1/0")
    logging.getLogger("celery").warning("Cannot connect to redis://u:hunter2@h:1/0")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert "hunter2" not in json.dumps(lines)
    assert lines[0]["url"] == "redis://:***@h:1/0" and lines[0]["event"] == "connecting"
    assert lines[1]["logger"] == "celery" and lines[1]["level"] == "warning"


def test_keys_share_one_prefix() -> None:
    keys = Keys("nf")
    assert keys.article("a", 2) == "nf:article:a:v2"
    assert keys.published == "nf:published"
    assert keys.subscriber("desk") == "nf:subscriber:desk"
    assert keys.dead == "nf:dead"


def test_vocabulary_hierarchy() -> None:
    vocabulary = load_vocabulary()
    assert vocabulary.label("medtop:11000000") == "politics"
    assert vocabulary.ancestors("medtop:20000639") == ["medtop:20000638", "medtop:11000000"]
    assert vocabulary.is_within("medtop:20000639", "medtop:11000000")
    assert not vocabulary.is_within("medtop:11000000", "medtop:20000639")
    assert len(vocabulary.top_level()) == 17


def test_subscribers_file(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.toml"
    path.write_text('[subscribers.desk]\ntopics = ["medtop:11000000"]\nlanguages = ["fr"]\n')
    (desk,) = load_subscribers(path)
    assert desk.name == "desk" and desk.filter.topics == ("medtop:11000000",)
    assert load_subscribers(None) == ()


@pytest.mark.parametrize(
    "text",
    [
        '[subscribers."bad name!"]\n',
        '[subscribers.desk]\ntopics = ["politics"]\n',
        "[subscribers.desk]\ncolour = 'red'\n",
        "not toml = = \n",
    ],
)
def test_subscribers_file_errors_name_the_problem(tmp_path: Path, text: str) -> None:
    path = tmp_path / "subscribers.toml"
    path.write_text(text)
    with pytest.raises(SubscribersFileError, match=str(path)):
        load_subscribers(path)
