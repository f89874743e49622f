"""Configuration (1.6 keys) and the device model (2.x variables) as commands."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chargegrid.ocpp.commands.base import Command
from chargegrid.ocpp.requests import next_request_id


class GetConfiguration(Command):
    """1.6 GetConfiguration; on 2.x each key `Component.Variable` is read with GetVariables."""

    kind: Literal["GetConfiguration"] = "GetConfiguration"
    keys: tuple[str, ...] = ()


class ChangeConfiguration(Command):
    """1.6 ChangeConfiguration; on 2.x the key `Component.Variable` is set with SetVariables."""

    kind: Literal["ChangeConfiguration"] = "ChangeConfiguration"
    key: str = Field(min_length=1, max_length=50)
    value: str = Field(max_length=1000)


class VariableRef(BaseModel):
    """One 2.x component/variable (and attribute) to read or write."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    component: str = Field(min_length=1, max_length=50)
    variable: str = Field(min_length=1, max_length=50)
    component_instance: str | None = Field(default=None, max_length=50)
    variable_instance: str | None = Field(default=None, max_length=50)
    evse: int | None = Field(default=None, ge=0)
    connector: int | None = Field(default=None, ge=0)
    attribute: Literal["Actual", "Target", "MinSet", "MaxSet"] | None = None


class VariableValue(VariableRef):
    value: str = Field(max_length=1000)


class GetVariables(Command):
    kind: Literal["GetVariables"] = "GetVariables"
    items: tuple[VariableRef, ...] = Field(min_length=1)


class SetVariables(Command):
    kind: Literal["SetVariables"] = "SetVariables"
    items: tuple[VariableValue, ...] = Field(min_length=1)


class ReportTarget(BaseModel):
    """A component (and optionally one of its variables) a report is asked about."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    component: str = Field(min_length=1, max_length=50)
    component_instance: str | None = Field(default=None, max_length=50)
    evse: int | None = Field(default=None, ge=0)
    connector: int | None = Field(default=None, ge=0)
    variable: str | None = Field(default=None, min_length=1, max_length=50)
    variable_instance: str | None = Field(default=None, max_length=50)


class GetBaseReport(Command):
    """2.x GetBaseReport: the station answers, then sends its inventory as NotifyReport parts."""

    kind: Literal["GetBaseReport"] = "GetBaseReport"
    report_base: Literal["ConfigurationInventory", "FullInventory", "SummaryInventory"] = "FullInventory"
    request_id: int = Field(default_factory=next_request_id, ge=0)


class GetReport(Command):
    """2.x GetReport: the variables matching the criteria and/or the named components/variables."""

    kind: Literal["GetReport"] = "GetReport"
    request_id: int = Field(default_factory=next_request_id, ge=0)
    criteria: tuple[Literal["Active", "Available", "Enabled", "Problem"], ...] = Field(
        default=(), max_length=4
    )
    targets: tuple[ReportTarget, ...] = ()


class SetNetworkProfile(Command):
    """2.x SetNetworkProfile: a connection profile (CSMS URL, security profile) stored in a slot of the
    station's `OCPPCommCtrlr.NetworkConfigurationPriority`; it is used once that priority names it."""

    kind: Literal["SetNetworkProfile"] = "SetNetworkProfile"
    configuration_slot: int = Field(ge=0)
    csms_url: str = Field(min_length=1, max_length=2000, pattern=r"^wss?://")
    security_profile: int = Field(ge=0, le=3)
    interface: Literal[
        "Wired0", "Wired1", "Wired2", "Wired3", "Wireless0", "Wireless1", "Wireless2", "Wireless3"
    ] = "Wired0"
    message_timeout: int = Field(default=30, ge=1, le=3600)
