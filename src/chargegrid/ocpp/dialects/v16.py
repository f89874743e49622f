"""OCPP 1.6J (with the Security Extension): each typed command as the 1.6 message it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chargegrid.domain import charging_profiles as cp
from chargegrid.ocpp.batching import Batch, LimitRef
from chargegrid.ocpp.commands import certificates as ct
from chargegrid.ocpp.commands import cost
from chargegrid.ocpp.commands import customer as cu
from chargegrid.ocpp.commands import display as dm
from chargegrid.ocpp.commands import maintenance as m
from chargegrid.ocpp.commands import monitoring as mo
from chargegrid.ocpp.commands import provisioning as pv
from chargegrid.ocpp.commands import remote_control as rc
from chargegrid.ocpp.commands import reservations as rs
from chargegrid.ocpp.commands import smart_charging as sc
from chargegrid.ocpp.commands.base import InvalidCommand
from chargegrid.ocpp.dialects.shared_shapes import get_log, install_certificate, register_shared
from chargegrid.ocpp.dialects.table import Answer, Dialect, Payload, Rendered, compact, receipt
from chargegrid.ocpp.versions import OcppVersion
from chargegrid.ocpp.wire import format_time

V16 = Dialect("OCPP 1.6", addresses_evses=False)
renders = V16.renders
register_shared(V16)

# OCPP 1.6 IdToken is CiString20Type.
ID_TAG_MAX_16 = 20

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
V16.lacks(m.PublishFirmware, "PublishFirmware is 2.x only: OCPP 1.6 has no local controllers")
V16.lacks(m.UnpublishFirmware, "UnpublishFirmware is 2.x only: OCPP 1.6 has no local controllers")
V16.lacks(cost.CostUpdated, "CostUpdated is 2.x only: OCPP 1.6 has no running-cost message")
V16.lacks(
    pv.SetNetworkProfile,
    "SetNetworkProfile is 2.x only: on OCPP 1.6 raise the profile with ChangeConfiguration SecurityProfile",
)
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
    profile = _profile(c.charging_profile) if c.charging_profile is not None else None
    payload = compact(connectorId=c.connector, idTag=c.id_tag, chargingProfile=profile)
    return Rendered("RemoteStartTransaction", payload)


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


# A charge point answers at most GetConfigurationMaxKeys keys per GetConfiguration (a configuration key
# is a variable of no component in the stored inventory).
GET_CONFIGURATION_BATCH = Batch(
    "key", ("configurationKey", "unknownKey"), LimitRef("", "GetConfigurationMaxKeys", "")
)


@renders(pv.GetConfiguration)
def _get_configuration(c: pv.GetConfiguration, v: OcppVersion) -> Rendered:
    return Rendered(
        "GetConfiguration",
        {"key": list(c.keys)} if c.keys else {},
        read=_configuration,
        batch=GET_CONFIGURATION_BATCH,
    )


@renders(pv.ChangeConfiguration)
def _change_configuration(c: pv.ChangeConfiguration, v: OcppVersion) -> Rendered:
    return Rendered("ChangeConfiguration", {"key": c.key, "value": c.value})


def _profile(p: cp.ChargingProfile) -> Payload:
    """The version-neutral profile as 1.6 `csChargingProfiles` (one schedule, no phaseToUse)."""
    if len(p.charging_schedule) > 1:
        raise InvalidCommand("chargingSchedule: an OCPP 1.6 profile holds one schedule, not several")
    s = p.charging_schedule[0]
    periods = []
    for period in s.charging_schedule_period:
        if period.phase_to_use is not None:
            raise _two_x_only("chargingSchedulePeriod.phaseToUse")
        periods.append(
            compact(
                startPeriod=period.start_period,
                limit=round(period.limit, 1),
                numberPhases=period.number_phases,
            )
        )
    purpose = p.charging_profile_purpose
    schedule = compact(
        duration=s.duration,
        startSchedule=_optional_time(s.start_schedule),
        chargingRateUnit=s.charging_rate_unit.value,
        chargingSchedulePeriod=periods,
        minChargingRate=round(s.min_charging_rate, 1) if s.min_charging_rate is not None else None,
    )
    return compact(
        chargingProfileId=p.id,
        transactionId=p.transaction_id,
        stackLevel=p.stack_level,
        chargingProfilePurpose=_PURPOSE.get(purpose, purpose.value),
        chargingProfileKind=p.charging_profile_kind.value,
        recurrencyKind=p.recurrency_kind.value if p.recurrency_kind else None,
        validFrom=_optional_time(p.valid_from),
        validTo=_optional_time(p.valid_to),
        chargingSchedule=schedule,
    )


_PURPOSE = {cp.Purpose.ChargingStationMaxProfile: "ChargePointMaxProfile"}


@renders(sc.SetChargingProfile)
def _set_profile(c: sc.SetChargingProfile, v: OcppVersion) -> Rendered:
    return Rendered(
        "SetChargingProfile", {"connectorId": c.connector, "csChargingProfiles": _profile(c.profile)}
    )


@renders(sc.SetLimit)
def _set_limit(c: sc.SetLimit, v: OcppVersion) -> Rendered:
    profile = cp.constant_limit_profile(LIMIT_PROFILE_BASE + c.connector, c.limit)
    return Rendered(
        "SetChargingProfile", {"connectorId": c.connector, "csChargingProfiles": _profile(profile)}
    )


@renders(sc.ClearChargingProfile)
def _clear_profile(c: sc.ClearChargingProfile, v: OcppVersion) -> Rendered:
    purpose = _PURPOSE.get(c.purpose, c.purpose.value) if c.purpose else None
    payload = compact(
        id=c.profile_id, connectorId=c.connector, chargingProfilePurpose=purpose, stackLevel=c.stack_level
    )
    return Rendered("ClearChargingProfile", payload)


V16.lacks(
    sc.GetChargingProfiles,
    "GetChargingProfiles is 2.x only: an OCPP 1.6 charger cannot list its profiles "
    "(GET /API/ChargingProfiles shows what the server installed)",
)


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
    for name, tag in (("idTag", e.id_tag), ("parentIdTag", e.group_id_tag)):
        if tag is not None and len(tag) > ID_TAG_MAX_16:
            raise InvalidCommand(
                f"{name} {tag!r} is longer than OCPP 1.6's {ID_TAG_MAX_16} characters: "
                "a 1.6 charger cannot hold it in its local list"
            )
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
    return Rendered("SignedUpdateFirmware", {"requestId": c.request_id, "firmware": firmware, **retry})


# 1.6's names for the root certificates it knows (the Security Extension has no V2G/MO/OEM roots).
_CERTIFICATE_TYPES_16 = {
    "CSMSRootCertificate": "CentralSystemRootCertificate",
    "ManufacturerRootCertificate": "ManufacturerRootCertificate",
}


def _certificate_type(name: str) -> str:
    try:
        return _CERTIFICATE_TYPES_16[name]
    except KeyError:
        raise InvalidCommand(
            f"certificateType {name} is 2.x only: an OCPP 1.6 charger knows CSMSRootCertificate "
            "and ManufacturerRootCertificate"
        ) from None


@renders(ct.InstallCertificate)
def _install_certificate(c: ct.InstallCertificate, v: OcppVersion) -> Rendered:
    return install_certificate(_certificate_type(c.certificate_type), c.certificate)


@renders(ct.CertificateSigned)
def _certificate_signed(c: ct.CertificateSigned, v: OcppVersion) -> Rendered:
    # The Security Extension's CertificateSigned has no type: it is always the charge point's own.
    if c.certificate_type != "ChargingStationCertificate":
        raise V16.refuse(
            f"CertificateSigned of a {c.certificate_type} is 2.x only: an OCPP 1.6 charger is signed only "
            "its own certificate (ChargingStationCertificate)"
        )
    return Rendered("CertificateSigned", {"certificateChain": c.certificate_chain})


def _installed_ids(certificate_type: str) -> Callable[[Payload], Answer]:
    def read(answer: Payload) -> Answer:
        listed = [{"certificateType": certificate_type, **h} for h in answer.get("certificateHashData") or []]
        return answer.get("status"), {**answer, "certificates": listed}

    return read


@renders(ct.GetInstalledCertificateIds)
def _get_installed_ids(c: ct.GetInstalledCertificateIds, v: OcppVersion) -> Rendered:
    if len(c.certificate_types) != 1:
        raise InvalidCommand(
            "an OCPP 1.6 charger lists one certificateType at a time: give exactly one of "
            "CSMSRootCertificate, ManufacturerRootCertificate"
        )
    wire_type = _certificate_type(c.certificate_types[0])
    return Rendered(
        "GetInstalledCertificateIds",
        {"certificateType": wire_type},
        read=_installed_ids(c.certificate_types[0]),
    )
