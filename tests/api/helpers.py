"""What a test charger reports, written once for both OCPP versions (the server's view is the same)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
