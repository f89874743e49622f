"""The typed commands and the two dialects, without a charger: completeness, schemas, JSON, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargegrid.domain.charging_profiles import ChargingProfile, Purpose
from chargegrid.domain.limits import Limit
from chargegrid.ocpp import schemas
from chargegrid.ocpp.commands import (
    COMMAND_TYPES,
    CancelReservation,
    CertificateHash,
    CertificateSigned,
    ChangeAvailability,
    ChangeConfiguration,
    ClearCache,
    ClearChargingProfile,
    ClearDisplayMessage,
    ClearLimit,
    ClearVariableMonitoring,
    Command,
    CostUpdated,
    CustomerInformation,
    DataTransfer,
    DeleteCertificate,
    GetBaseReport,
    GetChargingProfiles,
    GetCompositeSchedule,
    GetConfiguration,
    GetDiagnostics,
    GetDisplayMessages,
    GetInstalledCertificateIds,
    GetLocalListVersion,
    GetLog,
    GetMonitoringReport,
    GetReport,
    GetTransactionStatus,
    GetVariables,
    InstallCertificate,
    InvalidCommand,
    LocalListEntry,
    MessageContent,
    MonitorSetting,
    PublishFirmware,
    RawMessage,
    RemoteStart,
    RemoteStop,
    ReportTarget,
    ReserveNow,
    Reset,
    SendLocalList,
    SetChargingProfile,
    SetDisplayMessage,
    SetLimit,
    SetMonitoringBase,
    SetMonitoringLevel,
    SetNetworkProfile,
    SetVariableMonitoring,
    SetVariables,
    TriggerMessage,
    UnlockConnector,
    UnpublishFirmware,
    UnsupportedCommand,
    UpdateFirmware,
    VariableRef,
    VariableValue,
    command_from_json,
    command_to_json,
)
from chargegrid.ocpp.dialects import dialect_for
from chargegrid.ocpp.dialects.v2x import V2X
from chargegrid.ocpp.dialects.v16 import V16
from chargegrid.ocpp.versions import OcppVersion

WHEN = datetime(2030, 1, 31, 18, 0, tzinfo=UTC)
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
HASH = CertificateHash(
    hash_algorithm="SHA256", issuer_name_hash="aa", issuer_key_hash="bb", serial_number="01"
)

# Version-neutral profiles of every purpose and kind, as the API receives them (camelCase JSON).
PERIODS = [{"startPeriod": 0, "limit": 16, "numberPhases": 3}, {"startPeriod": 3600, "limit": 8.5}]
STATION_MAX = ChargingProfile.model_validate(
    {
        "id": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "ChargePointMaxProfile",
        "chargingProfileKind": "Absolute",
        "validFrom": "2030-01-01T00:00:00Z",
        "validTo": "2030-12-31T00:00:00Z",
        "chargingSchedule": {
            "startSchedule": "2030-01-31T18:00:00Z",
            "duration": 7200,
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 22000}],
        },
    }
)
TX_DEFAULT_WEEKLY = ChargingProfile.model_validate(
    {
        "id": 2,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring",
        "recurrencyKind": "Weekly",
        "chargingSchedule": [
            {
                "startSchedule": "2030-01-28T00:00:00Z",
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": PERIODS,
                "minChargingRate": 6,
            }
        ],
    }
)
TX_RELATIVE = ChargingProfile.model_validate(
    {
        "id": 3,
        "stackLevel": 2,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "transactionId": 5,
        "chargingSchedule": {"chargingRateUnit": "A", "duration": 600, "chargingSchedulePeriod": PERIODS},
    }
)
REMOTE_START_PROFILE = TX_RELATIVE.model_copy(update={"transaction_id": None})

# One instance of every command type, in a shape every version that has the command accepts.
SAMPLES: list[Command] = [
    Reset(hard=True),
    UnlockConnector(connector=2),
    RemoteStart(connector=1, id_tag="TAG1", remote_start_id=7),
    RemoteStart(connector=1, id_tag="TAG1", charging_profile=REMOTE_START_PROFILE),
    RemoteStop(transaction_id=5, charger_transaction_id="tx-5"),
    TriggerMessage(message="StatusNotification", connector=1),
    ChangeAvailability(connector=1, operative=False),
    ClearCache(),
    DataTransfer(vendor_id="com.example", message_id="ping", data="x"),
    GetTransactionStatus(charger_transaction_id="tx-5"),
    GetConfiguration(keys=("OCPPCommCtrlr.HeartbeatInterval",)),
    ChangeConfiguration(key="OCPPCommCtrlr.HeartbeatInterval", value="60"),
    GetVariables(items=(VariableRef(component="OCPPCommCtrlr", variable="HeartbeatInterval"),)),
    SetNetworkProfile(configuration_slot=2, csms_url="wss://csms.example/ocpp", security_profile=2),
    SetVariables(items=(VariableValue(component="OCPPCommCtrlr", variable="HeartbeatInterval", value="60"),)),
    SetLimit(connector=1, limit=Limit(16, "A")),
    ClearLimit(connector=1),
    SetChargingProfile(connector=0, profile=STATION_MAX),
    SetChargingProfile(connector=1, profile=TX_DEFAULT_WEEKLY),
    SetChargingProfile(connector=1, profile=TX_RELATIVE, charger_transaction_id="tx-5"),
    ClearChargingProfile(profile_id=2),
    ClearChargingProfile(connector=1, purpose=Purpose.TxDefaultProfile, stack_level=1),
    ClearChargingProfile(purpose=Purpose.ChargingStationMaxProfile),
    ClearChargingProfile(),
    GetChargingProfiles(request_id=4, connector=1, purpose=Purpose.TxProfile),
    GetChargingProfiles(profile_ids=(1, 2)),
    GetCompositeSchedule(connector=1, duration=3600, unit="W"),
    ReserveNow(connector=1, id_tag="TAG1", expiry=WHEN, reservation_id=3, group_id_tag="GROUP"),
    CancelReservation(reservation_id=3),
    SendLocalList(list_version=2, entries=(LocalListEntry(id_tag="TAG1", expiry=WHEN),)),
    GetLocalListVersion(),
    GetDiagnostics(location="ftp://example.com/up"),
    GetLog(log_type="SecurityLog", location="ftp://example.com/up", oldest=WHEN),
    PublishFirmware(location="https://example.com/fw.bin", checksum="0" * 32, request_id=4),
    UnpublishFirmware(checksum="0" * 32),
    InstallCertificate(certificate_type="CSMSRootCertificate", certificate=PEM),
    GetInstalledCertificateIds(certificate_types=("ManufacturerRootCertificate",)),
    DeleteCertificate(certificate=HASH),
    CertificateSigned(certificate_chain=PEM),
    CertificateSigned(certificate_chain=PEM, certificate_type="V2GCertificate"),
    CostUpdated(total_cost=12.5, charger_transaction_id="tx-5"),
    UpdateFirmware(location="https://example.com/fw.bin", retrieve=WHEN),
    UpdateFirmware(
        location="https://example.com/fw.bin", retrieve=WHEN, signing_certificate="PEM", signature="c2ln"
    ),
    RawMessage(action="ClearCache", payload={}),
    GetBaseReport(report_base="ConfigurationInventory", request_id=4),
    GetReport(
        request_id=5,
        criteria=("Problem",),
        targets=(ReportTarget(component="EVSE", evse=1, connector=1, variable="AvailabilityState"),),
    ),
    SetDisplayMessage(
        message_id=1,
        priority="InFront",
        state="Charging",
        start=WHEN,
        end=WHEN,
        transaction_id="tx-1",
        message=MessageContent(text="Hello", format="ASCII", language="en"),
    ),
    GetDisplayMessages(request_id=6, ids=(1, 2), priority="AlwaysFront", state="Idle"),
    ClearDisplayMessage(message_id=1),
    SetVariableMonitoring(
        items=(
            MonitorSetting(
                component="EVSE", variable="Power", evse=1, type="UpperThreshold", value=22, severity=4
            ),
        )
    ),
    SetMonitoringBase(base="FactoryDefault"),
    SetMonitoringLevel(severity=5),
    ClearVariableMonitoring(ids=(3, 4)),
    GetMonitoringReport(
        request_id=7, criteria=("DeltaMonitoring",), targets=(ReportTarget(component="EVSE"),)
    ),
    CustomerInformation(request_id=8, report=True, clear=True, id_token="TAG1"),
    CustomerInformation(
        request_id=9,
        certificate=CertificateHash(
            hash_algorithm="SHA256", issuer_name_hash="aa", issuer_key_hash="bb", serial_number="01"
        ),
    ),
]


def test_every_command_type_has_a_sample() -> None:
    assert {type(c) for c in SAMPLES} == set(COMMAND_TYPES)


@pytest.mark.parametrize("dialect", [V16, V2X], ids=lambda d: d.name)
def test_each_dialect_covers_every_command_on_its_own(dialect: object) -> None:
    missing = [t.__name__ for t in COMMAND_TYPES if not dialect.covers(t)]  # type: ignore[attr-defined]
    assert missing == []


@pytest.mark.parametrize("version", list(OcppVersion), ids=str)
@pytest.mark.parametrize("command", SAMPLES, ids=lambda c: c.kind)
def test_what_a_dialect_renders_fits_the_versions_schema(version: OcppVersion, command: Command) -> None:
    try:
        rendered = dialect_for(version).render(command, version)
    except UnsupportedCommand as exc:
        assert version.value.removeprefix("ocpp") in str(exc) or "2.x only" in str(exc)
        return
    schemas.validate(version, rendered.action, rendered.payload)  # raises on a dialect bug


@pytest.mark.parametrize("command", SAMPLES, ids=lambda c: c.kind)
def test_commands_survive_json(command: Command) -> None:
    data = command_to_json(command)
    assert data["kind"] == command.kind
    assert command_from_json(data) == command


def test_same_command_in_both_generations() -> None:
    start = RemoteStart(connector=2, id_tag="TAG1", remote_start_id=9)
    v16 = V16.render(start, OcppVersion.v16)
    v2x = V2X.render(start, OcppVersion.v201)
    assert (v16.action, v16.payload) == ("RemoteStartTransaction", {"connectorId": 2, "idTag": "TAG1"})
    assert (v2x.action, v2x.payload) == (
        "RequestStartTransaction",
        {"idToken": {"idToken": "TAG1", "type": "Central"}, "remoteStartId": 9, "evseId": 2},
    )


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (
            UnlockConnector(connector=1, evse_connector=2),
            "UnlockConnector with evse and connector is 2.x only",
        ),
        (Reset(evse=1), "Reset of one EVSE is 2.x only"),
        (GetVariables(items=(VariableRef(component="C", variable="V"),)), "GetVariables is 2.x only"),
        (GetTransactionStatus(), "GetTransactionStatus is 2.x only"),
        (
            ReserveNow(connector=1, id_tag="T", expiry=WHEN, reservation_id=1, connector_type="cType2"),
            "2.x only",
        ),
        (PublishFirmware(location="https://x", checksum="ab"), "PublishFirmware is 2.x only"),
        (CostUpdated(total_cost=1, charger_transaction_id="t"), "CostUpdated is 2.x only"),
        (InstallCertificate(certificate_type="V2GRootCertificate", certificate=PEM), "2.x only"),
        (GetInstalledCertificateIds(), "one certificateType at a time"),
        (CertificateSigned(certificate_chain=PEM, certificate_type="V2GCertificate"), "2.x only"),
        (RawMessage(action="GetBaseReport", payload={"requestId": 1, "reportBase": "FullInventory"}), "1.6"),
    ],
)
def test_a_16_charger_refuses_what_only_2x_has_naming_it(command: Command, words: str) -> None:
    with pytest.raises((UnsupportedCommand, InvalidCommand), match=words):
        V16.render(command, OcppVersion.v16)


def test_2x_specific_shapes() -> None:
    unlock = V2X.render(UnlockConnector(connector=1, evse_connector=2), OcppVersion.v201)
    assert unlock.payload == {"evseId": 1, "connectorId": 2}
    trigger = V2X.render(
        TriggerMessage(message="StatusNotification", connector=1, evse_connector=2), OcppVersion.v201
    )
    assert trigger.payload == {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 2}}
    empty_full = V2X.render(SendLocalList(list_version=4, update_type="Full"), OcppVersion.v201)
    assert empty_full.payload == {"versionNumber": 4, "updateType": "Full"}
    schemas.validate(OcppVersion.v201, "SendLocalList", empty_full.payload)
    signed_sample = next(c for c in SAMPLES if isinstance(c, UpdateFirmware) and c.signature)
    signed = V16.render(signed_sample, OcppVersion.v16)
    assert signed.action == "SignedUpdateFirmware"


def test_raw_message_names_the_allowed_actions_of_the_version() -> None:
    with pytest.raises(UnsupportedCommand, match=r"ocpp2\.0\.1") as caught:
        V2X.render(RawMessage(action="UsePriorityCharging", payload={}), OcppVersion.v201)
    assert "GetBaseReport" in str(caught.value)
    rendered = V2X.render(RawMessage(action="UsePriorityCharging", payload={"a": 1}), OcppVersion.v21)
    assert rendered.caller_payload and rendered.payload == {"a": 1}


def test_certificates_in_each_generation() -> None:
    install = V16.render(
        InstallCertificate(certificate_type="CSMSRootCertificate", certificate=PEM), OcppVersion.v16
    )
    assert install.payload == {"certificateType": "CentralSystemRootCertificate", "certificate": PEM}
    listing = V16.render(
        GetInstalledCertificateIds(certificate_types=("CSMSRootCertificate",)), OcppVersion.v16
    )
    assert listing.payload == {"certificateType": "CentralSystemRootCertificate"}
    answer = {"status": "Accepted", "certificateHashData": [HASH_WIRE]}
    assert listing.read(answer)[1]["certificates"] == [
        {"certificateType": "CSMSRootCertificate", **HASH_WIRE}
    ]
    every = V2X.render(GetInstalledCertificateIds(), OcppVersion.v201)
    assert every.payload == {}
    chain = {"certificateType": "V2GCertificateChain", "certificateHashData": HASH_WIRE}
    status, data = every.read({"status": "Accepted", "certificateHashDataChain": [chain]})
    assert (status, data["certificates"]) == (
        "Accepted",
        [{"certificateType": "V2GCertificateChain", **HASH_WIRE}],
    )
    signed = CertificateSigned(certificate_chain=PEM)
    assert V16.render(signed, OcppVersion.v16).payload == {"certificateChain": PEM}
    assert V2X.render(signed, OcppVersion.v201).payload == {
        "certificateChain": PEM,
        "certificateType": "ChargingStationCertificate",
    }
    oem = InstallCertificate(certificate_type="OEMRootCertificate", certificate=PEM)
    with pytest.raises(InvalidCommand, match=r"2\.1 only"):
        V2X.render(oem, OcppVersion.v201)
    schemas.validate(OcppVersion.v21, "InstallCertificate", V2X.render(oem, OcppVersion.v21).payload)


HASH_WIRE = {"hashAlgorithm": "SHA256", "issuerNameHash": "aa", "issuerKeyHash": "bb", "serialNumber": "01"}
