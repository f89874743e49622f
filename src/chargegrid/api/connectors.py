"""Refuse a command aimed at an EVSE or connector the station never reported: 400 naming it, nothing sent.

What a station reported: its StatusNotifications (live on this node, and the stored connector states)
and the EVSEs/connectors its device model names (NotifyReport inventory).
"""

from __future__ import annotations

import re

from chargegrid.api.command_http import bad_request, parse_int
from chargegrid.ocpp.dialects import dialect_for
from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import inventory as inventory_store

_INFO_CONNECTOR = re.compile(r"connector (\d+)")


async def reported_connectors(services: Services, cp: str) -> set[tuple[int, int | None]]:
    """(EVSE, connector) pairs the station reported; (EVSE, None) for an EVSE known as a whole."""
    known: set[tuple[int, int | None]] = set()
    session = services.registry.get(cp)
    if session is not None:
        known.update((evse, None) for evse in session.connectors)
        known.update(session.extra.get("evse_connectors", ()))
    async with services.db() as db:
        for row in await cp_store.connectors(db, [cp]):
            evse = row.evse_id if row.evse_id is not None else row.connector_id
            known.add((evse, None))
            match = _INFO_CONNECTOR.fullmatch(row.info or "")
            if match:
                known.add((evse, int(match.group(1))))
        known.update(await inventory_store.known_connectors(db, cp))
    return known


async def check_reported(services: Services, cp: str, evse: int, connector: int | None = None) -> None:
    """400 unless the station reported EVSE `evse` (and its `connector`, when given).

    Skipped when the station's dialect addresses no EVSEs (1.6: it refuses the command, naming the version)
    and for a station not connected here (the command answers 404 / is forwarded)."""
    session = services.registry.get(cp)
    if session is None or not dialect_for(session.version).addresses_evses:
        return
    known = await reported_connectors(services, cp)
    evses = {e for e, _ in known}
    if evse not in evses:
        listed = ", ".join(str(e) for e in sorted(evses)) or "none yet"
        raise bad_request(f"EVSE {evse} was never reported by charge point {cp!r} (known EVSEs: {listed})")
    if connector is not None and (evse, connector) not in known:
        listed = ", ".join(str(c) for e, c in sorted(known, key=str) if e == evse and c is not None)
        raise bad_request(
            f"connector {connector} of EVSE {evse} was never reported by charge point {cp!r} "
            f"(known connectors of EVSE {evse}: {listed or 'none yet'})"
        )


async def connector_of_evse(services: Services, cp: str, evse: int | None, text: str | None) -> int | None:
    """The `?connector=` of a route aimed at EVSE `evse` (None when absent), checked against what the
    station reported."""
    if text is None:
        return None
    connector = parse_int("connector", text, minimum=1)
    if evse is None:
        raise bad_request("connector needs the EVSE: give the EVSE id in the path as well")
    await check_reported(services, cp, evse, connector)
    return connector
