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
        self.errors: dict[str, Exception] = {}  # action → an ocpp.exceptions error to answer as CallError
        self.event = asyncio.Event()

    async def got(self, action: str, payload: dict[str, Any], default: str) -> str:
        self.received.append((action, payload))
        self.event.set()
        delay = self.delays.get(action)
        if delay:
            await asyncio.sleep(delay)
        error = self.errors.get(action)
        if error is not None:
            raise error
        return self.answers.get(action, default)

    def actions(self) -> list[str]:
        return [name for name, _ in self.received]

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

    # configuration keys this charger knows (GetConfiguration / ChangeConfiguration)
    config: dict[str, str] = {"HeartbeatInterval": "300", "EVConnectionTimeOut": "120"}

    @on("GetConfiguration")
    async def on_get_configuration(self, **kw: Any) -> Any:
        await self.rec.got("GetConfiguration", kw, "Accepted")
        wanted = kw.get("key") or list(self.config)
        known = [{"key": k, "readonly": False, "value": self.config[k]} for k in wanted if k in self.config]
        return result16.GetConfiguration(
            configuration_key=known, unknown_key=[k for k in wanted if k not in self.config]
        )

    @on("ChangeConfiguration")
    async def on_change_configuration(self, **kw: Any) -> Any:
        status = await self.rec.got("ChangeConfiguration", kw, "Accepted")
        status = self.rec.answers.get(f"ChangeConfiguration:{kw['key']}", status)
        if status == "Accepted":
            self.config = {**self.config, kw["key"]: kw["value"]}
        return result16.ChangeConfiguration(status=status)

    @on("SetChargingProfile")
    async def on_set_profile(self, **kw: Any) -> Any:
        return result16.SetChargingProfile(status=await self.rec.got("SetChargingProfile", kw, "Accepted"))

    @on("ClearChargingProfile")
    async def on_clear_profile(self, **kw: Any) -> Any:
        return result16.ClearChargingProfile(
            status=await self.rec.got("ClearChargingProfile", kw, "Accepted")
        )

    @on("ChangeAvailability")
    async def on_change_availability(self, **kw: Any) -> Any:
        return result16.ChangeAvailability(status=await self.rec.got("ChangeAvailability", kw, "Accepted"))

    # Unvalidated, so a test can make the charger answer something that breaks the schema.
    @on("ClearCache", skip_schema_validation=True)
    async def on_clear_cache(self, **kw: Any) -> Any:
        return result16.ClearCache(status=await self.rec.got("ClearCache", kw, "Accepted"))

    @on("DataTransfer")
    async def on_data_transfer(self, **kw: Any) -> Any:
        status = await self.rec.got("DataTransfer", kw, "Accepted")
        return result16.DataTransfer(status=status, data=f"echo:{kw.get('data')}")

    @on("ReserveNow")
    async def on_reserve_now(self, **kw: Any) -> Any:
        return result16.ReserveNow(status=await self.rec.got("ReserveNow", kw, "Accepted"))

    @on("CancelReservation")
    async def on_cancel_reservation(self, **kw: Any) -> Any:
        return result16.CancelReservation(status=await self.rec.got("CancelReservation", kw, "Accepted"))

    @on("SendLocalList")
    async def on_send_local_list(self, **kw: Any) -> Any:
        return result16.SendLocalList(status=await self.rec.got("SendLocalList", kw, "Accepted"))

    @on("GetLocalListVersion")
    async def on_get_local_list_version(self, **kw: Any) -> Any:
        await self.rec.got("GetLocalListVersion", kw, "Accepted")
        return result16.GetLocalListVersion(list_version=7)

    @on("GetDiagnostics")
    async def on_get_diagnostics(self, **kw: Any) -> Any:
        await self.rec.got("GetDiagnostics", kw, "Accepted")
        return result16.GetDiagnostics(file_name="diag-1.zip")

    @on("UpdateFirmware")
    async def on_update_firmware(self, **kw: Any) -> Any:
        await self.rec.got("UpdateFirmware", kw, "Accepted")
        return result16.UpdateFirmware()

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, **kw: Any) -> Any:
        status = await self.rec.got("GetCompositeSchedule", kw, "Accepted")
        return result16.GetCompositeSchedule(status=status, connector_id=kw["connector_id"])


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

    # device model variables this station knows, as "Component.Variable" → value
    variables: dict[str, str] = {"OCPPCommCtrlr.HeartbeatInterval": "300"}

    @on("GetVariables")
    async def on_get_variables(self, **kw: Any) -> Any:
        await self.rec.got("GetVariables", kw, "Accepted")
        results = []
        for item in kw["get_variable_data"]:
            key = f"{item['component']['name']}.{item['variable']['name']}"
            result = {"component": item["component"], "variable": item["variable"]}
            if key in self.variables:
                result.update(attribute_status="Accepted", attribute_value=self.variables[key])
            else:
                result["attribute_status"] = "UnknownVariable"
            results.append(result)
        return result201.GetVariables(get_variable_result=results)

    @on("SetVariables")
    async def on_set_variables(self, **kw: Any) -> Any:
        status = await self.rec.got("SetVariables", kw, "Accepted")
        results = []
        for item in kw["set_variable_data"]:
            key = f"{item['component']['name']}.{item['variable']['name']}"
            answer = self.rec.answers.get(f"SetVariables:{key}", status)
            if answer == "Accepted":
                self.variables = {**self.variables, key: item["attribute_value"]}
            results.append(
                {"attribute_status": answer, "component": item["component"], "variable": item["variable"]}
            )
        return result201.SetVariables(set_variable_result=results)

    @on("SetChargingProfile")
    async def on_set_profile(self, **kw: Any) -> Any:
        return result201.SetChargingProfile(status=await self.rec.got("SetChargingProfile", kw, "Accepted"))

    @on("ClearChargingProfile")
    async def on_clear_profile(self, **kw: Any) -> Any:
        return result201.ClearChargingProfile(
            status=await self.rec.got("ClearChargingProfile", kw, "Accepted")
        )

    @on("ChangeAvailability")
    async def on_change_availability(self, **kw: Any) -> Any:
        return result201.ChangeAvailability(status=await self.rec.got("ChangeAvailability", kw, "Accepted"))

    # Unvalidated, so a test can make the charger answer something that breaks the schema.
    @on("ClearCache", skip_schema_validation=True)
    async def on_clear_cache(self, **kw: Any) -> Any:
        return result201.ClearCache(status=await self.rec.got("ClearCache", kw, "Accepted"))

    @on("DataTransfer")
    async def on_data_transfer(self, **kw: Any) -> Any:
        status = await self.rec.got("DataTransfer", kw, "Accepted")
        return result201.DataTransfer(status=status, data=f"echo:{kw.get('data')}")

    @on("ReserveNow")
    async def on_reserve_now(self, **kw: Any) -> Any:
        return result201.ReserveNow(status=await self.rec.got("ReserveNow", kw, "Accepted"))

    @on("CancelReservation")
    async def on_cancel_reservation(self, **kw: Any) -> Any:
        return result201.CancelReservation(status=await self.rec.got("CancelReservation", kw, "Accepted"))

    @on("SendLocalList")
    async def on_send_local_list(self, **kw: Any) -> Any:
        return result201.SendLocalList(status=await self.rec.got("SendLocalList", kw, "Accepted"))

    @on("GetLocalListVersion")
    async def on_get_local_list_version(self, **kw: Any) -> Any:
        await self.rec.got("GetLocalListVersion", kw, "Accepted")
        return result201.GetLocalListVersion(version_number=7)

    @on("GetLog")
    async def on_get_log(self, **kw: Any) -> Any:
        status = await self.rec.got("GetLog", kw, "Accepted")
        return result201.GetLog(status=status, filename="log-1.zip")

    @on("UpdateFirmware")
    async def on_update_firmware(self, **kw: Any) -> Any:
        return result201.UpdateFirmware(status=await self.rec.got("UpdateFirmware", kw, "Accepted"))

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, **kw: Any) -> Any:
        return result201.GetCompositeSchedule(
            status=await self.rec.got("GetCompositeSchedule", kw, "Accepted")
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
