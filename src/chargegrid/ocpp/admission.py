"""Who may open an OCPP websocket: subprotocol, charge point id, registration policy, Basic auth.

Transport-independent: the edge hands in what it read from the handshake (`HandshakeRequest`, with the
TLS facts in the ASGI TLS-extension shape) and gets back either `Admitted` or a `Refusal` it answers
before the upgrade as plain HTTP. Every refusal's text says what to do: 400 no common subprotocol or a
bad id, 404 unknown charger (policy `reject`), 401 bad credentials, 403 a connection below the charger's
security profile, 429/503 password-guessing budgets (`ocpp.security_gate`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chargegrid.domain.registration import (
    CHARGE_POINT_ID_RULE,
    Admission,
    admit_unknown,
    is_valid_charge_point_id,
)
from chargegrid.ocpp import security_gate
from chargegrid.ocpp.context import EdgeContext
from chargegrid.ocpp.versions import OcppVersion, negotiate
from chargegrid.store import charge_points as cp_store
from chargegrid.store.batched_reads import BatchedReader
from chargegrid.store.charge_points import AdmissionRecord
from chargegrid.store.models import ConnectorStatus

log = logging.getLogger("chargegrid.edge")


class TlsFacts(TypedDict):
    """The ASGI TLS extension (`scope["extensions"]["tls"]`) for a connection that came over TLS.

    `client_cert_chain` holds the verified client certificate as PEM (leaf first; empty when the charger
    sent none: profile 2 chargers have none). `client_cert_name` is its subject as an RFC 4514 string,
    `client_cert_error` is None because a certificate that fails verification against the client CA
    never completes the TLS handshake. `tls_version` (0x0303, 0x0304) and `cipher_suite` (IANA id) are ints.
    """

    tls_used: bool
    client_cert_chain: list[str]
    client_cert_name: str | None
    client_cert_error: str | None
    tls_version: int | None
    cipher_suite: int | None


@dataclass(frozen=True, slots=True)
class HandshakeRequest:
    """What admission needs from a websocket handshake, whatever transport read it."""

    charge_point_id: str
    subprotocols: Sequence[str]
    headers: Mapping[str, str]  # lower-case names
    remote: str
    extensions: Mapping[str, Any] = field(default_factory=dict)  # {"tls": TlsFacts} over TLS

    @property
    def tls(self) -> TlsFacts | None:
        tls: TlsFacts | None = self.extensions.get("tls")
        return tls


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Admitted:
    charge_point_id: str
    version: OcppVersion
    name: str | None
    registration_status: str
    known_connectors: Sequence[Any]


def client_cert_common_name(tls: TlsFacts | None) -> str | None:
    """The subject CN of the verified client certificate, or None (no TLS or no certificate)."""
    if not tls or not tls["client_cert_chain"]:
        return None
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_pem_x509_certificate(tls["client_cert_chain"][0].encode())
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


Found = tuple[AdmissionRecord | None, list[ConnectorStatus]]


class ChargePointLookup:
    """The admission reads of many handshakes at once: one query pair for every id asked for meanwhile
    (`store.batched_reads`; a boot storm connects thousands of chargers within a second)."""

    def __init__(self, db: async_sessionmaker[AsyncSession], max_batch: int = 500) -> None:
        self._reader: BatchedReader[str, Found] = BatchedReader(db, _read_found, max_batch=max_batch)

    async def get(self, charge_point_id: str) -> Found:
        return await self._reader.get(charge_point_id) or (None, [])


async def _read_found(db: AsyncSession, ids: list[str]) -> dict[str, Found]:
    found = await cp_store.admission_records(db, ids)
    by_id: dict[str, Found] = {cp_id: (cp, []) for cp_id, cp in found.items()}
    for row in await cp_store.connectors(db, list(found)):
        by_id[row.charge_point_id][1].append(row)
    return by_id


async def admit(
    ctx: EdgeContext, request: HandshakeRequest, lookup: ChargePointLookup | None = None
) -> Admitted | Refusal:
    """Decide whether this handshake may become an OCPP session (`lookup` batches the reads)."""
    cp_id, remote = request.charge_point_id, request.remote
    version = negotiate(list(request.subprotocols))
    if version is None:
        offered = ", ".join(request.subprotocols) or "none"
        return Refusal(
            400,
            f"No supported OCPP subprotocol offered ({offered}); "
            "offer one of ocpp2.1, ocpp2.0.1, ocpp1.6 in Sec-WebSocket-Protocol.",
        )
    if not is_valid_charge_point_id(cp_id):
        return Refusal(400, f"Charge point id must be {CHARGE_POINT_ID_RULE}.")
    # The security gate reads the connection in the ASGI scope's terms (and keeps a note in it).
    scope: dict[str, Any] = {"client": (remote, 0), "extensions": dict(request.extensions)}
    denied = security_gate.precheck(ctx, scope, request.headers, cp_id)
    if denied is not None:  # a guessing address or a locked id costs not even a database read
        return Refusal(denied.status, denied.text, denied.headers)

    cp, known = await _read(ctx, cp_id, lookup)
    if cp is None:
        admission = admit_unknown(ctx.settings.unknown_chargers)
        if admission is Admission.refuse:
            log.info("refused unknown charge point %r from %s", cp_id, remote)
            return Refusal(404, f"Unknown charge point {cp_id!r}: an operator must add it first.")
        # Through the writer: in a boot storm, registering must not fight the edge's commits for the lock.
        await ctx.writer.run(cp_id, lambda db: cp_store.register(db, cp_id, admission.value))
        # What is stored now: ours, or a record an operator or another node stored meanwhile.
        cp, known = await _read(ctx, cp_id, lookup)
        if cp is None:
            return Refusal(404, f"Charge point {cp_id!r} was removed while it connected: connect again.")
        log.info("registered unknown charge point %r as %s", cp_id, cp.registration_status)
    denied, who = await security_gate.check(
        ctx, scope, request.headers, cp_id, cp.security_profile, cp.password_hash, cp.password_hash_next
    )
    if denied is not None:
        return Refusal(denied.status, denied.text, denied.headers)
    if cp.security_profile_pending is not None:
        await security_gate.settle_raise(ctx, cp_id, cp, who)
    return Admitted(cp_id, version, cp.name, cp.registration_status, known)


async def _read(ctx: EdgeContext, cp_id: str, lookup: ChargePointLookup | None) -> Found:
    if lookup is not None:
        return await lookup.get(cp_id)
    async with ctx.db() as db:
        cp = await cp_store.admission_record(db, cp_id)
        return cp, list(await cp_store.connectors(db, [cp_id])) if cp is not None else []
