"""Charging profiles as version-neutral data, and the rules a profile must keep before it is sent.

One model for OCPP 1.6 `csChargingProfiles` and 2.x `chargingProfile` (the dialects in `ocpp/` render it):
JSON in camelCase at the edge (`chargingProfilePurpose`, `chargingSchedule`, ...), snake_case in Python.
The purpose "ChargePointMaxProfile" (1.6) and "ChargingStationMaxProfile" (2.x) are one purpose here,
stored under the 2.x name. Pydantic refuses a bad profile with the field's name (a 400 on HTTP).

Rules kept here (from OCPP 1.6 §3.13 and 2.0.1 K01): periods start at 0 and in increasing order; limits
and the minimum rate are ≥ 0; `phaseToUse` only with one phase; Absolute and Recurring schedules have a
start, Relative ones have none; Recurring needs its recurrency kind; validFrom before validTo; the
station-wide purposes sit on connector 0 and TxProfiles on a connector; ChargingStationExternalConstraints
is the station's own and can only be read.
"""

from __future__ import annotations

import enum
import itertools
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from chargegrid.domain.limits import Limit


class RateUnit(enum.StrEnum):
    W = "W"
    A = "A"


class Purpose(enum.StrEnum):
    ChargingStationMaxProfile = "ChargingStationMaxProfile"  # 1.6: ChargePointMaxProfile
    TxDefaultProfile = "TxDefaultProfile"
    TxProfile = "TxProfile"
    ChargingStationExternalConstraints = "ChargingStationExternalConstraints"  # 2.x, set by the station


class ProfileKind(enum.StrEnum):
    Absolute = "Absolute"
    Recurring = "Recurring"
    Relative = "Relative"


class Recurrency(enum.StrEnum):
    Daily = "Daily"
    Weekly = "Weekly"


STATION_WIDE = frozenset({Purpose.ChargingStationMaxProfile, Purpose.ChargingStationExternalConstraints})


class _Data(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True, use_enum_values=False
    )


class SchedulePeriod(_Data):
    start_period: int = Field(ge=0, description="seconds from the start of the schedule")
    limit: float = Field(ge=0)
    number_phases: int | None = Field(default=None, ge=1, le=3)
    phase_to_use: int | None = Field(default=None, ge=1, le=3, description="2.x only, with numberPhases 1")

    @model_validator(mode="after")
    def _phase_to_use_needs_one_phase(self) -> SchedulePeriod:
        if self.phase_to_use is not None and self.number_phases != 1:
            raise ValueError("phaseToUse is allowed only with numberPhases 1")
        return self


class ChargingSchedule(_Data):
    id: int | None = Field(default=None, ge=0, description="2.x schedule id (default: its position, from 1)")
    start_schedule: datetime | None = None
    duration: int | None = Field(default=None, ge=0, description="seconds")
    charging_rate_unit: RateUnit
    charging_schedule_period: tuple[SchedulePeriod, ...] = Field(min_length=1, max_length=1024)
    min_charging_rate: float | None = Field(default=None, ge=0)

    @field_validator("start_schedule")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("charging_schedule_period")
    @classmethod
    def _periods_in_order(cls, periods: tuple[SchedulePeriod, ...]) -> tuple[SchedulePeriod, ...]:
        if periods[0].start_period != 0:
            raise ValueError("the first period must have startPeriod 0")
        for before, after in itertools.pairwise(periods):
            if after.start_period <= before.start_period:
                raise ValueError(
                    f"periods must be in increasing startPeriod order ({after.start_period} "
                    f"follows {before.start_period})"
                )
        return periods


