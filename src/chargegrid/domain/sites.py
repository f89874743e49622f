"""A site: chargers behind one grid connection with a limit, as the API describes it (camelCase JSON).

`{"id", "name", "maxCurrentA" | "maxPowerKw", "phases", "voltage", "chargePoints": ["CP1", {"chargePointId":
"CP2", "maxCurrentA": 16, "priority": 1, "minCurrentA": 8}], "limitSchedule": [{"from": "17:00", "until":
"20:00", "maxCurrentA": 60}], "timezone": "Europe/Berlin", "fallbackCurrentA": 0}`

Currents are per phase. `fallbackCurrentA` is the TxDefaultProfile every connector of the site carries;
the allocator keeps that much free for each connector without a session, so the site holds even when
such a connector starts charging before the server re-allocates or while its charger is offline. With
the default 0 a new session waits (0 A) until its allocation arrives, usually within a second.
"""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from chargegrid.domain.allocator import DEFAULT_MIN_A, LimitPeriod, SiteLimit, amps_per_phase
from chargegrid.domain.registration import is_valid_charge_point_id


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)


class SiteMember(_Data):
    charge_point_id: str = Field(min_length=1, max_length=48)
    max_current_a: float | None = Field(default=None, gt=0, description="per phase, all its connectors")
    min_current_a: float = Field(default=DEFAULT_MIN_A, ge=0, description="per phase, to charge at all")
    priority: int = 0

    @field_validator("charge_point_id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not is_valid_charge_point_id(value):
            raise ValueError(f"{value!r} is not a valid charge point id")
        return value


class LimitWindow(_Data):
    from_: time = Field(alias="from")
    until: time
    max_current_a: float | None = Field(default=None, ge=0)
    max_power_kw: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_limit(self) -> LimitWindow:
        if (self.max_current_a is None) == (self.max_power_kw is None):
            raise ValueError("give exactly one of maxCurrentA and maxPowerKw")
        if self.from_ == self.until:
            raise ValueError("from and until must differ")
        return self


class SiteDefinition(_Data):
    id: str = Field(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9._-]+$")
    name: str = Field(default="", max_length=100)
    max_current_a: float | None = Field(default=None, ge=0)
    max_power_kw: float | None = Field(default=None, ge=0)
    phases: int = Field(default=3, ge=1, le=3)
    voltage: float = Field(default=230, gt=0, description="phase to neutral")
    charge_points: tuple[SiteMember, ...] = ()
    limit_schedule: tuple[LimitWindow, ...] = ()
    timezone: str = "UTC"
    fallback_current_a: float = Field(default=0, ge=0)

    @field_validator("charge_points", mode="before")
    @classmethod
    def _ids_or_members(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [{"chargePointId": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name like Europe/Berlin") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SiteDefinition:
        if (self.max_current_a is None) == (self.max_power_kw is None):
            raise ValueError("give exactly one of maxCurrentA and maxPowerKw")
        ids = [m.charge_point_id for m in self.charge_points]
        if len(ids) != len(set(ids)):
            raise ValueError("chargePoints lists a charge point twice")
        return self

    def amps(self, current_a: float | None, power_kw: float | None) -> float:
        if current_a is not None:
            return current_a
        assert power_kw is not None
        return amps_per_phase(power_kw, self.phases, self.voltage)

    def limit(self) -> SiteLimit:
        periods = tuple(
            LimitPeriod(w.from_, w.until, self.amps(w.max_current_a, w.max_power_kw))
            for w in self.limit_schedule
        )
        return SiteLimit(self.amps(self.max_current_a, self.max_power_kw), periods)

    def member(self, charge_point_id: str) -> SiteMember | None:
        return next((m for m in self.charge_points if m.charge_point_id == charge_point_id), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data
