"""Implausible meter data: rules that flag a transaction whose numbers cannot be right.

The data is stored as the charger sent it (it is evidence, and a later correction may explain it); the
transaction only carries the reasons. Payments do not capture a flagged transaction on their own: an
operator settles or releases it.

The rules, on a transaction's start and latest (or final) meter reading and its times:
- energy below zero: a negative meter value, or a final/latest register below the start register;
- energy above what the connector can deliver: more than `max_kw` (a setting, default 350 kW, the most a
  CCS connector delivers today) times the elapsed time, plus `SLACK_KWH` for rounding of short sessions;
- stop before start;
- a timestamp more than `future_tolerance` ahead of the central system's clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

SLACK_KWH = 0.05  # register rounding (Wh resolution, kWh with 2 decimals) on very short sessions
SEPARATOR = "; "


@dataclass(frozen=True)
class Limits:
    max_kw: float = 350.0
    future_tolerance: timedelta = timedelta(minutes=10)


def problems(
    *,
    meter_start_kwh: float | None,
    meter_kwh: float | None,
    start_time: datetime,
    end_time: datetime | None,
    stopped: bool,
    now: datetime,
    limits: Limits,
    other_times: Iterable[datetime] = (),
) -> list[str]:
    """What is implausible about these numbers (empty when nothing is). `end_time` is the stop time
    (`stopped`) or the time of the latest reading."""
    found: list[str] = []
    if (meter_start_kwh is not None and meter_start_kwh < 0) or (meter_kwh is not None and meter_kwh < 0):
        found.append("negative meter value")
    if meter_start_kwh is not None and meter_kwh is not None:
        energy = meter_kwh - meter_start_kwh
        if energy < 0:
            found.append(f"energy below zero ({energy:.3f} kWh)")
        if end_time is not None and end_time >= start_time:
            hours = (end_time - start_time).total_seconds() / 3600
            possible = limits.max_kw * hours + SLACK_KWH
            if energy > possible:
                found.append(
                    f"{energy:.3f} kWh in {hours:.2f} h is more than {limits.max_kw:g} kW can deliver"
                )
    if stopped and end_time is not None and end_time < start_time:
        found.append("stop before start")
    horizon = now + limits.future_tolerance
    if any(t > horizon for t in (start_time, end_time, *other_times) if t is not None):
        found.append("timestamp in the future")
    return found


def merge(existing: str | None, found: Iterable[str]) -> str | None:
    """The stored flag: once implausible, a transaction stays flagged (reasons only accumulate)."""
    reasons = existing.split(SEPARATOR) if existing else []
    for reason in found:
        # One reason per kind: newer numbers replace the text of an earlier reason of the same kind.
        reasons = [r for r in reasons if _kind(r) != _kind(reason)]
        reasons.append(reason)
    return SEPARATOR.join(reasons)[:500] if reasons else None


def _kind(reason: str) -> str:
    if "can deliver" in reason:
        return "above capacity"
    return reason.split(" (")[0]