class ChargingProfile(_Data):
    id: int = Field(ge=0)
    stack_level: int = Field(ge=0)
    charging_profile_purpose: Purpose
    charging_profile_kind: ProfileKind
    recurrency_kind: Recurrency | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    # Our transaction id (what the REST API shows; 1.6 puts it on the wire, 2.x the charger's own id).
    transaction_id: int | None = Field(default=None, ge=0)
    charging_schedule: tuple[ChargingSchedule, ...] = Field(min_length=1, max_length=3)

    @field_validator("charging_profile_purpose", mode="before")
    @classmethod
    def _one_name_for_station_max(cls, value: Any) -> Any:
        return "ChargingStationMaxProfile" if value == "ChargePointMaxProfile" else value

    @field_validator("charging_schedule", mode="before")
    @classmethod
    def _one_schedule_or_several(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ChargingProfile:
        recurring = self.charging_profile_kind is ProfileKind.Recurring
        if recurring and self.recurrency_kind is None:
            raise ValueError("recurrencyKind (Daily or Weekly) is required for a Recurring profile")
        if not recurring and self.recurrency_kind is not None:
            raise ValueError("recurrencyKind is allowed only for a Recurring profile")
        for schedule in self.charging_schedule:
            if self.charging_profile_kind is ProfileKind.Relative and schedule.start_schedule is not None:
                raise ValueError("chargingSchedule.startSchedule is not allowed in a Relative profile")
            if self.charging_profile_kind is not ProfileKind.Relative and schedule.start_schedule is None:
                raise ValueError(
                    f"chargingSchedule.startSchedule is required in a {self.charging_profile_kind} profile"
                )
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("validTo must be later than validFrom")
        if self.transaction_id is not None and self.charging_profile_purpose is not Purpose.TxProfile:
            raise ValueError("transactionId is allowed only in a TxProfile")
        return self

    @property
    def unit(self) -> RateUnit:
        return self.charging_schedule[0].charging_rate_unit

    def to_json(self) -> dict[str, Any]:
        """The version-neutral JSON (camelCase), as the API shows and the store keeps it."""
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data


class ProfileRefused(ValueError):
    """A profile that cannot be set where asked; `field` names the camelCase field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def check_placement(profile: ChargingProfile, connector: int, *, with_remote_start: bool = False) -> None:
    """Raise `ProfileRefused` unless `profile` may be set on `connector` (0: the station) as asked."""
    purpose = profile.charging_profile_purpose
    if purpose is Purpose.ChargingStationExternalConstraints:
        raise ProfileRefused(
            "chargingProfilePurpose",
            "ChargingStationExternalConstraints profiles are set by the station itself; a central "
            "system can only read them",
        )
    if purpose in STATION_WIDE and connector != 0:
        raise ProfileRefused("connectorId", f"a {purpose} applies to the whole station: use connector 0")
    if with_remote_start:
        if purpose is not Purpose.TxProfile:
            raise ProfileRefused("chargingProfilePurpose", "a remote start carries a TxProfile only")
        if profile.transaction_id is not None:
            raise ProfileRefused("transactionId", "a remote start's TxProfile has no transaction yet")
        return
    if purpose is Purpose.TxProfile:
        if connector == 0:
            raise ProfileRefused("connectorId", "a TxProfile applies to one connector: use connector ≥ 1")
        if profile.transaction_id is None:
            raise ProfileRefused("transactionId", "a TxProfile needs a running transaction")


def check_unit(profile: ChargingProfile, supported: frozenset[RateUnit] | None) -> None:
    """Refuse a schedule in a unit the charger said (in its configuration) it does not support."""
    if supported is None:  # the charger never told us: let it judge
        return
    for schedule in profile.charging_schedule:
        if schedule.charging_rate_unit not in supported:
            allowed = ", ".join(sorted(supported)) or "none"
            raise ProfileRefused(
                "chargingSchedule.chargingRateUnit",
                f"this charger supports {allowed} schedules, not {schedule.charging_rate_unit}",
            )


def constant_limit_profile(
    profile_id: int, limit: Limit, *, purpose: Purpose = Purpose.TxDefaultProfile, stack_level: int = 0
) -> ChargingProfile:
    """One limit all day, every day: what `SetChargingLimit` ("16A", "11kW") means."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return ChargingProfile(
        id=profile_id,
        stack_level=stack_level,
        charging_profile_purpose=purpose,
        charging_profile_kind=ProfileKind.Recurring,
        recurrency_kind=Recurrency.Daily,
        charging_schedule=(
            ChargingSchedule(
                start_schedule=midnight,
                charging_rate_unit=RateUnit(limit.unit),
                charging_schedule_period=(SchedulePeriod(start_period=0, limit=limit.value),),
            ),
        ),
    )


def rate_units_from_text(text: str) -> frozenset[RateUnit]:
    """1.6 `ChargingScheduleAllowedChargingRateUnit` ("Current,Power") or 2.x `SmartChargingCtrlr.RateUnit`
    ("A,W") as the units the charger accepts."""
    names = {"current": RateUnit.A, "a": RateUnit.A, "power": RateUnit.W, "w": RateUnit.W}
    units = {names[part.strip().lower()] for part in text.split(",") if part.strip().lower() in names}
    return frozenset(units)
