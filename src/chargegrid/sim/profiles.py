"""The charging profiles a simulated station holds, and the limit they put on a connector now.

The same rules as a real station, simplified where a simulator can be: profiles are kept per connector
(0: the station); a new profile replaces the one of the same id and the one of the same purpose and
stack level on its connector; a transaction's TxProfiles end with it. The limit on a connector is
the TxProfile of the highest stack level (else the TxDefaultProfile of the highest stack level, the
connector's own before the station's), bounded by the station maximum; within a profile the period in
force now (Absolute and Recurring from their start, Relative from the transaction's start). Amperes
become watts at 230 V times the period's phases (3 unless it says).

Both versions' shapes are read: 1.6 (`chargingProfileId`, one `chargingSchedule` object,
ChargePointMaxProfile) and 2.x (`id`, a list of schedules, ChargingStationMaxProfile).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

Payload = dict[str, Any]
VOLTAGE = 230.0
_STATION_MAX = ("ChargePointMaxProfile", "ChargingStationMaxProfile")
_PERIOD = {"Daily": 86400, "Weekly": 7 * 86400}


def _id(profile: Payload) -> int:
    value = profile.get("chargingProfileId", profile.get("id"))
    return int(value) if value is not None else -1


def _schedule(profile: Payload) -> Payload:
    schedule = profile["chargingSchedule"]
    return schedule[0] if isinstance(schedule, list) else schedule


def _watts(schedule: Payload, period: Payload) -> float:
    limit = float(period["limit"])
    if schedule.get("chargingRateUnit") == "A":
        return limit * VOLTAGE * int(period.get("numberPhases", 3))
    return limit


def _parse(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def limit_now(profile: Payload, tx_started_wall: float | None, now: float) -> float | None:
    """The profile's limit in watts at `now` (wall-clock seconds); None when it does not apply now."""
    schedule = _schedule(profile)
    kind = profile.get("chargingProfileKind")
    if kind == "Relative":
        origin = tx_started_wall if tx_started_wall is not None else now
    else:
        start = schedule.get("startSchedule")
        origin = _parse(start) if start else now
    elapsed = now - origin
    if kind == "Recurring":
        elapsed %= _PERIOD.get(profile.get("recurrencyKind", "Daily"), 86400)
    if elapsed < 0:
        return None
    duration = schedule.get("duration")
    if duration is not None and elapsed >= duration:
        return None
    current: Payload | None = None
    for period in schedule["chargingSchedulePeriod"]:
        if period["startPeriod"] <= elapsed:
            current = period
    return _watts(schedule, current) if current is not None else None


class ProfileBook:
    def __init__(self) -> None:
        self.profiles: dict[int, list[Payload]] = {}  # connector → profiles

    def set(self, connector: int, profile: Payload) -> None:
        pid = _id(profile)
        purpose, level = profile["chargingProfilePurpose"], profile["stackLevel"]
        for cid, held in self.profiles.items():
            self.profiles[cid] = [
                p
                for p in held
                if _id(p) != pid
                and not (
                    cid == connector and p["chargingProfilePurpose"] == purpose and p["stackLevel"] == level
                )
            ]
        self.profiles.setdefault(connector, []).append(profile)

    def clear(
        self,
        profile_id: int | None = None,
        connector: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> bool:
        cleared = False
        for cid, held in self.profiles.items():
            keep = []
            for p in held:
                match = (
                    (profile_id is None or _id(p) == profile_id)
                    and (connector is None or cid == connector)
                    and (purpose is None or p["chargingProfilePurpose"] == purpose)
                    and (stack_level is None or p["stackLevel"] == stack_level)
                )
                if match:
                    cleared = True
                else:
                    keep.append(p)
            self.profiles[cid] = keep
        return cleared

    def end_transaction(self, connector: int) -> None:
        self.profiles[connector] = [
            p for p in self.profiles.get(connector, []) if p["chargingProfilePurpose"] != "TxProfile"
        ]

    def _top(
        self, connector: int, purposes: tuple[str, ...], started: float | None, now: float
    ) -> float | None:
        """The limit of the highest stack level among `purposes` on `connector` that applies now."""
        best: tuple[int, float] | None = None
        for p in self.profiles.get(connector, []):
            if p["chargingProfilePurpose"] not in purposes:
                continue
            limit = limit_now(p, started, now)
            if limit is not None and (best is None or p["stackLevel"] > best[0]):
                best = (p["stackLevel"], limit)
        return best[1] if best is not None else None

    def limit_w(self, connector: int, tx_started_wall: float | None = None) -> float | None:
        """The limit on `connector` now in watts; None: no profile limits it."""
        now = time.time()
        limit = None
        if tx_started_wall is not None:
            limit = self._top(connector, ("TxProfile",), tx_started_wall, now)
        if limit is None:
            limit = self._top(connector, ("TxDefaultProfile",), tx_started_wall, now)
        if limit is None:
            limit = self._top(0, ("TxDefaultProfile",), tx_started_wall, now)
        station = self._top(0, _STATION_MAX, tx_started_wall, now)
        if station is not None:
            limit = station if limit is None else min(limit, station)
        return limit
