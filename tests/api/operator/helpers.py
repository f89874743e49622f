"""Shortcuts for the operator API tests: post a command, start a transaction from a library charger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.support.server import RunningServer


async def command(
    server: RunningServer, station: str, name: str, payload: Any, *, wait: bool = True
) -> httpx.Response:
    async with server.api() as api:
        return await api.post(
            f"/charging-stations/{station}/commands",
            params={"wait": "true" if wait else "false"},
            json=[name, payload],
        )


async def station(server: RunningServer, station_id: str) -> dict[str, Any]:
    async with server.api() as api:
        answer = await api.get(f"/charging-stations/{station_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def now() -> str:
    return datetime.now(UTC).isoformat()


async def start_transaction(charger: Any, connector: int = 1, tag: str = "TAG-1") -> str:
    """Start a transaction the way the charger's version does; answer the id StopTransaction takes."""
    if hasattr(charger, "on_remote_start"):  # 1.6
        answer = await charger.call(
            call16.StartTransaction(connector_id=connector, id_tag=tag, meter_start=1000, timestamp=now())
        )
        return str(answer.transaction_id)
    charger_tx_id = f"tx-{connector}-{tag}"
    await charger.call(
        call201.TransactionEvent(
            event_type="Started",
            timestamp=now(),
            trigger_reason="Authorized",
            seq_no=0,
            transaction_info={"transaction_id": charger_tx_id},
            evse={"id": connector, "connector_id": 1},
            id_token={"id_token": tag, "type": "ISO14443"},
        )
    )
    return charger_tx_id


async def stop_transaction(charger: Any, tx_ref: str, tag: str = "TAG-1") -> None:
    if hasattr(charger, "on_remote_start"):
        await charger.call(
            call16.StopTransaction(transaction_id=int(tx_ref), meter_stop=5000, timestamp=now(), id_tag=tag)
        )
        return
    await charger.call(
        call201.TransactionEvent(
            event_type="Ended",
            timestamp=now(),
            trigger_reason="StopAuthorized",
            seq_no=1,
            transaction_info={"transaction_id": tx_ref, "stopped_reason": "Local"},
        )
    )
