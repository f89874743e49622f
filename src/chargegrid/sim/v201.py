"""A simulated OCPP 2.0.1 charging station (also spoken as ``ocpp2.1``, whose messages used here agree).

Each connector is modelled as EVSE ``n`` with connector 1. The station makes up its transaction ids
(UUIDs) and reports the transaction with TransactionEvent Started / Updated (periodic meter values) /
Ended. RequestStartTransaction is accepted when an EVSE is free and really starts a transaction whose
Started event carries the ``remoteStartId``; RequestStopTransaction ends it with stoppedReason Remote.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from chargegrid.sim.charger import (
    CallRefused,
    ChargerOptions,
    Connector,
    FollowUp,
    Handler,
    Payload,
    SimCharger,
    utcnow,
)
from chargegrid.sim.stats import SimStats
from chargegrid.sim.v201_operations import (
    ITEMS_PER_MESSAGE,
    OPERATION_HANDLERS,
    READ_ONLY_COMPONENTS,
    StationBook,
    device_data_config,
    split_key,
)

_READONLY = {("ChargingStation", "Model"), ("ChargingStation", "VendorName")}


class ChargerV201(SimCharger):
    """One OCPP 2.0.1 charging station."""

    __slots__ = ("book",)
    subprotocol: ClassVar[str] = "ocpp2.0.1"
    version: ClassVar[str] = "2.0.1"

    def __init__(self, cp_id: str, opts: ChargerOptions, stats: SimStats) -> None:
        super().__init__(cp_id, opts, stats)
        self.config = {
            "OCPPCommCtrlr/HeartbeatInterval": str(int(self.heartbeat_interval)),
            "SampledDataCtrlr/TxUpdatedInterval": str(int(opts.meter_interval)),
            "AuthCtrlr/AuthorizeRemoteStart": "false",
            "TxCtrlr/EVConnectionTimeOut": "60",
            "ChargingStation/Model": opts.model,
            "ChargingStation/VendorName": opts.vendor,
            **device_data_config(),
        }
        self.book: StationBook | None = None  # what operators gave it (`v201_operations`), made when needed

    def read_only(self, component: str, variable: str) -> bool:
        return (component, variable) in _READONLY or component in READ_ONLY_COMPONENTS

    @staticmethod
    def config_key(component: Payload, variable: Payload) -> str:
        instance = variable.get("instance")
        return f"{component['name']}/{variable['name']}" + (f".{instance}" if instance else "")

    def known_component(self, name: str) -> bool:
        return any(split_key(k)[0] == name for k in self.config)

    # ------------------------------------------------------------------ what we send
    def boot_payload(self) -> Payload:
        return {
            "reason": "PowerUp",
            "chargingStation": {
                "model": self.opts.model,
                "vendorName": self.opts.vendor,
                "serialNumber": self.cp_id[-25:],
                "firmwareVersion": "sim-1.0",
            },
        }

    async def status(self, c: Connector) -> None:
        await self.call(
            "StatusNotification",
            {"timestamp": utcnow(), "connectorStatus": c.status, "evseId": c.id, "connectorId": 1},
        )

    async def set_status(self, c: Connector, status: str) -> None:
        c.status = status
        await self.status(c)

    async def send_all_status(self) -> None:
        for c in self.connectors:
            await self.status(c)

    @staticmethod
    def id_token(tag: str, kind: str = "ISO14443") -> Payload:
        return {"idToken": tag, "type": kind}

    async def authorize(self, id_tag: str) -> bool:
        answer = await self.call("Authorize", {"idToken": self.id_token(id_tag)})
        return bool(answer.get("idTokenInfo", {}).get("status") == "Accepted")

    def meter_value(self, c: Connector, context: str = "Sample.Periodic") -> list[Payload]:
        power = self.draw_w(c)
        return [
            {
                "timestamp": utcnow(),
                "sampledValue": [
                    {
                        "value": int(c.meter_wh),
                        "measurand": "Energy.Active.Import.Register",
                        "context": context,
                        "unitOfMeasure": {"unit": "Wh"},
                    },
                    {
                        "value": power,
                        "measurand": "Power.Active.Import",
                        "context": context,
                        "unitOfMeasure": {"unit": "W"},
                    },
                ],
            }
        ]

    def _event(self, c: Connector, event: str, trigger: str, info: Payload, context: str) -> Payload:
        c.seq_no += 1
        return {
            "eventType": event,
            "timestamp": utcnow(),
            "triggerReason": trigger,
            "seqNo": c.seq_no,
            "transactionInfo": {"transactionId": str(c.transaction_id), **info},
            "evse": {"id": c.id, "connectorId": 1},
            "meterValue": self.meter_value(c, context),
        }

    async def start_transaction(self, c: Connector, id_tag: str, remote_start_id: int | None) -> bool:
        c.transaction_id = str(uuid.uuid4())
        c.seq_no = -1
        await self.set_status(c, "Occupied")
        info: Payload = {"chargingState": "Charging"}
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        payload = self._event(
            c,
            "Started",
            "RemoteStart" if remote_start_id is not None else "Authorized",
            info,
            "Transaction.Begin",
        )
        payload["idToken"] = self.id_token(id_tag, "Central" if remote_start_id is not None else "ISO14443")
        answer = await self.call("TransactionEvent", payload)
        status = answer.get("idTokenInfo", {}).get("status", "Accepted")
        if status != "Accepted":
            await self.stop_transaction(c, "DeAuthorized")
            c.transaction_id = None
            return False
        return True

    async def transaction_meter(self, c: Connector) -> None:
        await self.call(
            "TransactionEvent",
            self._event(c, "Updated", "MeterValuePeriodic", {"chargingState": "Charging"}, "Sample.Periodic"),
        )

    async def stop_transaction(self, c: Connector, reason: str) -> None:
        trigger = {"Remote": "RemoteStop", "DeAuthorized": "Deauthorized", "ImmediateReset": "ResetCommand"}
        payload = self._event(
            c,
            "Ended",
            trigger.get(reason, "StopAuthorized"),
            {"chargingState": "Idle", "stoppedReason": reason},
            "Transaction.End",
        )
        await self.call("TransactionEvent", payload)
        await self.set_status(c, "Available" if c.available else "Unavailable")

    # ------------------------------------------------------------------ what we answer
    def on_request_start(self, p: Payload) -> tuple[Payload, FollowUp]:
        return self.accept_remote_start(
            p.get("evseId"), str(p["idToken"]["idToken"]), int(p["remoteStartId"])
        )

    def on_request_stop(self, p: Payload) -> tuple[Payload, FollowUp]:
        return self.accept_remote_stop(p.get("transactionId"))

    def on_reset(self, p: Payload) -> tuple[Payload, FollowUp]:
        if p.get("evseId"):
            return {"status": "Rejected"}, None
        busy = any(c.transaction_id is not None for c in self.connectors)
        if p.get("type") == "OnIdle" and busy:
            return {"status": "Scheduled"}, None
        self.reboot()
        return {"status": "Accepted"}, None

    def on_unlock(self, p: Payload) -> tuple[Payload, FollowUp]:
        c = next((c for c in self.connectors if c.id == p.get("evseId")), None)
        if c is None or p.get("connectorId") != 1:
            return {"status": "UnknownConnector"}, None
        if c.transaction_id is not None:
            return {"status": "OngoingAuthorizedTransaction"}, None
        return {"status": "Unlocked"}, None

    def on_set_profile(self, p: Payload) -> tuple[Payload, FollowUp]:
        evse = int(p.get("evseId", 0))
        if evse != 0 and not any(c.id == evse for c in self.connectors):
            return {"status": "Rejected"}, None
        for c in self.connectors:
            if evse in (0, c.id):
                c.profiles += 1
        profile = p["chargingProfile"]
        if profile["chargingProfilePurpose"] == "TxProfile" and not self.tx_profile_fits(evse, profile):
            return {"status": "Rejected"}, None
        self.profile_book.set(evse, profile)
        return {"status": "Accepted"}, None

    def on_clear_profile(self, p: Payload) -> tuple[Payload, FollowUp]:
        criteria = p.get("chargingProfileCriteria") or {}
        evse = criteria.get("evseId")
        cleared = self.profile_book.clear(
            p.get("chargingProfileId"),
            evse,
            criteria.get("chargingProfilePurpose"),
            criteria.get("stackLevel"),
        )
        for c in self.connectors:
            if evse in (None, 0, c.id) and c.profiles:
                c.profiles = 0
                cleared = True
        return {"status": "Accepted" if cleared else "Unknown"}, None

    def on_get_variables(self, p: Payload) -> tuple[Payload, FollowUp]:
        data = p["getVariableData"]
        if len(data) > ITEMS_PER_MESSAGE["GetVariables"]:
            raise CallRefused("OccurrenceConstraintViolation", "more entries than ItemsPerMessage allows")
        results = []
        for item in data:
            comp, var = item["component"], item["variable"]
            key = self.config_key(comp, var)
            result: Payload = {"component": comp, "variable": var}
            if key in self.config:
                result["attributeStatus"] = "Accepted"
                result["attributeValue"] = self.config[key]
            elif self.known_component(comp["name"]):
                result["attributeStatus"] = "UnknownVariable"
            else:
                result["attributeStatus"] = "UnknownComponent"
            results.append(result)
        return {"getVariableResult": results}, None

    def on_set_variables(self, p: Payload) -> tuple[Payload, FollowUp]:
        data = p["setVariableData"]
        if len(data) > ITEMS_PER_MESSAGE["SetVariables"]:
            raise CallRefused("OccurrenceConstraintViolation", "more entries than ItemsPerMessage allows")
        results = []
        for item in data:
            comp, var = item["component"], item["variable"]
            key = self.config_key(comp, var)
            status = "Accepted"
            if key not in self.config:
                status = "UnknownVariable" if self.known_component(comp["name"]) else "UnknownComponent"
            elif self.read_only(comp["name"], var["name"]):
                status = "Rejected"
            elif key == "OCPPCommCtrlr/HeartbeatInterval":
                try:
                    self.heartbeat_interval = float(item["attributeValue"])
                    self.schedule_heartbeat()
                except ValueError:
                    status = "Rejected"
            if status == "Accepted":
                self.config[key] = str(item["attributeValue"])
            results.append({"attributeStatus": status, "component": comp, "variable": var})
        return {"setVariableResult": results}, None

    def on_change_availability(self, p: Payload) -> tuple[Payload, FollowUp]:
        evse = (p.get("evse") or {}).get("id", 0)
        return self.change_availability(evse, p["operationalStatus"] == "Operative")

    def on_trigger(self, p: Payload) -> tuple[Payload, FollowUp]:
        what = p["requestedMessage"]
        evse = (p.get("evse") or {}).get("id")
        targets = [c for c in self.connectors if evse in (None, 0, c.id)]
        follow: FollowUp
        if what == "BootNotification":

            async def follow() -> None:
                payload = self.boot_payload()
                payload["reason"] = "Triggered"
                await self.call("BootNotification", payload)

        elif what == "Heartbeat":

            async def follow() -> None:
                await self.call("Heartbeat", {})

        elif what == "StatusNotification":

            async def follow() -> None:
                for c in targets:
                    await self.status(c)

        elif what == "MeterValues":

            async def follow() -> None:
                for c in targets:
                    await self.call(
                        "MeterValues", {"evseId": c.id, "meterValue": self.meter_value(c, "Trigger")}
                    )

        elif what == "TransactionEvent":

            async def follow() -> None:
                for c in targets:
                    if c.transaction_id is not None:
                        await self.call(
                            "TransactionEvent",
                            self._event(c, "Updated", "Trigger", {"chargingState": "Charging"}, "Trigger"),
                        )

        else:
            return {"status": "NotImplemented"}, None
        return {"status": "Accepted"}, follow

    def on_clear_cache(self, p: Payload) -> tuple[Payload, FollowUp]:
        return {"status": "Accepted"}, None

    def on_data_transfer(self, p: Payload) -> tuple[Payload, FollowUp]:
        return {"status": "UnknownVendorId"}, None

    def on_get_transaction_status(self, p: Payload) -> tuple[Payload, FollowUp]:
        tid = p.get("transactionId")
        if tid is None:  # ongoingIndicator is only given about a named transaction (E14.FR.06)
            return {"messagesInQueue": False}, None
        return {"ongoingIndicator": self.find_transaction(tid) is not None, "messagesInQueue": False}, None

    handlers: ClassVar[dict[str, Handler]] = {
        "RequestStartTransaction": on_request_start,
        "RequestStopTransaction": on_request_stop,
        "Reset": on_reset,
        "UnlockConnector": on_unlock,
        "SetChargingProfile": on_set_profile,
        "ClearChargingProfile": on_clear_profile,
        "GetVariables": on_get_variables,
        "SetVariables": on_set_variables,
        "ChangeAvailability": on_change_availability,
        "TriggerMessage": on_trigger,
        "ClearCache": on_clear_cache,
        "DataTransfer": on_data_transfer,
        "GetTransactionStatus": on_get_transaction_status,
        **OPERATION_HANDLERS,
    }


class ChargerV21(ChargerV201):
    """The 2.0.1 station spoken over the ``ocpp2.1`` subprotocol (the messages simulated here agree)."""

    __slots__ = ()
    subprotocol: ClassVar[str] = "ocpp2.1"
    version: ClassVar[str] = "2.1"
