"""Published times as timezone-aware datetimes, whatever notation the source used."""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil import parser as date_parser


def aware(value: datetime) -> datetime:
    """A time without a zone is taken as UTC: the only safe reading for a pipeline."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_datetime(value: object) -> datetime | None:
    """ISO 8601, RFC 822 and most written dates; ``None`` for anything unparseable."""
    if isinstance(value, datetime):
        return aware(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return aware(date_parser.parse(value.strip()))
    except (ValueError, OverflowError):
        return None
