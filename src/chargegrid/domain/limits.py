"""Charging limits as operators write them ("2000W", "16A", "11kW") and the constant profile they become."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LIMIT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(w|kw|a)\s*$", re.IGNORECASE)


class LimitError(ValueError):
    """The limit text is not a number followed by W, kW or A."""


@dataclass(frozen=True)
class Limit:
    value: float
    unit: str  # "W" or "A" — OCPP's chargingRateUnit


def parse_limit(text: str) -> Limit:
    match = _LIMIT.match(text or "")
    if match is None:
        raise LimitError(
            f"limit {text!r} is not understood: write a number with W, kW or A, e.g. 2000W or 16A"
        )
    value = float(match.group(1).replace(",", "."))
    unit = match.group(2).lower()
    if unit == "kw":
        value, unit = value * 1000, "w"
    if value <= 0:
        raise LimitError(f"limit {text!r} must be greater than zero")
    return Limit(round(value, 1), unit.upper())
