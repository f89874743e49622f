"""What the server keeps of the operations it sends and of the charger's reports that follow them.

`record(db, run)` stores the outcome of a finished command — whichever face sent it (OCPP.Core routes,
the operator API, the UI) — so reservations, the local list, log/firmware requests, installed
certificates and base reports asked (whether a NotifyReport is a full inventory) are kept the same
way for all (`operation_reports` keeps what chargers report about them). Only answers the charger
actually gave change state; a ReserveNow without a usable answer is kept as Unconfirmed (the
charger may hold it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from chargegrid.domain import certificate_identity, reports
from chargegrid.domain.operation_reports import FIRMWARE, LOG, PUBLISH
from chargegrid.ocpp.commands import (
    CancelReservation,
    Command,
    CommandRun,
    DeleteCertificate,
    GetBaseReport,
    GetDiagnostics,
    GetInstalledCertificateIds,
    GetLocalListVersion,
    GetLog,
    GetReport,
    InstallCertificate,
    LocalListEntry,
    OutcomeStatus,
    PublishFirmware,
    RawMessage,
    ReserveNow,
    SendLocalList,
    UnpublishFirmware,
    UpdateFirmware,
)
from chargegrid.store import Db
from chargegrid.store import charger_requests as requests_store
from chargegrid.store import installed_certificates as certificates_store
from chargegrid.store import local_lists as local_list_store
from chargegrid.store import reservations as reservations_store

Write = Callable[[str, Callable[[Db], Awaitable[None]]], Awaitable[None]]

# Commands sent without an answer we can trust may still have been carried out.
_UNCONFIRMED = frozenset({OutcomeStatus.Timeout, OutcomeStatus.Disconnected, OutcomeStatus.InvalidResponse})


def local_list_entry(entry: LocalListEntry) -> dict[str, Any] | None:
    """How a sent entry is kept (None: the Differential update removed the tag)."""
    if entry.status is None:
        return None
    return {
        "status": entry.status,
        "expiry": entry.expiry.isoformat() if entry.expiry else None,
        "groupIdTag": entry.group_id_tag,
    }


async def _reserve(db: Db, run: CommandRun, c: ReserveNow) -> None:
    status = run.outcome.status
    if status.answered:
        state = status.value
    elif status in _UNCONFIRMED:
        state = "Unconfirmed"
    else:
        return  # offline or refused with a CallError: nothing was reserved
    await reservations_store.save(
        db,
        run.charge_point_id,
        c.reservation_id,
        connector_id=c.connector,
        id_tag=c.id_tag,
        group_id_tag=c.group_id_tag,
        connector_type=c.connector_type,
        expiry=c.expiry,
        state=state,
    )


async def _cancel(db: Db, run: CommandRun, c: CancelReservation) -> None:
    if run.outcome.status is OutcomeStatus.Accepted:
        await reservations_store.set_state(db, run.charge_point_id, c.reservation_id, "Cancelled")


async def _send_local_list(db: Db, run: CommandRun, c: SendLocalList) -> None:
    if not run.outcome.status.answered:
        return
    await local_list_store.sent(
        db,
        run.charge_point_id,
        version=c.list_version,
        update_type=c.update_type,
        status=run.outcome.status.value,
        entries={e.id_tag: local_list_entry(e) for e in c.entries},
    )


async def _local_list_version(db: Db, run: CommandRun, c: GetLocalListVersion) -> None:
    version = run.outcome.payload.get("listVersion")
    if run.outcome.status.answered and isinstance(version, int):
        await local_list_store.reported(db, run.charge_point_id, version)


def _request_parameters(c: Command) -> dict[str, Any]:
    fields = c.model_dump(mode="json", exclude={"kind", "request_id"}, exclude_none=True)
    # A signing certificate is long and public; the signature alone identifies the signed file.
    fields.pop("signing_certificate", None)
    return fields


async def _request(
    db: Db,
    run: CommandRun,
    topic: str,
    request_id: int | None,
    *,
    action: str | None = None,
    parameters: dict[str, Any] | None = None,
) -> None:
    if not run.outcome.status.answered:
        return
    await requests_store.sent(
        db,
        run.charge_point_id,
        topic,
        request_id=request_id,
        action=action or run.command.kind,
        parameters=_request_parameters(run.command) if parameters is None else parameters,
        answer_status=run.outcome.status.value,
        answer=dict(run.outcome.raw or {}),
    )


async def _report_asked(db: Db, run: CommandRun, request_id: int, parameters: dict[str, Any]) -> None:
    """A GetBaseReport or GetReport: kept so that its NotifyReport parts know what they answer (a
    GetReport reusing a base report's requestId must not make its parts look like a full inventory)."""
    await _request(db, run, reports.REPORT, request_id, action=_action(run.command), parameters=parameters)
    if run.outcome.status is OutcomeStatus.Accepted:  # the parts may all have arrived before the answer
        await reports.full_inventory_received(db, run.charge_point_id, request_id)


def _action(c: Command) -> str:
    return c.action if isinstance(c, RawMessage) else c.kind


# Raw messages the server keeps a record of, as it does of their typed commands.
_RAW_RECORDED = frozenset({"GetBaseReport", "GetReport"})


async def _raw(db: Db, run: CommandRun, c: RawMessage) -> None:
    request_id = c.payload.get("requestId")
    if c.action in _RAW_RECORDED and isinstance(request_id, int):
        await _report_asked(db, run, request_id, {"report_base": c.payload.get("reportBase")})


async def _installed(db: Db, run: CommandRun, c: GetInstalledCertificateIds) -> None:
    status = run.outcome.status
    types = c.certificate_types or None
    if status is OutcomeStatus.Accepted:
        await certificates_store.replace(db, run.charge_point_id, types, run.outcome.payload["certificates"])
    elif status is OutcomeStatus.NotFound:
        await certificates_store.replace(db, run.charge_point_id, types, [])


async def _installed_now(db: Db, run: CommandRun, c: InstallCertificate) -> None:
    """An accepted root certificate is kept at once when we can name it as the charger will (a
    self-signed root: its own name and key are the issuer's); anything else appears with the next
    GetInstalledCertificateIds."""
    if run.outcome.status is not OutcomeStatus.Accepted:
        return
    identity = certificate_identity.of_root(c.certificate)
    if identity is not None:
        entry = {"certificateType": c.certificate_type, **identity.hash_data}
        await certificates_store.add(db, run.charge_point_id, entry, subject=identity.subject)


async def _deleted(db: Db, run: CommandRun, c: DeleteCertificate) -> None:
    # NotFound: the charger does not have it either way.
    if run.outcome.status in (OutcomeStatus.Accepted, OutcomeStatus.NotFound):
        h = c.certificate
        await certificates_store.remove(
            db,
            run.charge_point_id,
            {
                "hashAlgorithm": h.hash_algorithm,
                "issuerNameHash": h.issuer_name_hash,
                "issuerKeyHash": h.issuer_key_hash,
                "serialNumber": h.serial_number,
            },
        )


async def record(db: Db, run: CommandRun) -> None:
    """Store what `run` changed, when it is an operation the server keeps."""
    c = run.command
    match c:
        case ReserveNow():
            await _reserve(db, run, c)
        case CancelReservation():
            await _cancel(db, run, c)
        case SendLocalList():
            await _send_local_list(db, run, c)
        case GetLocalListVersion():
            await _local_list_version(db, run, c)
        case GetLog() | GetDiagnostics():
            await _request(db, run, LOG, c.request_id)
        case UpdateFirmware():
            await _request(db, run, FIRMWARE, c.request_id)
        case PublishFirmware():
            await _request(db, run, PUBLISH, c.request_id)
        case UnpublishFirmware():
            await _request(db, run, PUBLISH, None)
        case GetInstalledCertificateIds():
            await _installed(db, run, c)
        case DeleteCertificate():
            await _deleted(db, run, c)
        case InstallCertificate():
            await _installed_now(db, run, c)
        case GetBaseReport():
            await _report_asked(db, run, c.request_id, {"report_base": c.report_base})
        case GetReport():
            await _report_asked(db, run, c.request_id, {})
        case RawMessage():
            await _raw(db, run, c)


RECORDED = (
    ReserveNow,
    CancelReservation,
    SendLocalList,
    GetLocalListVersion,
    GetLog,
    GetDiagnostics,
    UpdateFirmware,
    PublishFirmware,
    UnpublishFirmware,
    GetInstalledCertificateIds,
    DeleteCertificate,
    InstallCertificate,
    GetBaseReport,
    GetReport,
    RawMessage,
)


def listener(write: Write) -> Callable[[CommandRun], Awaitable[None]]:
    """A `Commands` listener storing every recorded operation through `write` (the edge's group
    commit, keyed by charger so it is ordered with that charger's reports)."""

    async def on_run(run: CommandRun) -> None:
        c = run.command
        if isinstance(c, RECORDED) and not (isinstance(c, RawMessage) and c.action not in _RAW_RECORDED):
            await write(run.charge_point_id, lambda db: record(db, run))

    return on_run
