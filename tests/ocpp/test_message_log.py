"""The OCPP message log keeps frames in and out per the level setting."""

from __future__ import annotations

import pytest
from ocpp.v16 import call
from sqlalchemy import select

from chargegrid.store.models import MessageLogEntry
from tests.support.chargers import connected


@pytest.mark.parametrize(("level", "heartbeats"), [("all", 2), ("no-heartbeats", 0)])
async def test_message_log_levels(server_factory, level: str, heartbeats: int) -> None:  # type: ignore[no-untyped-def]
    async with server_factory(message_log=level) as srv:
        await srv.add_charge_point("LOGGED")
        async with connected(srv, "LOGGED") as cp:
            await cp.call(call.Heartbeat())
            await cp.call(call.Authorize(id_tag="WHO"))
        await srv.services.edge.message_log.flush()
        async with srv.services.db() as db:
            rows = (
                await db.scalars(
                    select(MessageLogEntry)
                    .where(MessageLogEntry.charge_point_id == "LOGGED")
                    .order_by(MessageLogEntry.id)
                )
            ).all()
    actions = [(r.direction, r.action) for r in rows]
    assert ("in", "BootNotification") in actions and ("out", "BootNotification") in actions
    assert ("in", "Authorize") in actions and ("out", "Authorize") in actions
    assert sum(1 for _, action in actions if action == "Heartbeat") == heartbeats
    assert any('"Invalid"' in r.payload for r in rows if r.action == "Authorize" and r.direction == "out")


async def test_message_log_off(server_factory) -> None:  # type: ignore[no-untyped-def]
    async with server_factory(message_log="off") as srv:
        await srv.add_charge_point("QUIET")
        async with connected(srv, "QUIET"):
            pass
        await srv.services.edge.message_log.flush()
        async with srv.services.db() as db:
            assert (await db.scalars(select(MessageLogEntry))).first() is None
