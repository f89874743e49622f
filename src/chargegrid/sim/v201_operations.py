"""What a simulated 2.x station answers beyond charging: its device model and reports, monitoring,
display messages, customer information, charging profiles read back, reservations, the local list,
logs, firmware, network profiles and certificates.

Each answer is what a well-behaved station would give, and where OCPP has the station report
afterwards (NotifyReport, NotifyMonitoringReport, NotifyDisplayMessages, NotifyCustomerInformation,
ReportChargingProfiles, LogStatusNotification, FirmwareStatusNotification,
PublishFirmwareStatusNotification) the follow-up messages are sent once the answer is out. The
station keeps what it was given (messages, monitors, reservations, certificates...) so that reading it
back shows it. State lives in one `StationBook` per station, created at the first such operation, so
a large fleet that only charges pays nothing for it.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chargegrid.sim.charger import FollowUp, Handler, Payload, utcnow

if TYPE_CHECKING:
    from chargegrid.sim.v201 import ChargerV201

# How many items the simulated station takes or sends per message (DeviceDataCtrlr.ItemsPerMessage,
# reported in its device model; the server splits longer Get/SetVariables to fit).
ITEMS_PER_MESSAGE = {"GetReport": 10, "GetVariables": 8, "SetVariables": 8}
BYTES_PER_MESSAGE = 65000


def device_data_config() -> dict[str, str]:
    """The DeviceDataCtrlr limits as configuration entries ("Component/Variable.instance")."""
    config = {f"DeviceDataCtrlr/ItemsPerMessage.{op}": str(n) for op, n in ITEMS_PER_MESSAGE.items()}
    for op in ITEMS_PER_MESSAGE:
        config[f"DeviceDataCtrlr/BytesPerMessage.{op}"] = str(BYTES_PER_MESSAGE)
    return config


READ_ONLY_COMPONENTS = frozenset({"DeviceDataCtrlr"})


@dataclass
class StationBook:
    """What the station was given and keeps."""

    display_messages: dict[int, Payload] = field(default_factory=dict)
    monitors: dict[int, Payload] = field(default_factory=dict)
    monitor_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    monitoring_base: str = "All"
    monitoring_level: int = 9
    reservations: dict[int, Payload] = field(default_factory=dict)
    local_list_version: int = 0
    network_profiles: dict[int, Payload] = field(default_factory=dict)
    certificates: list[tuple[str, Payload]] = field(default_factory=list)  # (type, hash data)
    published: set[str] = field(default_factory=set)  # checksums of published firmware


def book(cs: ChargerV201) -> StationBook:
    if cs.book is None:
        cs.book = StationBook()
    return cs.book


def _parts(items: list[Payload], size: int) -> list[list[Payload]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _data_type(value: str) -> str:
    if value in ("true", "false"):
        return "boolean"
    return "integer" if value.lstrip("-").isdigit() else "string"


def split_key(key: str) -> tuple[str, str, str | None]:
    """ "Component/Variable.instance" → component, variable, instance."""
    component, _, variable = key.partition("/")
    name, _, instance = variable.partition(".")
    return component, name, instance or None


def _variable(name: str, instance: str | None) -> Payload:
    return {"name": name, **({"instance": instance} if instance else {})}


def report_items(cs: ChargerV201, writable_only: bool = False, summary: bool = False) -> list[Payload]:
    """The station's device model as NotifyReport reportData: its configuration, then each EVSE and
    connector with its availability (a summary: only those)."""
    items: list[Payload] = []
    if not summary:
        for key, value in cs.config.items():
            component, name, instance = split_key(key)
            read_only = cs.read_only(component, name)
            if writable_only and read_only:
                continue
            items.append(
                {
                    "component": {"name": component},
                    "variable": _variable(name, instance),
                    "variableAttribute": [
                        {
                            "type": "Actual",
                            "value": value,
                            "mutability": "ReadOnly" if read_only else "ReadWrite",
                        }
                    ],
                    "variableCharacteristics": {"dataType": _data_type(value), "supportsMonitoring": True},
                }
            )
    if writable_only:
        return items
    for c in cs.connectors:
        evse_and_connector: tuple[Payload, Payload] = (
            {"name": "EVSE", "evse": {"id": c.id}},
            {"name": "Connector", "evse": {"id": c.id, "connectorId": 1}},
        )
        for target in evse_and_connector:
            items.append(
                {
                    "component": target,
                    "variable": {"name": "AvailabilityState"},
                    "variableAttribute": [{"type": "Actual", "value": c.status, "mutability": "ReadOnly"}],
                    "variableCharacteristics": {
                        "dataType": "OptionList",
                        "valuesList": "Available,Occupied,Reserved,Unavailable,Faulted",
                        "supportsMonitoring": True,
                    },
                }
            )
    return items


def _matches(item: Payload, wanted: Payload) -> bool:
    component, variable = wanted["component"], wanted.get("variable")
    have = item["component"]
    if have["name"] != component["name"]:
        return False
    evse = component.get("evse")
    if evse and (have.get("evse") or {}).get("id") != evse.get("id"):
        return False
    return variable is None or item["variable"]["name"] == variable["name"]


def known_variable(cs: ChargerV201, component: str, variable: str) -> str | None:
    """None when the station has that component/variable, else the status saying which is unknown."""
    names = [(item["component"]["name"], item["variable"]["name"]) for item in report_items(cs)]
    if (component, variable) in names:
        return None
    return "UnknownVariable" if any(c == component for c, _ in names) else "UnknownComponent"


def _send_parts(
    cs: ChargerV201, action: str, request_id: int, field_name: str, items: list[Payload], size: int
) -> FollowUp:
    async def follow() -> None:
        parts = _parts(items, size)
        for seq_no, part in enumerate(parts):
            await cs.call(
                action,
                {
                    "requestId": request_id,
                    "generatedAt": utcnow(),
                    "seqNo": seq_no,
                    "tbc": seq_no < len(parts) - 1,
                    field_name: part,
                },
            )

    return follow


def _report(cs: ChargerV201, request_id: int, items: list[Payload]) -> tuple[Payload, FollowUp]:
    if not items:
        return {"status": "EmptyResultSet"}, None
    follow = _send_parts(cs, "NotifyReport", request_id, "reportData", items, ITEMS_PER_MESSAGE["GetReport"])
    return {"status": "Accepted"}, follow


# ---------------------------------------------------------------- device model reports


def on_get_base_report(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    base = p["reportBase"]
    items = report_items(
        cs, writable_only=base == "ConfigurationInventory", summary=base == "SummaryInventory"
    )
    return _report(cs, p["requestId"], items)


def on_get_report(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    items = report_items(cs)
    wanted = p.get("componentVariable") or []
    if wanted:
        items = [item for item in items if any(_matches(item, w) for w in wanted)]
    if "Problem" in (p.get("componentCriteria") or []):
        items = []  # a simulated station has no problems
    return _report(cs, p["requestId"], items)


# ---------------------------------------------------------------- monitoring


def on_set_variable_monitoring(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    state = book(cs)
    results = []
    for item in p["setMonitoringData"]:
        component, variable = item["component"], item["variable"]
        result: Payload = {
            "type": item["type"],
            "severity": item["severity"],
            "component": component,
            "variable": variable,
        }
        unknown = known_variable(cs, component["name"], variable["name"])
        if unknown is not None:
            result["status"] = unknown
        elif item.get("id") is not None and item["id"] not in state.monitors:
            result["status"] = "Rejected"  # replacing a monitor that does not exist
        else:
            monitor_id = item.get("id") or next(state.monitor_ids)
            state.monitors[monitor_id] = {**item, "id": monitor_id}
            result.update(status="Accepted", id=monitor_id)
        results.append(result)
    return {"setMonitoringResult": results}, None


def on_clear_variable_monitoring(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    state = book(cs)
    results = []
    for monitor_id in p["id"]:
        found = state.monitors.pop(monitor_id, None)
        results.append({"id": monitor_id, "status": "Accepted" if found else "NotFound"})
    return {"clearMonitoringResult": results}, None


def on_set_monitoring_base(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    book(cs).monitoring_base = p["monitoringBase"]
    return {"status": "Accepted"}, None


def on_set_monitoring_level(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    book(cs).monitoring_level = p["severity"]
    return {"status": "Accepted"}, None


_MONITOR_KINDS = {
    "ThresholdMonitoring": ("UpperThreshold", "LowerThreshold"),
    "DeltaMonitoring": ("Delta",),
    "PeriodicMonitoring": ("Periodic", "PeriodicClockAligned"),
}


def on_get_monitoring_report(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    monitors = list(book(cs).monitors.values())
    criteria = p.get("monitoringCriteria") or []
    if criteria:
        kinds = {kind for c in criteria for kind in _MONITOR_KINDS.get(c, ())}
        monitors = [m for m in monitors if m["type"] in kinds]
    wanted = p.get("componentVariable") or []
    if wanted:
        monitors = [m for m in monitors if any(_matches(m, w) for w in wanted)]
    if not monitors:
        return {"status": "EmptyResultSet"}, None
    grouped: dict[str, Payload] = {}
    for m in monitors:
        key = repr((m["component"], m["variable"]))
        entry = grouped.setdefault(
            key, {"component": m["component"], "variable": m["variable"], "variableMonitoring": []}
        )
        reported: Payload = {
            "id": m["id"],
            "transaction": bool(m.get("transaction", False)),
            "value": m["value"],
            "type": m["type"],
            "severity": m["severity"],
        }
        if cs.version == "2.1":  # 2.1 also says where a monitor comes from: these were set by the CSMS
            reported["eventNotificationType"] = "CustomMonitor"
        entry["variableMonitoring"].append(reported)
    follow = _send_parts(cs, "NotifyMonitoringReport", p["requestId"], "monitor", list(grouped.values()), 10)
    return {"status": "Accepted"}, follow


# ---------------------------------------------------------------- display messages


def on_set_display_message(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    message = p["message"]
    transaction = message.get("transactionId")
    if transaction is not None and cs.find_transaction(transaction) is None:
        return {"status": "UnknownTransaction"}, None
    book(cs).display_messages[message["id"]] = message
    return {"status": "Accepted"}, None


def on_get_display_messages(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    ids, priority, state = p.get("id"), p.get("priority"), p.get("state")
    found = [
        m
        for m in book(cs).display_messages.values()
        if (not ids or m["id"] in ids)
        and (priority is None or m["priority"] == priority)
        and (state is None or m.get("state") == state)
    ]
    if not found:
        return {"status": "Unknown"}, None

    async def follow() -> None:
        await cs.call(
            "NotifyDisplayMessages", {"requestId": p["requestId"], "tbc": False, "messageInfo": found}
        )

    return {"status": "Accepted"}, follow


def on_clear_display_message(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    found = book(cs).display_messages.pop(p["id"], None)
    return {"status": "Accepted" if found else "Unknown"}, None


# ---------------------------------------------------------------- customer information


def on_customer_information(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    token = (p.get("idToken") or {}).get("idToken")
    customer = (
        token or p.get("customerIdentifier") or (p.get("customerCertificate") or {}).get("serialNumber")
    )
    if customer is None:
        return {"status": "Invalid"}, None  # no one named
    if not p["report"] and not p["clear"]:
        return {"status": "Rejected"}, None
    sessions = sum(1 for c in cs.connectors if token is not None and c.id_tag == token)
    said = []
    if p["report"]:
        said.append(f"customer {customer}: {sessions} ongoing transaction(s) on this station")
    if p["clear"]:
        said.append(f"data of customer {customer} cleared")

    async def follow() -> None:
        await cs.call(
            "NotifyCustomerInformation",
            {
                "data": "; ".join(said)[:512],
                "seqNo": 0,
                "tbc": False,
                "generatedAt": utcnow(),
                "requestId": p["requestId"],
            },
        )

    return {"status": "Accepted"}, follow


# ---------------------------------------------------------------- charging profiles read back


def on_get_charging_profiles(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    evse, criteria = p.get("evseId"), p["chargingProfile"]
    ids, purpose, level = (
        criteria.get("chargingProfileId"),
        criteria.get("chargingProfilePurpose"),
        criteria.get("stackLevel"),
    )
    found: dict[int, list[Payload]] = {}
    for connector, held in cs.profile_book.profiles.items():
        if evse is not None and connector != evse:
            continue
        matching = [
            profile
            for profile in held
            if (not ids or profile["id"] in ids)
            and (purpose is None or profile["chargingProfilePurpose"] == purpose)
            and (level is None or profile["stackLevel"] == level)
        ]
        if matching:
            found[connector] = matching
    if not found:
        return {"status": "NoProfiles"}, None

    async def follow() -> None:
        last = len(found) - 1
        for n, (connector, profiles) in enumerate(sorted(found.items())):
            await cs.call(
                "ReportChargingProfiles",
                {
                    "requestId": p["requestId"],
                    "chargingLimitSource": "CSO",
                    "evseId": connector,
                    "chargingProfile": profiles,
                    "tbc": n < last,
                },
            )

    return {"status": "Accepted"}, follow


def on_get_composite_schedule(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    evse = p["evseId"]
    if evse != 0 and not any(c.id == evse for c in cs.connectors):
        return {"status": "Rejected"}, None
    c = next((c for c in cs.connectors if c.id == evse), None)
    limit_w = cs.profile_book.limit_w(evse, c.started_wall if c else None)
    watts = cs.opts.power_w if limit_w is None else min(cs.opts.power_w, limit_w)
    unit = p.get("chargingRateUnit") or "W"
    limit = round(watts / (230 * 3), 1) if unit == "A" else watts
    schedule = {
        "evseId": evse,
        "duration": p["duration"],
        "scheduleStart": utcnow(),
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
    }
    return {"status": "Accepted", "schedule": schedule}, None


# ---------------------------------------------------------------- reservations and the local list


def on_reserve_now(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    evse = p.get("evseId")
    if evse:
        c = next((c for c in cs.connectors if c.id == evse), None)
        if c is None or not c.available:
            return {"status": "Unavailable"}, None
        if c.transaction_id is not None or c.status != "Available":
            return {"status": "Occupied"}, None
    book(cs).reservations[p["id"]] = p
    return {"status": "Accepted"}, None


def on_cancel_reservation(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    found = book(cs).reservations.pop(p["reservationId"], None)
    return {"status": "Accepted" if found else "Rejected"}, None


def on_send_local_list(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    state = book(cs)
    if p["updateType"] == "Differential" and p["versionNumber"] <= state.local_list_version:
        return {"status": "VersionMismatch"}, None
    state.local_list_version = p["versionNumber"]
    return {"status": "Accepted"}, None


def on_get_local_list_version(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    return {"versionNumber": book(cs).local_list_version}, None


# ---------------------------------------------------------------- logs and firmware


def _notify_in_turn(cs: ChargerV201, action: str, steps: Iterable[Payload]) -> FollowUp:
    async def follow() -> None:
        for payload in steps:
            await cs.call(action, payload)

    return follow


def on_get_log(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    request_id = p["requestId"]
    steps = [{"status": s, "requestId": request_id} for s in ("Uploading", "Uploaded")]
    filename = f"{cs.cp_id}-{p['logType']}.log"
    return {"status": "Accepted", "filename": filename}, _notify_in_turn(cs, "LogStatusNotification", steps)


def on_update_firmware(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    statuses = ["Downloading", "Downloaded"]
    if p["firmware"].get("signature"):
        statuses.append("SignatureVerified")
    statuses += ["Installing", "Installed"]
    steps = [{"status": s, "requestId": p["requestId"]} for s in statuses]
    return {"status": "Accepted"}, _notify_in_turn(cs, "FirmwareStatusNotification", steps)


def on_publish_firmware(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    book(cs).published.add(p["checksum"])
    request_id = p["requestId"]
    steps: list[Payload] = [
        {"status": s, "requestId": request_id} for s in ("Downloading", "Downloaded", "ChecksumVerified")
    ]
    name = p["location"].rsplit("/", 1)[-1] or "firmware.bin"
    steps.append(
        {"status": "Published", "requestId": request_id, "location": [f"http://{cs.cp_id}.local/{name}"]}
    )
    return {"status": "Accepted"}, _notify_in_turn(cs, "PublishFirmwareStatusNotification", steps)


def on_unpublish_firmware(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    state = book(cs)
    if p["checksum"] not in state.published:
        return {"status": "NoFirmware"}, None
    state.published.discard(p["checksum"])
    return {"status": "Unpublished"}, None


# ---------------------------------------------------------------- network profiles and certificates


def on_set_network_profile(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    book(cs).network_profiles[p["configurationSlot"]] = p["connectionData"]
    return {"status": "Accepted"}, None


def certificate_hash(pem: str) -> Payload | None:
    """The station's SHA256 identity of a certificate (issuer name, issuer key as far as the certificate
    itself tells it, serial); None for text that is not a PEM certificate."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None
    # The issuer's key is the certificate's own only when it is self-signed; a simulator makes do.
    key = certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": hashlib.sha256(certificate.issuer.public_bytes()).hexdigest(),
        "issuerKeyHash": hashlib.sha256(key).hexdigest(),
        "serialNumber": format(certificate.serial_number, "x")[:40],
    }


