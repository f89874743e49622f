"""Typed server-initiated commands, their outcomes, and `Commands.execute` (see ARCHITECTURE.md).

Import command types from here: `from chargegrid.ocpp.commands import Reset, Commands, OutcomeStatus`.
"""

from chargegrid.ocpp.commands.base import (
    Command,
    CommandError,
    DialectBug,
    InvalidCommand,
    UnsupportedCommand,
)
from chargegrid.ocpp.commands.catalog import (
    COMMAND_TYPES,
    AnyCommand,
    command_from_json,
    command_to_json,
)
from chargegrid.ocpp.commands.certificates import (
    CertificateHash,
    CertificateSigned,
    DeleteCertificate,
    GetInstalledCertificateIds,
    InstallCertificate,
)
from chargegrid.ocpp.commands.cost import CostUpdated
from chargegrid.ocpp.commands.customer import CustomerInformation
from chargegrid.ocpp.commands.display import (
    ClearDisplayMessage,
    GetDisplayMessages,
    MessageContent,
    SetDisplayMessage,
)
from chargegrid.ocpp.commands.execute import CommandRun, Commands, run_on_session
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
    MonitorSetting,
    SetMonitoringBase,
    SetMonitoringLevel,
    SetVariableMonitoring,
)
from chargegrid.ocpp.commands.outcome import Outcome, OutcomeStatus
from chargegrid.ocpp.commands.provisioning import (
    ChangeConfiguration,
    GetBaseReport,
    GetConfiguration,
    GetReport,
    GetVariables,
    ReportTarget,
    SetNetworkProfile,
    SetVariables,
    VariableRef,
    VariableValue,
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
    LocalListEntry,
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

__all__ = [
    "COMMAND_TYPES",
    "AnyCommand",
    "CancelReservation",
    "CertificateHash",
    "CertificateSigned",
    "ChangeAvailability",
    "ChangeConfiguration",
    "ClearCache",
    "ClearChargingProfile",
    "ClearDisplayMessage",
    "ClearLimit",
    "ClearVariableMonitoring",
    "Command",
    "CommandError",
    "CommandRun",
    "Commands",
    "CostUpdated",
    "CustomerInformation",
    "DataTransfer",
    "DeleteCertificate",
    "DialectBug",
    "GetBaseReport",
    "GetChargingProfiles",
    "GetCompositeSchedule",
    "GetConfiguration",
    "GetDiagnostics",
    "GetDisplayMessages",
    "GetInstalledCertificateIds",
    "GetLocalListVersion",
    "GetLog",
    "GetMonitoringReport",
    "GetReport",
    "GetTransactionStatus",
    "GetVariables",
    "InstallCertificate",
    "InvalidCommand",
    "LocalListEntry",
    "MessageContent",
    "MonitorSetting",
    "Outcome",
    "OutcomeStatus",
    "PublishFirmware",
    "RawMessage",
    "RemoteStart",
    "RemoteStop",
    "ReportTarget",
    "ReserveNow",
    "Reset",
    "SendLocalList",
    "SetChargingProfile",
    "SetDisplayMessage",
    "SetLimit",
    "SetMonitoringBase",
    "SetMonitoringLevel",
    "SetNetworkProfile",
    "SetVariableMonitoring",
    "SetVariables",
    "TriggerMessage",
    "UnlockConnector",
    "UnpublishFirmware",
    "UnsupportedCommand",
    "UpdateFirmware",
    "VariableRef",
    "VariableValue",
    "command_from_json",
    "command_to_json",
    "run_on_session",
]
