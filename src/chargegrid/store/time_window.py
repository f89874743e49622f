"""The filter the newest-first listings share (transactions, security events): optional exact matches on
some columns, and a half-open time window `since` ≤ time < `until` (either end optional)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

S = TypeVar("S", bound=Select[Any])


def within(
    query: S,
    matches: Iterable[tuple[InstrumentedAttribute[Any], object | None]],
    time: InstrumentedAttribute[datetime],
    since: datetime | None,
    until: datetime | None,
) -> S:
    """`query` narrowed to the rows whose columns equal each given value (None: any) and whose `time`
    lies in the window."""
    for column, value in matches:
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(time >= since)
    if until is not None:
        query = query.where(time < until)
    return query
