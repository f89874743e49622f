"""Requests whose list of entries a station takes only so many at a time: split, sent in turn, merged.

A 2.x station says in its device model how many entries (`ItemsPerMessage`) and how many bytes
(`BytesPerMessage`) one GetVariables or SetVariables may carry, a 1.6 charge point how many keys one
GetConfiguration may ask (`GetConfigurationMaxKeys`); a longer request would be refused whole. The
dialect marks such a request with a `Batch` (which payload field holds the entries, which answer fields
hold the per-entry results, where the station states its limits); `split` cuts the payload to fit and
`merge` puts the answers back together as one answer, results in the order asked. A limit the
station never reported leaves the request whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

Payload = dict[str, Any]

# A CALL frame is [2, "<message id>", "<action>", {payload}]; our message ids are 32 hex digits.
_FRAME_OVERHEAD_ID = "0" * 32


@dataclass(frozen=True)
class LimitRef:
    """Where a station states a limit: component, variable and variable instance of its device model."""

    component: str
    variable: str
    instance: str


@dataclass(frozen=True)
class Batch:
    items: str  # the payload field holding the entries
    results: tuple[str, ...]  # the answer fields holding the per-entry results, in the order asked
    items_limit: LimitRef
    bytes_limit: LimitRef | None = None


@dataclass(frozen=True)
class Limits:
    items: int | None = None
    bytes: int | None = None


def limit_value(text: str | None) -> int | None:
    """A reported limit as a positive number, or None when absent or not a usable number."""
    try:
        value = int(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and value > 0 else None


def _frame_size(action: str, payload: Payload) -> int:
    return len(orjson.dumps([2, _FRAME_OVERHEAD_ID, action, payload]))


def split(action: str, payload: Payload, batch: Batch, limits: Limits) -> list[Payload]:
    """`payload` cut into payloads of at most `limits.items` entries and `limits.bytes` bytes each
    (an entry too large on its own still goes, alone: the station then says what it thinks of it)."""
    entries: Sequence[Any] = payload.get(batch.items) or []
    if not entries or (limits.items is None and limits.bytes is None):
        return [payload]
    chunks: list[list[Any]] = [[]]
    for entry in entries:
        current = chunks[-1]
        candidate = [*current, entry]
        too_many = limits.items is not None and len(candidate) > limits.items
        too_big = (
            limits.bytes is not None
            and _frame_size(action, {**payload, batch.items: candidate}) > limits.bytes
        )
        if current and (too_many or too_big):
            chunks.append([entry])
        else:
            current.append(entry)
    return [{**payload, batch.items: chunk} for chunk in chunks]


def merge(answers: Sequence[Payload], batch: Batch) -> Payload:
    """The answers to the parts as one answer: the per-entry results concatenated in order."""
    if len(answers) == 1:
        return answers[0]
    merged = dict(answers[0])
    for results in batch.results:
        merged[results] = [result for answer in answers for result in answer.get(results) or []]
    return merged
