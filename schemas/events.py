"""Stage events: one record per stage per article version, shown by ``newsflow status``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Stage = Literal["ingest", "normalize", "tag", "thumbnail", "publish"]
STAGES: tuple[Stage, ...] = ("ingest", "normalize", "tag", "thumbnail", "publish")

StageState = Literal["started", "completed", "failed", "retrying"]


class StageEvent(BaseModel):
    """The latest state of one stage of one article version."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    version: int
    trace_id: str
    stage: Stage
    state: StageState
    started_at: datetime
    finished_at: datetime | None = None
    duration_ms: float | None = None
    #: CPU time of the thread that ran the stage: its own work and claim-check round trips,
    #: not Celery's. Summed per stage, it says how many cores each stage needs.
    cpu_ms: float | None = None
    worker: str
    attempts: int
    task_id: str | None = None
    error_type: str | None = None
    error: str | None = None
