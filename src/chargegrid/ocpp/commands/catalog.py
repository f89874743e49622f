"""Every command type, as one discriminated union: what the dialects must cover and what JSON carries.

A node forwards a command to the node that holds the charger as `command_to_json(command)`; the other
end rebuilds the same typed object with `command_from_json`. Add a new command type here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from chargegrid.ocpp.commands import certificates as ct
from chargegrid.ocpp.commands import cost
from chargegrid.ocpp.commands import customer as cu
from chargegrid.ocpp.commands import display as dm
from chargegrid.ocpp.commands import maintenance as m
from chargegrid.ocpp.commands import monitoring as mo
from chargegrid.ocpp.commands import provisioning as pv
from chargegrid.ocpp.commands import raw_message as raw
from chargegrid.ocpp.commands import remote_control as rc
from chargegrid.ocpp.commands import reservations as rs
from chargegrid.ocpp.commands import smart_charging as sc
from chargegrid.ocpp.commands.base import Command

AnyCommand = Annotated[
    rc.Reset
    | rc.UnlockConnector
    | rc.RemoteStart
    | rc.RemoteStop
    | rc.TriggerMessage
    | rc.ChangeAvailability
    | rc.ClearCache
    | rc.DataTransfer
    | rc.GetTransactionStatus
    | pv.GetConfiguration
    | pv.ChangeConfiguration
    | pv.GetVariables
    | pv.SetVariables
    | pv.SetNetworkProfile
    | sc.SetLimit
    | sc.ClearLimit
    | sc.GetCompositeSchedule
    | sc.SetChargingProfile
    | sc.ClearChargingProfile
    | sc.GetChargingProfiles
    | rs.ReserveNow
    | rs.CancelReservation
    | rs.SendLocalList
    | rs.GetLocalListVersion
    | m.GetDiagnostics
    | m.GetLog
    | m.UpdateFirmware
    | m.PublishFirmware
    | m.UnpublishFirmware
    | ct.InstallCertificate
    | ct.GetInstalledCertificateIds
    | ct.DeleteCertificate
    | ct.CertificateSigned
    | cost.CostUpdated
    | pv.GetBaseReport
    | pv.GetReport
    | dm.SetDisplayMessage
    | dm.GetDisplayMessages
    | dm.ClearDisplayMessage
    | mo.SetVariableMonitoring
    | mo.SetMonitoringBase
    | mo.SetMonitoringLevel
    | mo.ClearVariableMonitoring
    | mo.GetMonitoringReport
    | cu.CustomerInformation
    | raw.RawMessage,
    Field(discriminator="kind"),
]

_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyCommand)

# The member types of the union, for the dialects' completeness check.
COMMAND_TYPES: tuple[type[Command], ...] = AnyCommand.__origin__.__args__  # type: ignore[attr-defined]


def command_to_json(command: Command) -> dict[str, Any]:
    data: dict[str, Any] = _ADAPTER.dump_python(command, mode="json")
    return data


def command_from_json(data: dict[str, Any]) -> Command:
    """The typed command `data` describes; pydantic's ValidationError when it describes none."""
    command: Command = _ADAPTER.validate_python(data)
    return command
