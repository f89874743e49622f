"""Monitoring (2.x): monitors on device-model variables, the base set, the reporting level, reports."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chargegrid.ocpp.commands.base import Command
from chargegrid.ocpp.commands.provisioning import ReportTarget, VariableRef
from chargegrid.ocpp.requests import next_request_id


class MonitorSetting(VariableRef):
    """One monitor to set (a new one when `id` is None, else the monitor `id` replaced)."""

    id: int | None = Field(default=None, ge=0)
    type: Literal["UpperThreshold", "LowerThreshold", "Delta", "Periodic", "PeriodicClockAligned"]
    value: float
    severity: int = Field(ge=0, le=9)
    transaction: bool = False


class SetVariableMonitoring(Command):
    kind: Literal["SetVariableMonitoring"] = "SetVariableMonitoring"
    items: tuple[MonitorSetting, ...] = Field(min_length=1)


class SetMonitoringBase(Command):
    kind: Literal["SetMonitoringBase"] = "SetMonitoringBase"
    base: Literal["All", "FactoryDefault", "HardWiredOnly"]


class SetMonitoringLevel(Command):
    kind: Literal["SetMonitoringLevel"] = "SetMonitoringLevel"
    severity: int = Field(ge=0, le=9)


class ClearVariableMonitoring(Command):
    kind: Literal["ClearVariableMonitoring"] = "ClearVariableMonitoring"
    ids: tuple[int, ...] = Field(min_length=1)


class GetMonitoringReport(Command):
    """The station answers, then sends its monitors as NotifyMonitoringReport parts."""

    kind: Literal["GetMonitoringReport"] = "GetMonitoringReport"
    request_id: int = Field(default_factory=next_request_id, ge=0)
    criteria: tuple[Literal["ThresholdMonitoring", "DeltaMonitoring", "PeriodicMonitoring"], ...] = Field(
        default=(), max_length=3
    )
    targets: tuple[ReportTarget, ...] = ()
