"""OCPP 2.0.1 and 2.1: each typed command as the 2.x message it is. A REST "connector" is an EVSE here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

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
from chargegrid.ocpp.dialects.shared_shapes import (
    certificate_hash,
    get_log,
    install_certificate,
    register_shared,
)
from chargegrid.ocpp.dialects.table import Answer, Dialect, Payload, Rendered, compact, receipt
from chargegrid.ocpp.requests import next_request_id
from chargegrid.ocpp.versions import OcppVersion
from chargegrid.ocpp.wire import format_time

V2X = Dialect("OCPP 2.0.1/2.1", addresses_evses=True)
renders = V2X.renders
register_shared(V2X)

# A stable id per EVSE, so setting a new limit replaces the old profile instead of stacking.
LIMIT_PROFILE_BASE = 9000


def _per_message_limits(controller: str, action: str, items: str, results: str) -> Batch:
    """How many entries of `action` the station takes per message: the controller's ItemsPerMessage
    and BytesPerMessage, instance `action`."""
    return Batch(
        items,
        (results,),
        LimitRef(controller, "ItemsPerMessage", action),
        LimitRef(controller, "BytesPerMessage", action),
    )


GET_VARIABLES_BATCH = _per_message_limits(
    "DeviceDataCtrlr", "GetVariables", "getVariableData", "getVariableResult"
)
SET_VARIABLES_BATCH = _per_message_limits(
    "DeviceDataCtrlr", "SetVariables", "setVariableData", "setVariableResult"
)
SET_MONITORING_BATCH = _per_message_limits(
    "MonitoringCtrlr", "SetVariableMonitoring", "setMonitoringData", "setMonitoringResult"
)
CLEAR_MONITORING_BATCH = _per_message_limits(
    "MonitoringCtrlr", "ClearVariableMonitoring", "id", "clearMonitoringResult"
)


def _key(key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """'Component.Variable' (or 'Component.Variable.Instance') → 2.x component and variable."""
    component, sep, variable = key.partition(".")
    if not sep or not component or not variable:
        raise InvalidCommand(
            f"OCPP 2.x configuration keys are written Component.Variable (got {key!r}), "
            "e.g. OCPPCommCtrlr.HeartbeatInterval"
        )
    name, _, instance = variable.partition(".")
    return {"name": component}, compact(name=name, instance=instance or None)


def configuration_key_problems_2x(keys: Iterable[str]) -> list[str]:
    problems = []
    for key in keys:
        try:
            _key(key)
        except InvalidCommand as exc:
            problems.append(str(exc))
    return problems


def _id_token(tag: str) -> Payload:
    return {"idToken": tag, "type": "Central"}


def _evse(connector: int | None, evse_connector: int | None) -> Payload | None:
    if connector is None or connector == 0:
        if evse_connector is not None:
            raise InvalidCommand("a connector within an EVSE needs the EVSE: give connectorId (EVSE id) ≥ 1")
        return None
    return compact(id=connector, connectorId=evse_connector)


@renders(rc.Reset)
def _reset(c: rc.Reset, v: OcppVersion) -> Rendered:
    return Rendered("Reset", compact(type="Immediate" if c.hard else "OnIdle", evseId=c.evse))


@renders(rc.UnlockConnector)
def _unlock(c: rc.UnlockConnector, v: OcppVersion) -> Rendered:
    return Rendered("UnlockConnector", {"evseId": c.connector, "connectorId": c.evse_connector or 1})


@renders(rc.RemoteStart)
def _remote_start(c: rc.RemoteStart, v: OcppVersion) -> Rendered:
    payload = compact(
        idToken=_id_token(c.id_tag),
        remoteStartId=c.remote_start_id if c.remote_start_id is not None else next_request_id(),
        evseId=c.connector,
        groupIdToken=_id_token(c.group_id_tag) if c.group_id_tag else None,
        chargingProfile=remote_start_profile(c.charging_profile),
    )
    return Rendered("RequestStartTransaction", payload)


@renders(rc.RemoteStop)
def _remote_stop(c: rc.RemoteStop, v: OcppVersion) -> Rendered:
    if not c.charger_transaction_id:
        raise InvalidCommand(f"transaction {c.transaction_id} has no OCPP 2.x transaction id to stop")
    return Rendered("RequestStopTransaction", {"transactionId": c.charger_transaction_id})


@renders(rc.TriggerMessage)
def _trigger(c: rc.TriggerMessage, v: OcppVersion) -> Rendered:
    payload = compact(requestedMessage=c.message, evse=_evse(c.connector, c.evse_connector))
    # The message name is the caller's: the schema's list of triggerable messages judges it.
    return Rendered("TriggerMessage", payload, caller_payload=True)


@renders(rc.ChangeAvailability)
def _availability(c: rc.ChangeAvailability, v: OcppVersion) -> Rendered:
    status = "Operative" if c.operative else "Inoperative"
    payload = compact(operationalStatus=status, evse=_evse(c.connector, c.evse_connector))
    return Rendered("ChangeAvailability", payload)


def _transaction_status(answer: Payload) -> Answer:
    return "Accepted", answer


@renders(rc.GetTransactionStatus)
def _transaction_status_request(c: rc.GetTransactionStatus, v: OcppVersion) -> Rendered:
    return Rendered(
        "GetTransactionStatus", compact(transactionId=c.charger_transaction_id), read=_transaction_status
    )


def _read_keys(keys: tuple[str, ...]) -> Any:
    def read(answer: Payload) -> Answer:
        known, unknown = [], []
        for key, result in zip(keys, answer["getVariableResult"], strict=False):
            if result["attributeStatus"] == "Accepted":
                known.append({"key": key, "readonly": False, "value": result.get("attributeValue")})
            else:
                unknown.append(key)
        return "Accepted", {"configurationKey": known, "unknownKey": unknown, "raw": answer}

    return read


@renders(pv.GetConfiguration)
def _get_configuration(c: pv.GetConfiguration, v: OcppVersion) -> Rendered:
    if not c.keys:
        raise InvalidCommand(
            "OCPP 2.x has no 'all keys' read: name a key as Component.Variable "
            "(the full set arrives with GetBaseReport as NotifyReport)"
        )
    data = []
    for key in c.keys:
        component, variable = _key(key)
        data.append({"component": component, "variable": variable})
    return Rendered(
        "GetVariables", {"getVariableData": data}, read=_read_keys(c.keys), batch=GET_VARIABLES_BATCH
    )


def _first_set_result(answer: Payload) -> Answer:
    return answer["setVariableResult"][0]["attributeStatus"], answer


@renders(pv.ChangeConfiguration)
def _change_configuration(c: pv.ChangeConfiguration, v: OcppVersion) -> Rendered:
    component, variable = _key(c.key)
    data = [{"attributeValue": c.value, "component": component, "variable": variable}]
    return Rendered("SetVariables", {"setVariableData": data}, read=_first_set_result)


def _component_variable(ref: pv.VariableRef) -> Payload:
    evse = compact(id=ref.evse, connectorId=ref.connector) if ref.evse is not None else None
    return compact(
        component=compact(name=ref.component, instance=ref.component_instance, evse=evse),
        variable=compact(name=ref.variable, instance=ref.variable_instance),
        attributeType=ref.attribute,
    )


def _accepted_with_results(answer: Payload) -> Answer:
    return "Accepted", answer


@renders(pv.GetVariables)
def _get_variables(c: pv.GetVariables, v: OcppVersion) -> Rendered:
    data = [_component_variable(item) for item in c.items]
    return Rendered(
        "GetVariables", {"getVariableData": data}, read=_accepted_with_results, batch=GET_VARIABLES_BATCH
    )


@renders(pv.SetVariables)
def _set_variables(c: pv.SetVariables, v: OcppVersion) -> Rendered:
    data = [{**_component_variable(item), "attributeValue": item.value} for item in c.items]
    return Rendered(
        "SetVariables", {"setVariableData": data}, read=_accepted_with_results, batch=SET_VARIABLES_BATCH
    )


@renders(pv.SetNetworkProfile)
def _set_network_profile(c: pv.SetNetworkProfile, v: OcppVersion) -> Rendered:
    connection = {
        "ocppVersion": "OCPP21" if v is OcppVersion.v21 else "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": c.csms_url,
        "messageTimeout": c.message_timeout,
        "securityProfile": c.security_profile,
        "ocppInterface": c.interface,
    }
    return Rendered(
        "SetNetworkProfile", {"configurationSlot": c.configuration_slot, "connectionData": connection}
    )


def _optional_time(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


def _schedule(index: int, s: cp.ChargingSchedule) -> Payload:
    periods = [
        compact(
            startPeriod=period.start_period,
            limit=period.limit,
            numberPhases=period.number_phases,
            phaseToUse=period.phase_to_use,
        )
        for period in s.charging_schedule_period
    ]
    return compact(
        id=s.id if s.id is not None else index + 1,
        startSchedule=_optional_time(s.start_schedule),
        duration=s.duration,
        chargingRateUnit=s.charging_rate_unit.value,
        chargingSchedulePeriod=periods,
        minChargingRate=s.min_charging_rate,
    )


def _profile(p: cp.ChargingProfile, charger_transaction_id: str | None) -> Payload:
    """The version-neutral profile as the 2.x `chargingProfile` (the transaction by the station's id)."""
    if p.transaction_id is not None and not charger_transaction_id:
        raise InvalidCommand(f"transactionId: transaction {p.transaction_id} has no OCPP 2.x transaction id")
    return compact(
        id=p.id,
        stackLevel=p.stack_level,
        chargingProfilePurpose=p.charging_profile_purpose.value,
        chargingProfileKind=p.charging_profile_kind.value,
        recurrencyKind=p.recurrency_kind.value if p.recurrency_kind else None,
        validFrom=_optional_time(p.valid_from),
        validTo=_optional_time(p.valid_to),
        transactionId=charger_transaction_id if p.transaction_id is not None else None,
        chargingSchedule=[_schedule(i, s) for i, s in enumerate(p.charging_schedule)],
    )


def remote_start_profile(p: cp.ChargingProfile | None) -> Payload | None:
    return _profile(p, None) if p is not None else None


@renders(sc.SetChargingProfile)
def _set_profile(c: sc.SetChargingProfile, v: OcppVersion) -> Rendered:
    payload = {"evseId": c.connector, "chargingProfile": _profile(c.profile, c.charger_transaction_id)}
    return Rendered("SetChargingProfile", payload)


@renders(sc.SetLimit)
def _set_limit(c: sc.SetLimit, v: OcppVersion) -> Rendered:
    profile = cp.constant_limit_profile(LIMIT_PROFILE_BASE + c.connector, c.limit)
    return Rendered("SetChargingProfile", {"evseId": c.connector, "chargingProfile": _profile(profile, None)})


@renders(sc.ClearLimit)
def _clear_limit(c: sc.ClearLimit, v: OcppVersion) -> Rendered:
    criteria = {"evseId": c.connector, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0}
    return Rendered("ClearChargingProfile", {"chargingProfileCriteria": criteria})


@renders(sc.ClearChargingProfile)
def _clear_profile(c: sc.ClearChargingProfile, v: OcppVersion) -> Rendered:
    criteria = compact(
        evseId=c.connector,
        chargingProfilePurpose=c.purpose.value if c.purpose else None,
        stackLevel=c.stack_level,
    )
    return Rendered(
        "ClearChargingProfile",
        compact(chargingProfileId=c.profile_id, chargingProfileCriteria=criteria or None),
    )


@renders(sc.GetChargingProfiles)
def _get_profiles(c: sc.GetChargingProfiles, v: OcppVersion) -> Rendered:
    criterion = compact(
        chargingProfilePurpose=c.purpose.value if c.purpose else None,
        stackLevel=c.stack_level,
        chargingProfileId=list(c.profile_ids) or None,
    )
    payload = compact(
        requestId=c.request_id if c.request_id is not None else next_request_id(),
        evseId=c.connector,
        chargingProfile=criterion,
    )
    return Rendered("GetChargingProfiles", payload, read=_with_request_id(payload["requestId"]))


def _with_request_id(request_id: int) -> Any:
    def read(answer: Payload) -> Answer:
        return answer.get("status"), {**answer, "requestId": request_id}

    return read


@renders(sc.GetCompositeSchedule)
def _composite(c: sc.GetCompositeSchedule, v: OcppVersion) -> Rendered:
    payload = compact(evseId=c.connector, duration=c.duration, chargingRateUnit=c.unit)
    return Rendered("GetCompositeSchedule", payload)


@renders(rs.ReserveNow)
def _reserve(c: rs.ReserveNow, v: OcppVersion) -> Rendered:
    payload = compact(
        id=c.reservation_id,
        expiryDateTime=format_time(c.expiry),
        idToken=_id_token(c.id_tag),
        evseId=c.connector or None,
        groupIdToken=_id_token(c.group_id_tag) if c.group_id_tag else None,
        connectorType=c.connector_type,
    )
    return Rendered("ReserveNow", payload)


def _local_entry(e: rs.LocalListEntry) -> Payload:
    if e.status is None:  # a Differential update removes the token
        return {"idToken": _id_token(e.id_tag)}
    info = compact(
        status=e.status,
        cacheExpiryDateTime=format_time(e.expiry) if e.expiry else None,
        groupIdToken=_id_token(e.group_id_tag) if e.group_id_tag else None,
    )
    return {"idToken": _id_token(e.id_tag), "idTokenInfo": info}


@renders(rs.SendLocalList)
def _send_local_list(c: rs.SendLocalList, v: OcppVersion) -> Rendered:
    payload: Payload = {"versionNumber": c.list_version, "updateType": c.update_type}
    if c.entries:  # 2.x: an empty Full list (clear everything) omits the list itself
        payload["localAuthorizationList"] = [_local_entry(e) for e in c.entries]
    return Rendered("SendLocalList", payload)


def _list_version(answer: Payload) -> Answer:
    return "Accepted", {"listVersion": answer["versionNumber"]}


@renders(rs.GetLocalListVersion)
def _get_local_list_version(c: rs.GetLocalListVersion, v: OcppVersion) -> Rendered:
    return Rendered("GetLocalListVersion", {}, read=_list_version)


@renders(m.GetDiagnostics)
def _diagnostics(c: m.GetDiagnostics, v: OcppVersion) -> Rendered:
    return get_log("DiagnosticsLog", c.location, c.request_id, None, None)


@renders(m.GetLog)
def _get_log(c: m.GetLog, v: OcppVersion) -> Rendered:
    return get_log(c.log_type, c.location, c.request_id, c.retries, c.retry_interval, c.oldest, c.latest)


@renders(m.UpdateFirmware)
def _update_firmware(c: m.UpdateFirmware, v: OcppVersion) -> Rendered:
    firmware = compact(
        location=c.location,
        retrieveDateTime=format_time(c.retrieve),
        installDateTime=format_time(c.install) if c.install else None,
        signingCertificate=c.signing_certificate,
        signature=c.signature,
    )
    payload = compact(
        requestId=c.request_id,
        firmware=firmware,
        retries=c.retries,
        retryInterval=c.retry_interval,
    )
    return Rendered("UpdateFirmware", payload)


@renders(m.PublishFirmware)
def _publish_firmware(c: m.PublishFirmware, v: OcppVersion) -> Rendered:
    payload = compact(
        location=c.location,
        checksum=c.checksum,
        requestId=c.request_id,
        retries=c.retries,
        retryInterval=c.retry_interval,
    )
    return Rendered("PublishFirmware", payload)


@renders(m.UnpublishFirmware)
def _unpublish_firmware(c: m.UnpublishFirmware, v: OcppVersion) -> Rendered:
    return Rendered("UnpublishFirmware", {"checksum": c.checksum})


@renders(cost.CostUpdated)
def _cost_updated(c: cost.CostUpdated, v: OcppVersion) -> Rendered:
    # The answer has no fields: receiving it is the acknowledgement.
    payload = {"totalCost": c.total_cost, "transactionId": c.charger_transaction_id}
    return Rendered("CostUpdated", payload, read=receipt)


def _only_in_21(certificate_type: str, v: OcppVersion) -> None:
    if certificate_type == "OEMRootCertificate" and v is OcppVersion.v201:
        raise InvalidCommand("certificateType OEMRootCertificate is OCPP 2.1 only: this charger speaks 2.0.1")


@renders(ct.InstallCertificate)
def _install_certificate(c: ct.InstallCertificate, v: OcppVersion) -> Rendered:
    _only_in_21(c.certificate_type, v)
    return install_certificate(c.certificate_type, c.certificate)


@renders(ct.CertificateSigned)
def _certificate_signed(c: ct.CertificateSigned, v: OcppVersion) -> Rendered:
    payload = {"certificateChain": c.certificate_chain, "certificateType": c.certificate_type}
    return Rendered("CertificateSigned", payload)


def _installed_ids(answer: Payload) -> Answer:
    listed = []
    for chain in answer.get("certificateHashDataChain") or []:
        entry = {"certificateType": chain["certificateType"], **chain["certificateHashData"]}
        if chain.get("childCertificateHashData"):
            entry["childCertificates"] = chain["childCertificateHashData"]
        listed.append(entry)
    return answer.get("status"), {**answer, "certificates": listed}


@renders(ct.GetInstalledCertificateIds)
def _get_installed_ids(c: ct.GetInstalledCertificateIds, v: OcppVersion) -> Rendered:
    for certificate_type in c.certificate_types:
        _only_in_21(certificate_type, v)
    payload = compact(certificateType=list(c.certificate_types) or None)
    return Rendered("GetInstalledCertificateIds", payload, read=_installed_ids)


# ---- device model reports, display messages, monitoring, customer information (2.x only) ----------


def _report_target(t: pv.ReportTarget) -> Payload:
    evse = compact(id=t.evse, connectorId=t.connector) if t.evse is not None else None
    variable = compact(name=t.variable, instance=t.variable_instance) if t.variable else None
    return compact(
        component=compact(name=t.component, instance=t.component_instance, evse=evse), variable=variable
    )


@renders(pv.GetBaseReport)
def _get_base_report(c: pv.GetBaseReport, v: OcppVersion) -> Rendered:
    return Rendered("GetBaseReport", {"requestId": c.request_id, "reportBase": c.report_base})


@renders(pv.GetReport)
def _get_report(c: pv.GetReport, v: OcppVersion) -> Rendered:
    payload = compact(
        requestId=c.request_id,
        componentCriteria=list(c.criteria) or None,
        componentVariable=[_report_target(t) for t in c.targets] or None,
    )
    return Rendered("GetReport", payload)


@renders(dm.SetDisplayMessage)
def _set_display_message(c: dm.SetDisplayMessage, v: OcppVersion) -> Rendered:
    content = compact(format=c.message.format, language=c.message.language, content=c.message.text)
    message = compact(
        id=c.message_id,
        priority=c.priority,
        state=c.state,
        startDateTime=format_time(c.start) if c.start else None,
        endDateTime=format_time(c.end) if c.end else None,
        transactionId=c.transaction_id,
        message=content,
    )
    return Rendered("SetDisplayMessage", {"message": message})


@renders(dm.GetDisplayMessages)
def _get_display_messages(c: dm.GetDisplayMessages, v: OcppVersion) -> Rendered:
    payload = compact(requestId=c.request_id, id=list(c.ids) or None, priority=c.priority, state=c.state)
    return Rendered("GetDisplayMessages", payload)


@renders(dm.ClearDisplayMessage)
def _clear_display_message(c: dm.ClearDisplayMessage, v: OcppVersion) -> Rendered:
    return Rendered("ClearDisplayMessage", {"id": c.message_id})


@renders(mo.SetVariableMonitoring)
def _set_variable_monitoring(c: mo.SetVariableMonitoring, v: OcppVersion) -> Rendered:
    data = []
    for item in c.items:
        target = _component_variable(item)
        target.pop("attributeType", None)
        monitor = compact(
            id=item.id, transaction=item.transaction, value=item.value, type=item.type, severity=item.severity
        )
        data.append({**monitor, **target})
    return Rendered(
        "SetVariableMonitoring",
        {"setMonitoringData": data},
        read=_accepted_with_results,
        batch=SET_MONITORING_BATCH,
    )


@renders(mo.SetMonitoringBase)
def _set_monitoring_base(c: mo.SetMonitoringBase, v: OcppVersion) -> Rendered:
    return Rendered("SetMonitoringBase", {"monitoringBase": c.base})


@renders(mo.SetMonitoringLevel)
def _set_monitoring_level(c: mo.SetMonitoringLevel, v: OcppVersion) -> Rendered:
    return Rendered("SetMonitoringLevel", {"severity": c.severity})


@renders(mo.ClearVariableMonitoring)
def _clear_variable_monitoring(c: mo.ClearVariableMonitoring, v: OcppVersion) -> Rendered:
    return Rendered(
        "ClearVariableMonitoring",
        {"id": list(c.ids)},
        read=_accepted_with_results,
        batch=CLEAR_MONITORING_BATCH,
    )


@renders(mo.GetMonitoringReport)
def _get_monitoring_report(c: mo.GetMonitoringReport, v: OcppVersion) -> Rendered:
    payload = compact(
        requestId=c.request_id,
        monitoringCriteria=list(c.criteria) or None,
        componentVariable=[_report_target(t) for t in c.targets] or None,
    )
    return Rendered("GetMonitoringReport", payload)


@renders(cu.CustomerInformation)
def _customer_information(c: cu.CustomerInformation, v: OcppVersion) -> Rendered:
    certificate = certificate_hash(c.certificate) if c.certificate is not None else None
    payload = compact(
        requestId=c.request_id,
        report=c.report,
        clear=c.clear,
        customerIdentifier=c.customer_identifier,
        idToken={"idToken": c.id_token, "type": c.id_token_type} if c.id_token else None,
        customerCertificate=certificate,
    )
    return Rendered("CustomerInformation", payload)
