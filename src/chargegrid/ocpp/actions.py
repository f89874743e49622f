"""Which OCPP actions a central system may send (CSMS → charger), per version.

The 1.6 list includes the Security Extension's messages (the `ocpp` package ships their schemas).
"""

from __future__ import annotations

from chargegrid.ocpp.versions import OcppVersion

_V16 = frozenset(
    {
        "CancelReservation",
        "CertificateSigned",
        "ChangeAvailability",
        "ChangeConfiguration",
        "ClearCache",
        "ClearChargingProfile",
        "DataTransfer",
        "DeleteCertificate",
        "ExtendedTriggerMessage",
        "GetCompositeSchedule",
        "GetConfiguration",
        "GetDiagnostics",
        "GetInstalledCertificateIds",
        "GetLocalListVersion",
        "GetLog",
        "InstallCertificate",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "SignedUpdateFirmware",
        "TriggerMessage",
        "UnlockConnector",
        "UpdateFirmware",
    }
)

_V201 = frozenset(
    {
        "CancelReservation",
        "CertificateSigned",
        "ChangeAvailability",
        "ClearCache",
        "ClearChargingProfile",
        "ClearDisplayMessage",
        "ClearVariableMonitoring",
        "CostUpdated",
        "CustomerInformation",
        "DataTransfer",
        "DeleteCertificate",
        "GetBaseReport",
        "GetChargingProfiles",
        "GetCompositeSchedule",
        "GetDisplayMessages",
        "GetInstalledCertificateIds",
        "GetLocalListVersion",
        "GetLog",
        "GetMonitoringReport",
        "GetReport",
        "GetTransactionStatus",
        "GetVariables",
        "InstallCertificate",
        "PublishFirmware",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "SetDisplayMessage",
        "SetMonitoringBase",
        "SetMonitoringLevel",
        "SetNetworkProfile",
        "SetVariableMonitoring",
        "SetVariables",
        "TriggerMessage",
        "UnlockConnector",
        "UnpublishFirmware",
        "UpdateFirmware",
    }
)

# 2.1 keeps every 2.0.1 CSMS message and adds these.
_V21 = _V201 | frozenset(
    {
        "AFRRSignal",
        "AdjustPeriodicEventStream",
        "ChangeTransactionTariff",
        "ClearDERControl",
        "ClearTariffs",
        "GetDERControl",
        "GetPeriodicEventStream",
        "GetTariffs",
        "NotifyAllowedEnergyTransfer",
        "NotifyWebPaymentStarted",
        "RequestBatterySwap",
        "SetDERControl",
        "SetDefaultTariff",
        "UpdateDynamicSchedule",
        "UsePriorityCharging",
    }
)

CSMS_ACTIONS: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.v16: _V16,
    OcppVersion.v201: _V201,
    OcppVersion.v21: _V21,
}


def csms_actions(version: OcppVersion) -> frozenset[str]:
    return CSMS_ACTIONS[version]