def on_install_certificate(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    hash_data = certificate_hash(p["certificate"])
    if hash_data is None:
        return {"status": "Rejected"}, None
    state = book(cs)
    state.certificates = [(t, h) for t, h in state.certificates if h != hash_data]
    state.certificates.append((p["certificateType"], hash_data))
    return {"status": "Accepted"}, None


def on_get_installed_certificate_ids(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    types = p.get("certificateType")
    chain = [
        {"certificateType": t, "certificateHashData": h}
        for t, h in book(cs).certificates
        if not types or t in types
    ]
    if not chain:
        return {"status": "NotFound"}, None
    return {"status": "Accepted", "certificateHashDataChain": chain}, None


def on_delete_certificate(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    state = book(cs)
    wanted = p["certificateHashData"]
    kept = [(t, h) for t, h in state.certificates if h != wanted]
    if len(kept) == len(state.certificates):
        return {"status": "NotFound"}, None
    state.certificates = kept
    return {"status": "Accepted"}, None


def on_certificate_signed(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    valid = certificate_hash(p["certificateChain"]) is not None
    return {"status": "Accepted" if valid else "Rejected"}, None


def on_cost_updated(cs: ChargerV201, p: Payload) -> tuple[Payload, FollowUp]:
    return {}, None


OPERATION_HANDLERS: dict[str, Handler] = {
    "GetBaseReport": on_get_base_report,
    "GetReport": on_get_report,
    "SetVariableMonitoring": on_set_variable_monitoring,
    "ClearVariableMonitoring": on_clear_variable_monitoring,
    "SetMonitoringBase": on_set_monitoring_base,
    "SetMonitoringLevel": on_set_monitoring_level,
    "GetMonitoringReport": on_get_monitoring_report,
    "SetDisplayMessage": on_set_display_message,
    "GetDisplayMessages": on_get_display_messages,
    "ClearDisplayMessage": on_clear_display_message,
    "CustomerInformation": on_customer_information,
    "GetChargingProfiles": on_get_charging_profiles,
    "GetCompositeSchedule": on_get_composite_schedule,
    "ReserveNow": on_reserve_now,
    "CancelReservation": on_cancel_reservation,
    "SendLocalList": on_send_local_list,
    "GetLocalListVersion": on_get_local_list_version,
    "GetLog": on_get_log,
    "UpdateFirmware": on_update_firmware,
    "PublishFirmware": on_publish_firmware,
    "UnpublishFirmware": on_unpublish_firmware,
    "SetNetworkProfile": on_set_network_profile,
    "InstallCertificate": on_install_certificate,
    "GetInstalledCertificateIds": on_get_installed_certificate_ids,
    "DeleteCertificate": on_delete_certificate,
    "CertificateSigned": on_certificate_signed,
    "CostUpdated": on_cost_updated,
}
