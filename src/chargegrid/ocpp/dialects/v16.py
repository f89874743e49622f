"""OCPP 1.6J (with the Security Extension): each typed command as the 1.6 message it is."""

from __future__ import annotations

from datetime import UTC, datetime

from chargegrid.ocpp.commands import customer as cu
from chargegrid.ocpp.commands import display as dm
from chargegrid.ocpp.commands import maintenance as m
from chargegrid.ocpp.commands import monitoring as mo
from chargegrid.ocpp.commands import provisioning as pv
from chargegrid.ocpp.commands import remote_control as rc
from chargegrid.ocpp.commands import reservations as rs
from chargegrid.ocpp.commands import smart_charging as sc
from chargegrid.ocpp.commands.base import InvalidCommand
from chargegrid.ocpp.dialects.shared_shapes import get_log, register_shared
from chargegrid.ocpp.dialects.table import Answer, Dialect, Payload, Rendered, compact, receipt
from chargegrid.ocpp.requests import next_request_id
from chargegrid.ocpp.versions import OcppVersion
from chargegrid.ocpp.wire import format_time

V16 = Dialect("OCPP 1.6")
renders = V16.renders
register_shared(V16)

# A stable id per connector, so setting a new limit replaces the old profile instead of stacking.
LIMIT_PROFILE_BASE = 9000

# TriggerMessage's messages; the Security Extension's ExtendedTriggerMessage knows these others.
_TRIGGER = {
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
}
_EXTENDED_TRIGGER = {"LogStatusNotification", "SignChargePointCertificate"}


def _two_x_only(what: str) -> InvalidCommand:
    return InvalidCommand(f"{what} is 2.x only: an OCPP 1.6 charger has no such field")


V16.lacks(rc.GetTransactionStatus, "GetTransactionStatus is 2.x only: OCPP 1.6 has no such message")
V16.lacks(pv.GetVariables, "GetVariables is 2.x only: on OCPP 1.6 read keys with GetConfiguration")
V16.lacks(pv.SetVariables, "SetVariables is 2.x only: on OCPP 1.6 set keys with ChangeConfiguration")
V16.lacks(pv.GetBaseReport, "GetBaseReport is 2.x only: on OCPP 1.6 read every key with GetConfiguration")
V16.lacks(pv.GetReport, "GetReport is 2.x only: on OCPP 1.6 read keys with GetConfiguration")
for _display in (dm.SetDisplayMessage, dm.GetDisplayMessages, dm.ClearDisplayMessage):
    V16.lacks(_display, f"{_display.__name__} is 2.x only: OCPP 1.6 has no display messages")
for _monitoring in (
    mo.SetVariableMonitoring,
    mo.SetMonitoringBase,
    mo.SetMonitoringLevel,
    mo.ClearVariableMonitoring,
    mo.GetMonitoringReport,
):
    V16.lacks(_monitoring, f"{_monitoring.__name__} is 2.x only: OCPP 1.6 has no monitoring")
V16.lacks(cu.CustomerInformation, "CustomerInformation is 2.x only: OCPP 1.6 has no such message")


@renders(rc.Reset)
def _reset(c: rc.Reset, v: OcppVersion) -> Rendered:
    if c.evse is not None:
        raise _two_x_only("Reset of one EVSE")
    return Rendered("Reset", {"type": "Hard" if c.hard else "Soft"})


@renders(rc.UnlockConnector)
def _unlock(c: rc.UnlockConnector, v: OcppVersion) -> Rendered:
    if c.evse_connector is not None:
        raise _two_x_only("UnlockConnector with evse and connector")
    return Rendered("UnlockConnector", {"connectorId": c.connector})


@renders(rc.RemoteStart)
def _remote_start(c: rc.RemoteStart, v: OcppVersion) -> Rendered:
    if c.group_id_tag is not None:
        raise _two_x_only("RemoteStart with a groupIdToken")
    payload = compact(connectorId=c.connector, idTag=c.id_tag, chargingProfile=c.charging_profile)
    return Rendered("RemoteStartTransaction", payload, caller_payload=c.charging_profile is not None)


@renders(rc.RemoteStop)
def _remote_stop(c: rc.RemoteStop, v: OcppVersion) -> Rendered:
    return Rendered("RemoteStopTransaction", {"transactionId": c.transaction_id})


@renders(rc.TriggerMessage)
def _trigger(c: rc.TriggerMessage, v: OcppVersion) -> Rendered:
    if c.evse_connector is not None:
        raise _two_x_only("TriggerMessage for a connector within an EVSE")
    payload = compact(requestedMessage=c.message, connectorId=c.connector)
    if c.message in _TRIGGER:
        return Rendered("TriggerMessage", payload)
    if c.message in _EXTENDED_TRIGGER:
        return Rendered("ExtendedTriggerMessage", payload)
    known = ", ".join(sorted(_TRIGGER | _EXTENDED_TRIGGER))
    raise InvalidCommand(f"TriggerMessage: {c.message!r} cannot be triggered on OCPP 1.6: use one of {known}")


