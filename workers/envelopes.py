"""Whole submissions as JSON, for programs: ``newsflow submit --envelope FILE``.

A file holds one submission object, an array of them, or one per line (JSON Lines), with
the fields of ``schemas.Submission``; unknown fields are refused like any invalid one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from schemas import Submission
from workers.inputs import expand, read_content


class EnvelopeError(ValueError):
    """The file is not a JSON submission, an array of them, or JSON Lines."""


def _records(text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except ValueError:
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as error:
            raise EnvelopeError(f"not JSON or JSON Lines: {error}") from error
    return data if isinstance(data, list) else [data]


def read_envelopes(paths: list[str]) -> Iterator[tuple[str, Submission | Exception]]:
    """Each submission found, or the error that stops it, named by file (and position)."""
    for path in expand(paths):
        name = "stdin" if path is None else str(path)
        try:
            records = _records(read_content(path))
        except (OSError, EnvelopeError) as error:
            yield name, error
            continue
        for index, record in enumerate(records, start=1):
            label = name if len(records) == 1 else f"{name}#{index}"
            try:
                if not isinstance(record, dict):
                    raise EnvelopeError("a submission must be a JSON object")
                yield label, Submission.model_validate(record)
            except (ValidationError, EnvelopeError) as error:
                yield label, error
