"""Charger-initiated security messages, for both OCPP generations: SignCertificate (then CertificateSigned
from us), SecurityEventNotification, and the Plug & Charge requests Get15118EVCertificate and
GetCertificateStatus (answered `Failed` with a reason: no contract-certificate provider is configured).

1.6 carries these in the Security Whitepaper's extension messages (SignCertificate has only `csr`, the
certificate is always the charge point's own); 2.x adds `certificateType` (ChargingStationCertificate or
V2GCertificate) and `statusInfo` in answers. 1.6 Plug & Charge travels in DataTransfer (see
`pnc_data_transfer`).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from chargegrid.domain import security_events as kinds
from chargegrid.domain import stations
from chargegrid.metrics import CRITICAL_SECURITY_EVENTS
from chargegrid.ocpp.commands import CertificateSigned, OutcomeStatus
from chargegrid.ocpp.rpc import Payload
from chargegrid.ocpp.wire import Handlers, parse_time
from chargegrid.security.certificate_authority import CsrRejected, check_csr
from chargegrid.store import Db
from chargegrid.store import security as security_store

log = logging.getLogger("chargegrid.edge.certificates")

V16_CERTIFICATE = "ChargePointCertificate"
NO_PNC = {
    "reasonCode": "NoPnCProvider",
    "additionalInfo": "no Plug & Charge (ISO 15118 contract certificate) provider is configured on this CSMS",
}
PNC_VENDOR = "org.openchargealliance.iso15118pnc"


async def _record_event(
    h: Handlers,
    event_type: str,
    tech_info: str | None,
    origin: str = "csms",
    when: Any = None,
    notification: Payload | None = None,
) -> None:
    """Store a security event (ours, or the charger's `notification`, which also becomes a charger event
    for the integrators) in the charger's write lane, and count it if critical."""
    critical = kinds.is_critical(event_type)
    if critical:
        CRITICAL_SECURITY_EVENTS.labels(event_type).inc()

    async def write(db: Db) -> None:
        security_store.add_event(
            db,
            h.cp_id,
            event_type,
            origin=origin,
            critical=critical,
            tech_info=tech_info,
            when=when,
            address=h.session.remote or None,
        )
        if notification is not None:
            await stations.event(db, h.cp_id, "SecurityEventNotification", notification, when)

    await h.ctx.writer.run(h.cp_id, write)


async def _sign(h: Handlers, csr_pem: str, certificate_type: str) -> str | None:
    """Sign the CSR and queue CertificateSigned after our answer; None, or why it was rejected."""
    ca = h.ctx.ca
    if ca is None:
        reason = "this CSMS has no certificate authority configured"
    else:
        security = h.ctx.settings.security
        try:
            csr = check_csr(csr_pem, h.cp_id, security.certificate_organization)
        except CsrRejected as exc:
            reason = str(exc)
        else:
            issued = ca.sign(
                csr, security.certificate_validity_days, v2g=certificate_type == "V2GCertificate"
            )
            cert = issued.certificate

            async def store(db: Db) -> None:
                security_store.add_certificate(
                    db,
                    h.cp_id,
                    serial=issued.serial,
                    subject=cert.subject.rfc4514_string(),
                    certificate_type=certificate_type,
                    not_before=cert.not_valid_before_utc,
                    not_after=cert.not_valid_after_utc,
                    pem=issued.leaf_pem,
                )

            await h.ctx.writer.run(h.cp_id, store)
            log.info("issued %s %s for %r", certificate_type, issued.serial, h.cp_id)
            h.session.rpc.after_answer(lambda: _send_signed(h, issued.chain_pem, certificate_type))
            return None
    log.warning("SignCertificate from %r rejected: %s", h.cp_id, reason)
    await _record_event(h, kinds.CSR_REJECTED, reason)
    return reason


async def _send_signed(h: Handlers, chain: str, certificate_type: str) -> None:
    signed = CertificateSigned(
        certificate_chain=chain,
        certificate_type="V2GCertificate"
        if certificate_type == "V2GCertificate"
        else "ChargingStationCertificate",
    )
    outcome = await h.ctx.commands.execute(h.cp_id, signed)
    if outcome.status is OutcomeStatus.Accepted:
        return
    if outcome.raw is None:  # no answer: timeout, CallError, a schema-breaking answer, disconnected
        log.warning("CertificateSigned to %r failed: %s", h.cp_id, outcome.description or outcome.status)
        return
    await _record_event(h, "CertificateSignedRejected", orjson.dumps(outcome.raw).decode()[:500])


async def sign_certificate_16(h: Handlers, p: Payload) -> Payload:
    reason = await _sign(h, p["csr"], V16_CERTIFICATE)
    return {"status": "Accepted" if reason is None else "Rejected"}


async def sign_certificate_2x(h: Handlers, p: Payload) -> Payload:
    reason = await _sign(h, p["csr"], p.get("certificateType") or "ChargingStationCertificate")
    if reason is None:
        return {"status": "Accepted"}
    return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": reason[:512]}}


async def security_event_notification(h: Handlers, p: Payload) -> Payload:
    await _record_event(
        h,
        str(p["type"]),
        p.get("techInfo"),
        origin="charger",
        when=parse_time(p.get("timestamp")),
        notification=p,
    )
    return {}


async def get_15118_ev_certificate(h: Handlers, p: Payload) -> Payload:
    return {"status": "Failed", "exiResponse": "", "statusInfo": NO_PNC}


async def get_certificate_status(h: Handlers, p: Payload) -> Payload:
    return {"status": "Failed", "statusInfo": NO_PNC}


def pnc_data_transfer(message_id: str | None) -> Payload | None:
    """1.6 Plug & Charge (OCA's ISO 15118 whitepaper) in DataTransfer: the answer, or None if not PnC."""
    if message_id == "Get15118EVCertificate":
        data: Payload = {"status": "Failed", "exiResponse": ""}
    elif message_id == "GetCertificateStatus":
        data = {"status": "Failed"}
    else:
        return None
    return {"status": "Accepted", "data": orjson.dumps(data).decode()}
