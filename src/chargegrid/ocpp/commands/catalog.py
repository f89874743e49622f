"""Every command type, as one discriminated union: what the dialects must cover and what JSON carries.

A node forwards a command to the node that holds the charger as `command_to_json(command)`; the other
end rebuilds the same typed object with `command_from_json`. Add a new command type here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from chargegrid.ocpp.commands.base import Command
from chargegrid.ocpp.commands.certificates import (
    CertificateSigned,
    DeleteCertificate,
    GetInstalledCertificateIds,
    InstallCertificate,
)
from chargegrid.ocpp.commands.cost import CostUpdated
from chargegrid.ocpp.commands.customer import CustomerInformation
from chargegrid.ocpp.commands.display import ClearDisplayMessage, GetDisplayMessages, SetDisplayMessage
from chargegrid.ocpp.commands.maintenance import (
    GetDiagnostics,
    GetLog,
    PublishFirmware,
    UnpublishFirmware,
    UpdateFirmware,
)
from chargegrid.ocpp.commands.monitoring import (
    ClearVariableMonitoring,
    GetMonitoringReport,
    SetMonitoringBase,
    SetMonitoringLevel,
    SetVariableMonitoring,
)
from chargegrid.ocpp.commands.provisioning import (
    ChangeConfiguration,
    GetBaseReport,
    GetConfiguration,
    GetReport,
    GetVariables,
    SetNetworkProfile,
    SetVariables,
)
from chargegrid.ocpp.commands.raw_message import RawMessage
from chargegrid.ocpp.commands.remote_control import (
    ChangeAvailability,
    ClearCache,
    DataTransfer,
    GetTransactionStatus,
    RemoteStart,
    RemoteStop,
    Reset,
    TriggerMessage,
    UnlockConnector,
)
from chargegrid.ocpp.commands.reservations import (
    CancelReservation,
    GetLocalListVersion,
    ReserveNow,
    SendLocalList,
)
from chargegrid.ocpp.commands.smart_charging import (
    ClearChargingProfile,
    ClearLimit,
    GetChargingProfiles,
    GetCompositeSchedule,
    SetChargingProfile,
    SetLimit,
)

AnyCommand = Annotated[
    Reset
    | UnlockConnector
    | RemoteStart
    | RemoteStop
    | TriggerMessage
    | ChangeAvailability
    | ClearCache
    | DataTransfer
    | GetTransactionStatus
    | GetConfiguration
    | ChangeConfiguration
    | GetVariables
    | SetVariables
    | SetNetworkProfile
    | SetLimit
    | ClearLimit
    | GetCompositeSchedule
    | SetChargingProfile
    | ClearChargingProfile
    | GetChargingProfiles
    | ReserveNow
    | CancelReservation
    | SendLocalList
    | GetLocalListVersion
    | GetDiagnostics
    | GetLog
    | UpdateFirmware
    | PublishFirmware
    | UnpublishFirmware
    | InstallCertificate
    | GetInstalledCertificateIds
    | DeleteCertificate
    | CertificateSigned
    | CostUpdated
    | GetBaseReport
    | GetReport
    | SetDisplayMessage
    | GetDisplayMessages
    | ClearDisplayMessage
    | SetVariableMonitoring
    | SetMonitoringBase
    | SetMonitoringLevel
    | ClearVariableMonitoring
    | GetMonitoringReport
    | CustomerInformation
    | RawMessage,
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
