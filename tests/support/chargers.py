"""Test chargers built from the `ocpp` library's own ChargePoint classes (1.6 and 2.0.1).

They record every CALL the central system sends them (action + payload as received, camelCase keys
converted by the library to snake_case) and answer with statuses a test can set per action.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201

from tests.support.server import RunningServer


class Recorder:
    """What the charger received, and what it should answer."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, str] = {}
        self.delays: dict[str, float] = {}
        self.event = asyncio.Event()

    async def got(self, action: str, payload: dict[str, Any], default: str) -> str:
        self.received.append((action, payload))
        self.event.set()
        delay = self.delays.get(action)
        if delay:
            await asyncio.sleep(delay)
        return self.answers.get(action, default)

    def last(self, action: str) -> dict[str, Any]:
        for name, payload in reversed(self.received):
            if name == action:
                return payload
        raise AssertionError(f"the charger never received {action}; got {[n for n, _ in self.received]}")


class Charger16(ChargePoint16):
    def __init__(self, cp_id: str, connection: Any) -> None:
        super().__init__(cp_id, connection, response_timeout=10)
        self.rec = Recorder()

    async def boot(self, vendor: str = "TestVendor", model: str = "TestModel") -> Any:
        return await self.call(call16.BootNotification(charge_point_vendor=vendor, charge_point_model=model))

    @on("Reset")
    async def on_reset(self, **kw: Any) -> Any:
        return result16.Reset(status=await self.rec.got("Reset", kw, "Accepted"))

    @on("UnlockConnector")
    async def on_unlock(self, **kw: Any) -> Any:
        return result16.UnlockConnector(status=await self.rec.got("UnlockConnector", kw, "Unlocked"))

    @on("RemoteStartTransaction")
    async def on_remote_start(self, **kw: Any) -> Any:
        return result16.RemoteStartTransaction(
            status=await self.rec.got("RemoteStartTransaction", kw, "Accepted")
        )

    @on("RemoteStopTransaction")
    async def on_remote_stop(self, **kw: Any) -> Any:
        return result16.RemoteStopTransaction(
            status=await self.rec.got("RemoteStopTransaction", kw, "Accepted")
        )

    @on("TriggerMessage")
    async def on_trigger(self, **kw: Any) -> Any:
        return result16.TriggerMessage(status=await self.rec.got("TriggerMessage", kw, "Accepted"))

    @on("SetChargingProfile")
    async def on_set_profile(self, **kw: Any) -> Any:
        return result16.SetChargingProfile(status=await self.rec.got("SetChargingProfile", kw, "Accepted"))

    @on("ClearChargingProfile")
    async def on_clear_profile(self, **kw: Any) -> Any:
        return result16.ClearChargingProfile(
            status=await self.rec.got("ClearChargingProfile", kw, "Accepted")
        )


class Charger201(ChargePoint201):
    def __init__(self, cp_id: str, connection: Any) -> None:
        super().__init__(cp_id, connection, response_timeout=10)
        self.rec = Recorder()

    async def boot(self, vendor: str = "TestVendor", model: str = "TestModel") -> Any:
        return await self.call(
            call201.BootNotification(
                charging_station={"vendor_name": vendor, "model": model}, reason="PowerUp"
            )
        )

    @on("Reset")
    async def on_reset(self, **kw: Any) -> Any:
        return result201.Reset(status=await self.rec.got("Reset", kw, "Accepted"))

    @on("UnlockConnector")
    async def on_unlock(self, **kw: Any) -> Any:
        return result201.UnlockConnector(status=await self.rec.got("UnlockConnector", kw, "Unlocked"))

    @on("RequestStartTransaction")
    async def on_request_start(self, **kw: Any) -> Any:
        return result201.RequestStartTransaction(
            status=await self.rec.got("RequestStartTransaction", kw, "Accepted")
        )

    @on("RequestStopTransaction")
    async def on_request_stop(self, **kw: Any) -> Any:
        return result201.RequestStopTransaction(
            status=await self.rec.got("RequestStopTransaction", kw, "Accepted")
        )

    @on("TriggerMessage")
    async def on_trigger(self, **kw: Any) -> Any:
        return result201.TriggerMessage(status=await self.rec.got("TriggerMessage", kw, "Accepted"))

    @on("SetChargingProfile")
    async def on_set_profile(self, **kw: Any) -> Any:
        return result201.SetChargingProfile(status=await self.rec.got("SetChargingProfile", kw, "Accepted"))

    @on("ClearChargingProfile")
    async def on_clear_profile(self, **kw: Any) -> Any:
        return result201.ClearChargingProfile(
            status=await self.rec.got("ClearChargingProfile", kw, "Accepted")
        )


CHARGERS: dict[str, type[Charger16] | type[Charger201]] = {"ocpp1.6": Charger16, "ocpp2.0.1": Charger201}


@contextlib.asynccontextmanager
async def connected(
    server: RunningServer,
    cp_id: str,
    protocol: str = "ocpp1.6",
    *,
    password: str | None = None,
    boot: bool = True,
) -> AsyncIterator[Any]:
    """A library charger connected to the server (and booted, unless boot=False)."""
    ws = await server.connect(cp_id, protocol, password=password)
    charger = CHARGERS[protocol](cp_id, ws)
    task = asyncio.create_task(charger.start())
    try:
        if boot:
            await charger.boot()
        yield charger
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await ws.close()
