"""Test chargers built from the `ocpp` library's own ChargePoint classes (1.6 and 2.0.1).

They record every CALL the central system sends them (action + payload as received, camelCase keys
converted by the library to snake_case) and answer with statuses a test can set per action.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v21 import ChargePoint as ChargePoint21
from ocpp.v21 import call as call21
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201

from tests.support.server import RunningServer


def now_text() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


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

    # Security Extension. GetLog unvalidated, so a test can make the charger answer off the schema.
    @on("GetLog", skip_schema_validation=True)
    async def on_get_log(self, **kw: Any) -> Any:
        status = await self.rec.got("GetLog", kw, "Accepted")
        return result16.GetLog(status=status, filename="log-16.zip")

    @on("SignedUpdateFirmware")
    async def on_signed_update_firmware(self, **kw: Any) -> Any:
        return result16.SignedUpdateFirmware(
            status=await self.rec.got("SignedUpdateFirmware", kw, "Accepted")
        )

    @on("InstallCertificate")
    async def on_install_certificate(self, **kw: Any) -> Any:
        return result16.InstallCertificate(status=await self.rec.got("InstallCertificate", kw, "Accepted"))

    # what GetInstalledCertificateIds lists (CertificateHashData, snake_case), per 1.6 certificate type
    certificates: dict[str, list[dict[str, str]]] = {}

    @on("GetInstalledCertificateIds")
    async def on_get_installed_certificate_ids(self, **kw: Any) -> Any:
        status = await self.rec.got("GetInstalledCertificateIds", kw, "Accepted")
        listed = self.certificates.get(kw["certificate_type"], [])
        return result16.GetInstalledCertificateIds(status=status, certificate_hash_data=listed or None)

    @on("DeleteCertificate")
    async def on_delete_certificate(self, **kw: Any) -> Any:
        return result16.DeleteCertificate(status=await self.rec.got("DeleteCertificate", kw, "Accepted"))


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

    @on("SetNetworkProfile")
    async def on_set_network_profile(self, **kw: Any) -> Any:
        return result201.SetNetworkProfile(status=await self.rec.got("SetNetworkProfile", kw, "Accepted"))

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

    # ---- device model, display messages, monitoring, customer information (2.x) ----
    # What the station sends after GetBaseReport/GetReport: each item is one NotifyReport part's
    # reportData, sent in `report_order` (seqNo follows the list's order, not the sending order).
    report_parts: list[list[dict[str, Any]]] = []
    report_order: list[int] | None = None

    async def send_report_parts(self, request_id: int) -> None:
        last = len(self.report_parts) - 1
        for seq_no in self.report_order or range(len(self.report_parts)):
            await self.call(
                call201.NotifyReport(
                    request_id=request_id,
                    generated_at=now_text(),
                    seq_no=seq_no,
                    report_data=self.report_parts[seq_no],
                    tbc=seq_no < last,
                )
            )

    @on("GetBaseReport", skip_schema_validation=True)  # a test may make it break the schema
    async def on_get_base_report(self, **kw: Any) -> Any:
        return result201.GetBaseReport(status=await self.rec.got("GetBaseReport", kw, "Accepted"))

    @after("GetBaseReport")
    async def after_get_base_report(self, **kw: Any) -> None:
        if self.rec.answers.get("GetBaseReport", "Accepted") == "Accepted":
            await self.send_report_parts(kw["request_id"])

    @on("GetReport")
    async def on_get_report(self, **kw: Any) -> Any:
        return result201.GetReport(status=await self.rec.got("GetReport", kw, "Accepted"))

    @after("GetReport")
    async def after_get_report(self, **kw: Any) -> None:
        if self.rec.answers.get("GetReport", "Accepted") == "Accepted":
            await self.send_report_parts(kw["request_id"])

    @on("GetTransactionStatus", skip_schema_validation=True)  # a test may make it break the schema
    async def on_get_transaction_status(self, **kw: Any) -> Any:
        queued = await self.rec.got("GetTransactionStatus", kw, "no")  # "no" / "yes" / anything else
        ongoing = kw.get("transaction_id") == "tx-live" if "transaction_id" in kw else None
        in_queue = {"no": False, "yes": True}.get(queued, queued)
        return result201.GetTransactionStatus(messages_in_queue=in_queue, ongoing_indicator=ongoing)

    # display messages the station holds, by id (SetDisplayMessage / ClearDisplayMessage change them)
    display: dict[int, dict[str, Any]] = {}

    @on("SetDisplayMessage", skip_schema_validation=True)  # a test may make it break the schema
    async def on_set_display_message(self, **kw: Any) -> Any:
        status = await self.rec.got("SetDisplayMessage", kw, "Accepted")
        if status == "Accepted":
            self.display = {**self.display, kw["message"]["id"]: kw["message"]}
        return result201.SetDisplayMessage(status=status)

    @on("GetDisplayMessages")
    async def on_get_display_messages(self, **kw: Any) -> Any:
        status = await self.rec.got("GetDisplayMessages", kw, "Accepted" if self.display else "Unknown")
        return result201.GetDisplayMessages(status=status)

    @after("GetDisplayMessages")
    async def after_get_display_messages(self, **kw: Any) -> None:
        messages = [m for i, m in sorted(self.display.items()) if i in kw.get("id", [i])]
        for index, message in enumerate(messages):  # one message per part
            await self.call(
                call201.NotifyDisplayMessages(
                    request_id=kw["request_id"], message_info=[message], tbc=index < len(messages) - 1
                )
            )

    @on("ClearDisplayMessage")
    async def on_clear_display_message(self, **kw: Any) -> Any:
        known = kw["id"] in self.display
        status = await self.rec.got("ClearDisplayMessage", kw, "Accepted" if known else "Unknown")
        self.display = {i: m for i, m in self.display.items() if i != kw["id"]}
        return result201.ClearDisplayMessage(status=status)

    # monitors the station holds, by id
    monitors: dict[int, dict[str, Any]] = {}

    # Unvalidated, so a test can make the station answer something that breaks the schema.
    @on("SetVariableMonitoring", skip_schema_validation=True)
    async def on_set_variable_monitoring(self, **kw: Any) -> Any:
        default = await self.rec.got("SetVariableMonitoring", kw, "Accepted")
        results = []
        for item in kw["set_monitoring_data"]:
            status = self.rec.answers.get(f"SetVariableMonitoring:{item['variable']['name']}", default)
            monitor_id = item.get("id", 100 + len(self.monitors))
            if status == "Accepted":
                self.monitors = {**self.monitors, monitor_id: item}
            results.append(
                {
                    "id": monitor_id,
                    "status": status,
                    "type": item["type"],
                    "severity": item["severity"],
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
        return result201.SetVariableMonitoring(set_monitoring_result=results)

    @on("SetMonitoringBase")
    async def on_set_monitoring_base(self, **kw: Any) -> Any:
        return result201.SetMonitoringBase(status=await self.rec.got("SetMonitoringBase", kw, "Accepted"))

    @on("SetMonitoringLevel")
    async def on_set_monitoring_level(self, **kw: Any) -> Any:
        return result201.SetMonitoringLevel(status=await self.rec.got("SetMonitoringLevel", kw, "Accepted"))

    @on("ClearVariableMonitoring")
    async def on_clear_variable_monitoring(self, **kw: Any) -> Any:
        await self.rec.got("ClearVariableMonitoring", kw, "Accepted")
        results = [{"id": i, "status": "Accepted" if i in self.monitors else "NotFound"} for i in kw["id"]]
        self.monitors = {i: m for i, m in self.monitors.items() if i not in kw["id"]}
        return result201.ClearVariableMonitoring(clear_monitoring_result=results)

    @on("GetMonitoringReport")
    async def on_get_monitoring_report(self, **kw: Any) -> Any:
        status = await self.rec.got(
            "GetMonitoringReport", kw, "Accepted" if self.monitors else "EmptyResultSet"
        )
        return result201.GetMonitoringReport(status=status)

    @after("GetMonitoringReport")
    async def after_get_monitoring_report(self, **kw: Any) -> None:
        items = sorted(self.monitors.items())
        for seq_no, (monitor_id, item) in enumerate(items):  # one monitor per part
            monitoring = {k: item[k] for k in ("transaction", "value", "type", "severity") if k in item}
            await self.call(
                call201.NotifyMonitoringReport(
                    request_id=kw["request_id"],
                    seq_no=seq_no,
                    generated_at=now_text(),
                    tbc=seq_no < len(items) - 1,
                    monitor=[
                        {
                            "component": item["component"],
                            "variable": item["variable"],
                            "variable_monitoring": [{"id": monitor_id, "transaction": False, **monitoring}],
                        }
                    ],
                )
            )

    # what the station knows about a customer: sent as NotifyCustomerInformation parts
    customer_data: list[str] = ["first part;", "second part"]

    @on("CustomerInformation", skip_schema_validation=True)  # a test may make it break the schema
    async def on_customer_information(self, **kw: Any) -> Any:
        return result201.CustomerInformation(status=await self.rec.got("CustomerInformation", kw, "Accepted"))

    @after("CustomerInformation")
    async def after_customer_information(self, **kw: Any) -> None:
        if self.rec.answers.get("CustomerInformation", "Accepted") != "Accepted" or not kw["report"]:
            return
        last = len(self.customer_data) - 1
        for seq_no, data in enumerate(self.customer_data):
            await self.call(
                call201.NotifyCustomerInformation(
                    data=data,
                    seq_no=seq_no,
                    generated_at=now_text(),
                    request_id=kw["request_id"],
                    tbc=seq_no < last,
                )
            )

    @on("PublishFirmware")
    async def on_publish_firmware(self, **kw: Any) -> Any:
        return result201.PublishFirmware(status=await self.rec.got("PublishFirmware", kw, "Accepted"))

    # What this station reports on GetChargingProfiles: (evseId, chargingProfile in snake_case) pairs.
    reported_profiles: list[tuple[int, dict[str, Any]]] = []

    @on("GetChargingProfiles")
    async def on_get_charging_profiles(self, **kw: Any) -> Any:
        default = "Accepted" if self.reported_profiles else "NoProfiles"
        return result201.GetChargingProfiles(status=await self.rec.got("GetChargingProfiles", kw, default))

    @after("GetChargingProfiles")
    async def report_charging_profiles(self, **kw: Any) -> None:
        """One ReportChargingProfiles per EVSE, the last with tbc false (2.0.1 K09)."""
        evses = sorted({evse for evse, _ in self.reported_profiles})
        for index, evse in enumerate(evses):
            await self.call(
                call201.ReportChargingProfiles(
                    request_id=kw["request_id"],
                    charging_limit_source="CSO",
                    evse_id=evse,
                    charging_profile=[p for e, p in self.reported_profiles if e == evse],
                    tbc=index < len(evses) - 1,
                )
            )

    @on("UnpublishFirmware")
    async def on_unpublish_firmware(self, **kw: Any) -> Any:
        return result201.UnpublishFirmware(status=await self.rec.got("UnpublishFirmware", kw, "Unpublished"))

    @on("CostUpdated")
    async def on_cost_updated(self, **kw: Any) -> Any:
        await self.rec.got("CostUpdated", kw, "Accepted")
        return result201.CostUpdated()

    @on("InstallCertificate")
    async def on_install_certificate(self, **kw: Any) -> Any:
        return result201.InstallCertificate(status=await self.rec.got("InstallCertificate", kw, "Accepted"))

    # what GetInstalledCertificateIds lists: CertificateHashDataChain entries (snake_case)
    certificates: list[dict[str, Any]] = []

    @on("GetInstalledCertificateIds")
    async def on_get_installed_certificate_ids(self, **kw: Any) -> Any:
        status = await self.rec.got("GetInstalledCertificateIds", kw, "Accepted")
        wanted = kw.get("certificate_type")
        listed = [c for c in self.certificates if not wanted or c["certificate_type"] in wanted]
        return result201.GetInstalledCertificateIds(status=status, certificate_hash_data_chain=listed or None)

    @on("DeleteCertificate")
    async def on_delete_certificate(self, **kw: Any) -> Any:
        return result201.DeleteCertificate(status=await self.rec.got("DeleteCertificate", kw, "Accepted"))


class Charger21(ChargePoint21):
    """A 2.1 station: boots; tests make it send 2.1's own messages with `call`."""

    def __init__(self, cp_id: str, connection: Any) -> None:
        super().__init__(cp_id, connection, response_timeout=10)
        self.rec = Recorder()

    async def boot(self, vendor: str = "TestVendor", model: str = "TestModel") -> Any:
        return await self.call(
            call21.BootNotification(
                charging_station={"vendor_name": vendor, "model": model}, reason="PowerUp"
            )
        )


CHARGERS: dict[str, type[Charger16] | type[Charger201] | type[Charger21]] = {
    "ocpp1.6": Charger16,
    "ocpp2.0.1": Charger201,
    "ocpp2.1": Charger21,
}


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
