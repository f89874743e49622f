"""A simulated OCPP 1.6J charge point: payloads and answers to the central system's CALLs.

Transactions: the central system assigns the integer ``transactionId`` in StartTransaction's answer.
RemoteStartTransaction is accepted when a connector is free and then really starts a transaction
(StatusNotification Preparing → StartTransaction with the given idTag → Charging → periodic MeterValues)
until RemoteStopTransaction (→ StopTransaction reason Remote).
"""

from __future__ import annotations

from typing import ClassVar

from chargegrid.sim.charger import (
    ChargerOptions,
    Connector,
    FollowUp,
    Handler,
    Payload,
    SimCharger,
    utcnow,
)
from chargegrid.sim.stats import SimStats

_READONLY = {"NumberOfConnectors", "SupportedFeatureProfiles", "ChargeProfileMaxStackLevel"}


class ChargerV16(SimCharger):
    """One OCPP 1.6J charge point."""

    __slots__ = ()
    subprotocol: ClassVar[str] = "ocpp1.6"
    version: ClassVar[str] = "1.6"

    def __init__(self, cp_id: str, opts: ChargerOptions, stats: SimStats) -> None:
        super().__init__(cp_id, opts, stats)
        self.config = {
            "HeartbeatInterval": str(int(self.heartbeat_interval)),
            "MeterValueSampleInterval": str(int(opts.meter_interval)),
            "NumberOfConnectors": str(opts.connectors),
            "AuthorizeRemoteTxRequests": "false",
            "ConnectionTimeOut": "60",
            "LocalPreAuthorize": "false",
            "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import",
            "SupportedFeatureProfiles": "Core,RemoteTrigger,SmartCharging,LocalAuthListManagement",
            "ChargeProfileMaxStackLevel": "10",
        }

    # ------------------------------------------------------------------ what we send
    def boot_payload(self) -> Payload:
        return {
            "chargePointVendor": self.opts.vendor,
            "chargePointModel": self.opts.model,
            "chargePointSerialNumber": self.cp_id[-25:],
            "firmwareVersion": "sim-1.0",
        }

    async def status(self, connector_id: int, status: str) -> None:
        await self.call(
            "StatusNotification",
            {"connectorId": connector_id, "errorCode": "NoError", "status": status, "timestamp": utcnow()},
        )

    async def set_status(self, c: Connector, status: str) -> None:
        c.status = status
        await self.status(c.id, status)

    async def send_all_status(self) -> None:
        await self.status(0, "Available")
        for c in self.connectors:
            await self.status(c.id, c.status)

    async def authorize(self, id_tag: str) -> bool:
        answer = await self.call("Authorize", {"idTag": id_tag})
        return bool(answer.get("idTagInfo", {}).get("status") == "Accepted")

    async def start_transaction(self, c: Connector, id_tag: str, remote_start_id: int | None) -> bool:
        await self.set_status(c, "Preparing")
        answer = await self.call(
            "StartTransaction",
            {"connectorId": c.id, "idTag": id_tag, "meterStart": int(c.meter_wh), "timestamp": utcnow()},
        )
        c.transaction_id = int(answer["transactionId"])
        if answer.get("idTagInfo", {}).get("status") != "Accepted":
            # the transaction exists on the server: end it at once, as a real charger would
            await self.stop_transaction(c, "DeAuthorized")
            c.transaction_id = None
            return False
        await self.set_status(c, "Charging")
        return True

    def meter_payload(self, c: Connector) -> Payload:
        payload: Payload = {
            "connectorId": c.id,
            "meterValue": [
                {
                    "timestamp": utcnow(),
                    "sampledValue": [
                        {
                            "value": str(int(c.meter_wh)),
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                            "context": "Sample.Periodic",
                        },
                        {
                            "value": str(int(self.draw_w(c))),
                            "measurand": "Power.Active.Import",
                            "unit": "W",
                            "context": "Sample.Periodic",
                        },
                    ],
                }
            ],
        }
        if c.transaction_id is not None:
            payload["transactionId"] = c.transaction_id
        return payload

    async def transaction_meter(self, c: Connector) -> None:
        await self.call("MeterValues", self.meter_payload(c))

    async def stop_transaction(self, c: Connector, reason: str) -> None:
        payload: Payload = {
            "transactionId": c.transaction_id,
            "meterStop": int(c.meter_wh),
            "timestamp": utcnow(),
            "reason": reason,
        }
        if c.id_tag:
            payload["idTag"] = c.id_tag
        await self.call("StopTransaction", payload)
        if c.status != "Available":
            await self.set_status(c, "Finishing")
            await self.set_status(c, "Available" if c.available else "Unavailable")

    # ------------------------------------------------------------------ what we answer
    def on_remote_start(self, p: Payload) -> tuple[Payload, FollowUp]:
        return self.accept_remote_start(p.get("connectorId"), str(p["idTag"]), None)

    def on_remote_stop(self, p: Payload) -> tuple[Payload, FollowUp]:
        return self.accept_remote_stop(p.get("transactionId"))

    def on_reset(self, p: Payload) -> tuple[Payload, FollowUp]:
        self.reboot()
        return {"status": "Accepted"}, None

    def on_unlock(self, p: Payload) -> tuple[Payload, FollowUp]:
        c = next((c for c in self.connectors if c.id == p.get("connectorId")), None)
        if c is None:
            return {"status": "NotSupported"}, None
        if c.stop_event is not None:
            c.stop_reason = "UnlockCommand"
            c.stop_event.set()
        return {"status": "Unlocked"}, None

    def on_set_profile(self, p: Payload) -> tuple[Payload, FollowUp]:
        cid = int(p.get("connectorId", 0))
        if cid != 0 and not any(c.id == cid for c in self.connectors):
            return {"status": "Rejected"}, None
        for c in self.connectors:
            if cid in (0, c.id):
                c.profiles += 1
        profile = p["csChargingProfiles"]
        if profile["chargingProfilePurpose"] == "TxProfile" and not self.tx_profile_fits(cid, profile):
            return {"status": "Rejected"}, None
        self.profile_book.set(cid, profile)
        return {"status": "Accepted"}, None

    def on_clear_profile(self, p: Payload) -> tuple[Payload, FollowUp]:
        cid = p.get("connectorId")
        cleared = self.profile_book.clear(
            p.get("id"), cid, p.get("chargingProfilePurpose"), p.get("stackLevel")
        )
        for c in self.connectors:
            if cid in (None, 0, c.id) and c.profiles:
                c.profiles = 0
                cleared = True
        return {"status": "Accepted" if cleared else "Unknown"}, None

    def on_get_configuration(self, p: Payload) -> tuple[Payload, FollowUp]:
        keys = p.get("key") or list(self.config)
        known = [
            {"key": k, "readonly": k in _READONLY, "value": self.config[k]} for k in keys if k in self.config
        ]
        answer: Payload = {"configurationKey": known}
        unknown = [k for k in keys if k not in self.config]
        if unknown:
            answer["unknownKey"] = unknown
        return answer, None

    def on_change_configuration(self, p: Payload) -> tuple[Payload, FollowUp]:
        key, value = str(p["key"]), str(p["value"])
        if key not in self.config:
            return {"status": "NotSupported"}, None
        if key in _READONLY:
            return {"status": "Rejected"}, None
        if key == "HeartbeatInterval":
            try:
                self.heartbeat_interval = float(value)
            except ValueError:
                return {"status": "Rejected"}, None
            self.schedule_heartbeat()
        self.config[key] = value
        return {"status": "Accepted"}, None

    def on_change_availability(self, p: Payload) -> tuple[Payload, FollowUp]:
        return self.change_availability(int(p["connectorId"]), p["type"] == "Operative")

    def on_trigger(self, p: Payload) -> tuple[Payload, FollowUp]:
        what, cid = p["requestedMessage"], p.get("connectorId")
        follow: FollowUp
        if what == "BootNotification":

            async def follow() -> None:
                await self.call("BootNotification", self.boot_payload())

        elif what == "Heartbeat":

            async def follow() -> None:
                await self.call("Heartbeat", {})

        elif what == "StatusNotification":

            async def follow() -> None:
                for c in self.connectors:
                    if cid in (None, c.id):
                        await self.status(c.id, c.status)

        elif what == "MeterValues":

            async def follow() -> None:
                for c in self.connectors:
                    if cid in (None, c.id):
                        await self.call("MeterValues", self.meter_payload(c))

        else:
            return {"status": "NotImplemented"}, None
        return {"status": "Accepted"}, follow

    def on_clear_cache(self, p: Payload) -> tuple[Payload, FollowUp]:
        return {"status": "Accepted"}, None

    def on_data_transfer(self, p: Payload) -> tuple[Payload, FollowUp]:
        return {"status": "UnknownVendorId"}, None

    def on_get_local_list_version(self, p: Payload) -> tuple[Payload, FollowUp]:
        return {"listVersion": 0}, None

    handlers: ClassVar[dict[str, Handler]] = {
        "RemoteStartTransaction": on_remote_start,
        "RemoteStopTransaction": on_remote_stop,
        "Reset": on_reset,
        "UnlockConnector": on_unlock,
        "SetChargingProfile": on_set_profile,
        "ClearChargingProfile": on_clear_profile,
        "GetConfiguration": on_get_configuration,
        "ChangeConfiguration": on_change_configuration,
        "ChangeAvailability": on_change_availability,
        "TriggerMessage": on_trigger,
        "ClearCache": on_clear_cache,
        "DataTransfer": on_data_transfer,
        "GetLocalListVersion": on_get_local_list_version,
    }
