"""Baseline (a): a central system written the way the `ocpp` library's README shows it.

`websockets.serve` + a subclass of ``ocpp.v16.ChargePoint`` with ``@on`` handlers for BootNotification,
Heartbeat, StatusNotification and MeterValues; the library validates each payload against its JSON schema;
nothing is persisted. This is what a Python user would otherwise write.
Usage: python bench/baselines/ocpp_lib_server.py --port 9002
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as Cp
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, RegistrationStatus

logging.basicConfig(level=logging.WARNING)


class ChargePoint(Cp):
    @on(Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str, **kwargs: Any) -> Any:
        return call_result.BootNotification(
            current_time=datetime.now(UTC).isoformat(), interval=300, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    def on_heartbeat(self) -> Any:
        return call_result.Heartbeat(current_time=datetime.now(UTC).isoformat())

    @on(Action.status_notification)
    def on_status_notification(self, connector_id: int, error_code: str, status: str, **kwargs: Any) -> Any:
        return call_result.StatusNotification()

    @on(Action.meter_values)
    def on_meter_values(self, connector_id: int, meter_value: list[Any], **kwargs: Any) -> Any:
        return call_result.MeterValues()


async def on_connect(websocket: Any) -> None:
    if websocket.subprotocol is None:
        return await websocket.close()
    charge_point_id = websocket.request.path.strip("/").split("/")[-1]
    cp = ChargePoint(charge_point_id, websocket)
    try:
        await cp.start()
    except websockets.exceptions.ConnectionClosed:
        pass


async def main(host: str, port: int) -> None:
    server = await websockets.serve(on_connect, host, port, subprotocols=["ocpp1.6"])  # type: ignore[list-item]
    await server.wait_closed()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9002)
    a = ap.parse_args()
    asyncio.run(main(a.host, a.port))