@renders(rc.ChangeAvailability)
def _availability(c: rc.ChangeAvailability, v: OcppVersion) -> Rendered:
    if c.evse_connector is not None:
        raise _two_x_only("ChangeAvailability for a connector within an EVSE")
    kind = "Operative" if c.operative else "Inoperative"
    return Rendered("ChangeAvailability", {"connectorId": c.connector, "type": kind})


def _configuration(answer: Payload) -> Answer:
    return "Accepted", {"configurationKey": [], "unknownKey": [], **answer}


@renders(pv.GetConfiguration)
def _get_configuration(c: pv.GetConfiguration, v: OcppVersion) -> Rendered:
    return Rendered("GetConfiguration", {"key": list(c.keys)} if c.keys else {}, read=_configuration)


@renders(pv.ChangeConfiguration)
def _change_configuration(c: pv.ChangeConfiguration, v: OcppVersion) -> Rendered:
    return Rendered("ChangeConfiguration", {"key": c.key, "value": c.value})


def _daily_start() -> str:
    return format_time(datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0))


@renders(sc.SetLimit)
def _set_limit(c: sc.SetLimit, v: OcppVersion) -> Rendered:
    profile = {
        "chargingProfileId": LIMIT_PROFILE_BASE + c.connector,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring",
        "recurrencyKind": "Daily",
        "chargingSchedule": {
            "startSchedule": _daily_start(),
            "chargingRateUnit": c.limit.unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": c.limit.value}],
        },
    }
    return Rendered("SetChargingProfile", {"connectorId": c.connector, "csChargingProfiles": profile})


@renders(sc.ClearLimit)
def _clear_limit(c: sc.ClearLimit, v: OcppVersion) -> Rendered:
    payload = {"connectorId": c.connector, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0}
    return Rendered("ClearChargingProfile", payload)


@renders(sc.GetCompositeSchedule)
def _composite(c: sc.GetCompositeSchedule, v: OcppVersion) -> Rendered:
    payload = compact(connectorId=c.connector, duration=c.duration, chargingRateUnit=c.unit)
    return Rendered("GetCompositeSchedule", payload)


@renders(rs.ReserveNow)
def _reserve(c: rs.ReserveNow, v: OcppVersion) -> Rendered:
    if c.connector_type is not None:
        raise _two_x_only("ReserveNow with a connectorType")
    payload = compact(
        connectorId=c.connector,
        expiryDate=format_time(c.expiry),
        idTag=c.id_tag,
        parentIdTag=c.group_id_tag,
        reservationId=c.reservation_id,
    )
    return Rendered("ReserveNow", payload)


def _local_entry(e: rs.LocalListEntry) -> Payload:
    if e.status is None:  # a Differential update removes the tag
        return {"idTag": e.id_tag}
    info = compact(
        status=e.status,
        expiryDate=format_time(e.expiry) if e.expiry else None,
        parentIdTag=e.group_id_tag,
    )
    return {"idTag": e.id_tag, "idTagInfo": info}


@renders(rs.SendLocalList)
def _send_local_list(c: rs.SendLocalList, v: OcppVersion) -> Rendered:
    payload: Payload = {"listVersion": c.list_version, "updateType": c.update_type}
    payload["localAuthorizationList"] = [_local_entry(e) for e in c.entries]
    return Rendered("SendLocalList", payload)


def _list_version(answer: Payload) -> Answer:
    return "Accepted", {"listVersion": answer["listVersion"]}


@renders(rs.GetLocalListVersion)
def _get_local_list_version(c: rs.GetLocalListVersion, v: OcppVersion) -> Rendered:
    return Rendered("GetLocalListVersion", {}, read=_list_version)


@renders(m.GetDiagnostics)
def _diagnostics(c: m.GetDiagnostics, v: OcppVersion) -> Rendered:
    return Rendered("GetDiagnostics", {"location": c.location}, read=receipt)


def _optional_time(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


@renders(m.GetLog)
def _get_log(c: m.GetLog, v: OcppVersion) -> Rendered:
    return get_log(c.log_type, c.location, c.request_id, c.retries, c.retry_interval, c.oldest, c.latest)


@renders(m.UpdateFirmware)
def _update_firmware(c: m.UpdateFirmware, v: OcppVersion) -> Rendered:
    retry = compact(retries=c.retries, retryInterval=c.retry_interval)
    if c.signature is None and c.signing_certificate is None:
        if c.install is not None:
            raise InvalidCommand("installDate needs a signed update on OCPP 1.6 (SignedUpdateFirmware)")
        payload = {"location": c.location, "retrieveDate": format_time(c.retrieve), **retry}
        return Rendered("UpdateFirmware", payload, read=receipt)
    if c.signature is None or c.signing_certificate is None:
        raise InvalidCommand("a signed firmware update needs both signingCertificate and signature")
    firmware = compact(
        location=c.location,
        retrieveDateTime=format_time(c.retrieve),
        installDateTime=_optional_time(c.install),
        signingCertificate=c.signing_certificate,
        signature=c.signature,
    )
    request_id = c.request_id if c.request_id is not None else next_request_id()
    return Rendered("SignedUpdateFirmware", {"requestId": request_id, "firmware": firmware, **retry})
