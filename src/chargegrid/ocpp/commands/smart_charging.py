"""Charging limits and schedules as commands."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chargegrid.domain.limits import Limit
from chargegrid.ocpp.commands.base import Command


class SetLimit(Command):
    """A constant limit on a connector (0: the station), as a daily TxDefaultProfile that replaces the
    connector's previous limit (a stable profile id per connector)."""

    kind: Literal["SetLimit"] = "SetLimit"
    connector: int = Field(ge=0)
    limit: Limit


class ClearLimit(Command):
    kind: Literal["ClearLimit"] = "ClearLimit"
    connector: int = Field(ge=0)


class GetCompositeSchedule(Command):
    kind: Literal["GetCompositeSchedule"] = "GetCompositeSchedule"
    connector: int = Field(ge=0)
    duration: int = Field(ge=1)
    unit: Literal["W", "A"] | None = None
