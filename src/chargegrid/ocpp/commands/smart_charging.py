"""Charging limits, profiles and schedules as commands (the profile itself: `domain/charging_profiles`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from chargegrid.domain.charging_profiles import ChargingProfile, Purpose, check_placement
from chargegrid.domain.limits import Limit
from chargegrid.ocpp.commands.base import Command


class SetLimit(Command):
    """A constant limit on a connector (0: the station), as a daily TxDefaultProfile that replaces the
    connector's previous limit (a stable profile id per connector). One case of `SetChargingProfile`."""

    kind: Literal["SetLimit"] = "SetLimit"
    connector: int = Field(ge=0)
    limit: Limit


class ClearLimit(Command):
    kind: Literal["ClearLimit"] = "ClearLimit"
    connector: int = Field(ge=0)


class SetChargingProfile(Command):
    """Install `profile` on `connector` (1.6 connector / 2.x EVSE; 0: the station)."""

    kind: Literal["SetChargingProfile"] = "SetChargingProfile"
    connector: int = Field(ge=0)
    profile: ChargingProfile
    # 2.x TxProfile: the charger's own id of `profile.transaction_id` (the face looks it up).
    charger_transaction_id: str | None = Field(default=None, max_length=36)

    @model_validator(mode="after")
    def _placement(self) -> SetChargingProfile:
        check_placement(self.profile, self.connector)
        return self


class ClearChargingProfile(Command):
    """Clear by id, or by any of connector / purpose / stack level (none given: every profile the
    central system may clear)."""

    kind: Literal["ClearChargingProfile"] = "ClearChargingProfile"
    profile_id: int | None = Field(default=None, ge=0)
    connector: int | None = Field(default=None, ge=0)
    purpose: Purpose | None = None
    stack_level: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _by_id_or_criteria(self) -> ClearChargingProfile:
        if self.purpose is Purpose.ChargingStationExternalConstraints:
            raise ValueError("ChargingStationExternalConstraints profiles cannot be cleared by the CSMS")
        return self


class GetChargingProfiles(Command):
    """2.x: ask the station to report its profiles (ReportChargingProfiles follow, stored per charger)."""

    kind: Literal["GetChargingProfiles"] = "GetChargingProfiles"
    request_id: int | None = None
    connector: int | None = Field(default=None, ge=0)  # EVSE; None: every EVSE
    purpose: Purpose | None = None
    stack_level: int | None = Field(default=None, ge=0)
    profile_ids: tuple[int, ...] = ()


class GetCompositeSchedule(Command):
    kind: Literal["GetCompositeSchedule"] = "GetCompositeSchedule"
    connector: int = Field(ge=0)
    duration: int = Field(ge=1)
    unit: Literal["W", "A"] | None = None
