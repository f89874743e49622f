"""/API/SecurityEvents and /API/Certificates/{id}: what the chargers and the edge report about security,
and the certificates the CSMS CA issued to each charger.

Security events come from chargers (SecurityEventNotification, `origin: charger`) and from the edge
itself (`origin: csms`: a connection refused for its security profile or credentials, a CSR that could
not be signed). `critical` follows the specs' list of critical security events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Query

from chargegrid.api.admin_common import RESPONSES, as_utc, iso, not_found
from chargegrid.api.auth import scoped_by_method
from chargegrid.api.dependencies import ServicesDep
from chargegrid.events.actors import Scope
from chargegrid.store import charge_points as cp_store
from chargegrid.store import security as security_store
from chargegrid.store.models import utcnow

router = APIRouter(tags=["Admin: security"], route_class=scoped_by_method(Scope.admin))


@router.get(
    "/API/SecurityEvents",
    summary="Security events, newest first",
    description="Filter by `chargePointId`, `type` (e.g. TamperDetectionActivated, "
    "InvalidChargingStationCertificate), time (`from` inclusive, `to` exclusive, ISO 8601, UTC if no zone); "
    "page with `offset` and `limit` (1-1000). The answer has `total` (all matching) and `events`.",
    responses=RESPONSES,
)
async def security_events(
    services: ServicesDep,
    charge_point_id: str | None = Query(None, alias="chargePointId", max_length=48),
    event_type: str | None = Query(None, alias="type", max_length=50),
    since: datetime | None = Query(None, alias="from"),
    until: datetime | None = Query(None, alias="to"),
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    since, until = as_utc(since), as_utc(until)
    if since is not None and until is not None and until <= since:
        raise HTTPException(400, "to: must be after from")
    async with services.db() as db:
        total, rows = await security_store.list_events(
            db,
            charge_point_id=charge_point_id,
            event_type=event_type,
            since=since,
            until=until,
            offset=offset,
            limit=limit,
        )
    return {
        "total": total,
        "offset": offset,
        "limit": limit,
        "events": [
            {
                "id": row.id,
                "chargePointId": row.charge_point_id,
                "timestamp": iso(row.timestamp),
                "type": row.type,
                "techInfo": row.tech_info,
                "origin": row.origin,
                "critical": row.critical,
                "address": row.address,
            }
            for row in rows
        ],
    }


@router.get(
    "/API/Certificates/{id}",
    summary="Certificates issued to a charge point",
    description="Every certificate the CSMS CA signed for this charger (SignCertificate), newest first: "
    "serial (hex), subject, type, validity, `expiresSoon` (within CHARGEGRID_SECURITY__"
    "CERTIFICATE_EXPIRY_WINDOW_DAYS) and the PEM.",
    responses=RESPONSES,
)
async def certificates(services: ServicesDep, cp_id: str = Path(alias="id")) -> list[dict[str, Any]]:
    window = timedelta(days=services.settings.security.certificate_expiry_window_days)
    now = utcnow()
    async with services.db() as db:
        if await cp_store.get(db, cp_id) is None:
            raise not_found("charge point", cp_id)
        rows = await security_store.certificates(db, cp_id)
    return [
        {
            "serial": row.serial,
            "subject": row.subject,
            "certificateType": row.certificate_type,
            "notBefore": iso(row.not_before),
            "notAfter": iso(row.not_after),
            "expired": row.not_after < now,
            "expiresSoon": now <= row.not_after < now + window,
            "pem": row.pem,
        }
        for row in rows
    ]
