"""What a test charger reports, written once for both OCPP versions (the server's view is the same)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from ocpp.exceptions import InternalError
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.support.chargers import Charger16


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def is16(charger: Any) -> bool:
    return isinstance(charger, Charger16)


async def report_status(charger: Any, connector: int, status16: str, status2x: str) -> None:
    if is16(charger):
        await charger.call(
            call16.StatusNotification(
                connector_id=connector, error_code="NoError", status=status16, timestamp=now()
            )
        )
    else:
        await charger.call(
            call201.StatusNotification(
                timestamp=now(), connector_status=status2x, evse_id=connector, connector_id=1
            )
        )


async def report_meter(charger: Any, connector: int, wh: float, watts: float, soc: float) -> str:
    stamp = now()
    sampled = [
        {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": str(watts), "measurand": "Power.Active.Import", "unit": "W"},
        {"value": str(soc), "measurand": "SoC", "unit": "Percent"},
    ]
    if is16(charger):
        await charger.call(
            call16.MeterValues(
                connector_id=connector, meter_value=[{"timestamp": stamp, "sampled_value": sampled}]
            )
        )
    else:
        for s in sampled:
            s["value"] = float(s["value"])  # type: ignore[assignment]
            s["unit_of_measure"] = {"unit": s.pop("unit")}
        await charger.call(
            call201.MeterValues(
                evse_id=connector, meter_value=[{"timestamp": stamp, "sampled_value": sampled}]
            )
        )
    return stamp


async def start_transaction(charger: Any, connector: int, tag: str) -> int | str:
    """Start a transaction from the charger; the id the server must use to stop it."""
    if is16(charger):
        answer = await charger.call(
            call16.StartTransaction(connector_id=connector, id_tag=tag, meter_start=1000, timestamp=now())
        )
        tx_id: int = answer.transaction_id
        return tx_id
    charger_tx = f"tx-{connector}-{tag}"
    await charger.call(
        call201.TransactionEvent(
            event_type="Started",
            timestamp=now(),
            trigger_reason="Authorized",
            seq_no=0,
            transaction_info={"transaction_id": charger_tx},
            evse={"id": connector, "connector_id": 1},
            id_token={"id_token": tag, "type": "ISO14443"},
        )
    )
    return charger_tx


async def check_failure_kinds(
    station: Any, action: str, send: Callable[[], Awaitable[Any]], garbage: str = "Bogus"
) -> None:
    """How a route answers each way `action` can fail at the station (on the `impatient` server): a
    CallError → 502 with its code; an answer that breaks the schema (`garbage` as the station's answer)
    → 502 InvalidResponse; no answer in time → 200 Timeout."""
    station.rec.errors[action] = InternalError(description=f"{action} failed inside")
    failed = await send()
    assert (failed.status_code, failed.json()) == (
        502,
        {"status": "CallError", "errorCode": "InternalError", "description": f"{action} failed inside"},
    )
    del station.rec.errors[action]
    station.rec.answers[action] = garbage
    broken = await send()
    assert broken.status_code == 502 and broken.json()["status"] == "InvalidResponse", broken.json()
    del station.rec.answers[action]
    station.rec.delays[action] = 2.0
    late = await send()
    assert (late.status_code, late.json()) == (200, {"status": "Timeout"})
    del station.rec.delays[action]
    await asyncio.sleep(1.2)  # the late answer arrives (and is dropped) before the test goes on
