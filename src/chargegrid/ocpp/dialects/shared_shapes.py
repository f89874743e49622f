"""Messages both generations spell alike: the few 1.6 and 2.x share (ClearCache, DataTransfer,
CancelReservation, raw messages) and what 1.6's Security Extension took over from 2.0.1 unchanged (GetLog,
certificates...).

Both dialects render these with the same function; nothing here may depend on the version.
"""

from __future__ import annotations

from datetime import datetime

from chargegrid.ocpp.commands import certificates as ct
from chargegrid.ocpp.commands import remote_control as rc
from chargegrid.ocpp.commands import reservations as rs
from chargegrid.ocpp.commands.raw_message import RawMessage
from chargegrid.ocpp.dialects.table import Dialect, Payload, Rendered, compact, render_raw
from chargegrid.ocpp.versions import OcppVersion
from chargegrid.ocpp.wire import format_time


def get_log(
    log_type: str,
    location: str,
    request_id: int,
    retries: int | None = None,
    retry_interval: int | None = None,
    oldest: datetime | None = None,
    latest: datetime | None = None,
) -> Rendered:
    log = compact(
        remoteLocation=location,
        oldestTimestamp=format_time(oldest) if oldest else None,
        latestTimestamp=format_time(latest) if latest else None,
    )
    payload = compact(
        logType=log_type,
        requestId=request_id,
        retries=retries,
        retryInterval=retry_interval,
        log=log,
    )
    return Rendered("GetLog", payload)


def clear_cache(c: rc.ClearCache, v: OcppVersion) -> Rendered:
    return Rendered("ClearCache", {})


def data_transfer(c: rc.DataTransfer, v: OcppVersion) -> Rendered:
    return Rendered("DataTransfer", compact(vendorId=c.vendor_id, messageId=c.message_id, data=c.data))


def cancel_reservation(c: rs.CancelReservation, v: OcppVersion) -> Rendered:
    return Rendered("CancelReservation", {"reservationId": c.reservation_id})


def certificate_hash(h: ct.CertificateHash) -> Payload:
    return {
        "hashAlgorithm": h.hash_algorithm,
        "issuerNameHash": h.issuer_name_hash,
        "issuerKeyHash": h.issuer_key_hash,
        "serialNumber": h.serial_number,
    }


def install_certificate(certificate_type: str, certificate: str) -> Rendered:
    """InstallCertificate; `certificate_type` already in the version's own name."""
    return Rendered("InstallCertificate", {"certificateType": certificate_type, "certificate": certificate})


def delete_certificate(c: ct.DeleteCertificate, v: OcppVersion) -> Rendered:
    return Rendered("DeleteCertificate", {"certificateHashData": certificate_hash(c.certificate)})


def register_shared(dialect: Dialect) -> None:
    """The messages both generations spell alike, registered on `dialect`."""
    dialect.renders(rc.ClearCache)(clear_cache)
    dialect.renders(rc.DataTransfer)(data_transfer)
    dialect.renders(rs.CancelReservation)(cancel_reservation)
    dialect.renders(ct.DeleteCertificate)(delete_certificate)
    dialect.renders(RawMessage)(render_raw)
