"""Server-initiated commands in version-neutral terms, each mapped to the charger's own OCPP messages.

The HTTP faces call `Commands.execute(charge_point_id, name, args)`; this module is the one place that
knows RemoteStartTransaction is RequestStartTransaction in 2.x, that a 2.x "connector" is an EVSE, and so
on. Every command answers an `Outcome`: the charger's status plus its raw answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chargegrid.domain.limits import Limit
from chargegrid.ocpp.rpc import Payload
from chargegrid.ocpp.sessions import ChargerSession, SessionRegistry
from chargegrid.ocpp.versions import OcppVersion
from chargegrid.ocpp.wire import format_time

# A stable id per connector, so setting a new limit replaces the old profile instead of stacking.
LIMIT_PROFILE_BASE = 9000
_request_ids = itertools.count(int(datetime.now(UTC).timestamp()) % 1_000_000)


class CommandError(Exception):
    """A command that cannot be sent as asked; the message says why and what to do instead."""


class ChargerOffline(CommandError):
    pass


@dataclass
class Outcome:
    status: str
    payload: Payload = field(default_factory=dict)


def _daily_start() -> str:
    now = datetime.now(UTC)
    return format_time(now.replace(hour=0, minute=0, second=0, microsecond=0))


def _status(answer: Payload) -> Outcome:
    return Outcome(str(answer.get("status", "Accepted")), answer)


def _key(key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """'Component.Variable' (or 'Component.Variable.Instance' / 'Component[evse].Variable') → 2.x parts."""
    component, sep, variable = key.partition(".")
    if not sep or not component or not variable:
        raise CommandError(
            f"OCPP 2.x configuration keys are written Component.Variable (got {key!r}), "
            "e.g. OCPPCommCtrlr.HeartbeatInterval"
        )
    variable_name, _, instance = variable.partition(".")
    var: dict[str, Any] = {"name": variable_name}
    if instance:
        var["instance"] = instance
    return {"name": component}, var


def configuration_key_problems(protocol: str | None, keys: Iterable[str]) -> list[str]:
    """Why each of `keys` cannot name a configuration item of a station speaking `protocol` (the
    subprotocol, e.g. "ocpp2.0.1"; None when the station never connected: any key is accepted then)."""
    if protocol is None or not OcppVersion(protocol).is_2x:
        return []
    problems = []
    for key in keys:
        try:
            _key(key)
        except CommandError as exc:
            problems.append(str(exc))
    return problems


class V16Dialect:
    """OCPP 1.6J messages for each command."""

    async def reset(self, s: ChargerSession, hard: bool = False) -> Outcome:
        return _status(await s.rpc.call("Reset", {"type": "Hard" if hard else "Soft"}))

    async def unlock(self, s: ChargerSession, connector: int) -> Outcome:
        return _status(await s.rpc.call("UnlockConnector", {"connectorId": connector}))

    async def set_limit(self, s: ChargerSession, connector: int, limit: Limit) -> Outcome:
        profile = {
            "chargingProfileId": LIMIT_PROFILE_BASE + connector,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Recurring",
            "recurrencyKind": "Daily",
            "chargingSchedule": {
                "startSchedule": _daily_start(),
                "chargingRateUnit": limit.unit,
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit.value}],
            },
        }
        return _status(
            await s.rpc.call("SetChargingProfile", {"connectorId": connector, "csChargingProfiles": profile})
        )

    async def clear_limit(self, s: ChargerSession, connector: int) -> Outcome:
        return _status(
            await s.rpc.call(
                "ClearChargingProfile",
                {"connectorId": connector, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0},
            )
        )

    async def get_configuration(self, s: ChargerSession, keys: list[str]) -> Outcome:
        answer = await s.rpc.call("GetConfiguration", {"key": keys} if keys else {})
        answer.setdefault("configurationKey", [])
        answer.setdefault("unknownKey", [])
        return Outcome("Accepted", answer)

    async def change_configuration(self, s: ChargerSession, key: str, value: str) -> Outcome:
        return _status(await s.rpc.call("ChangeConfiguration", {"key": key, "value": value}))

    async def remote_start(
        self, s: ChargerSession, connector: int | None, id_tag: str, remote_start_id: int | None = None
    ) -> Outcome:
        payload: Payload = {"idTag": id_tag}
        if connector:
            payload["connectorId"] = connector
        return _status(await s.rpc.call("RemoteStartTransaction", payload))

    async def remote_stop(
        self, s: ChargerSession, transaction_id: int, charger_transaction_id: str | None
    ) -> Outcome:
        return _status(await s.rpc.call("RemoteStopTransaction", {"transactionId": transaction_id}))

    async def trigger_message(self, s: ChargerSession, message: str, connector: int | None = None) -> Outcome:
        payload: Payload = {"requestedMessage": message}
        if connector is not None:
            payload["connectorId"] = connector
        return _status(await s.rpc.call("TriggerMessage", payload))

    async def change_availability(self, s: ChargerSession, connector: int, operative: bool) -> Outcome:
        kind = "Operative" if operative else "Inoperative"
        return _status(await s.rpc.call("ChangeAvailability", {"connectorId": connector, "type": kind}))

    async def clear_cache(self, s: ChargerSession) -> Outcome:
        return _status(await s.rpc.call("ClearCache", {}))

    async def data_transfer(
        self, s: ChargerSession, vendor_id: str, message_id: str | None, data: str | None
    ) -> Outcome:
        payload: Payload = {"vendorId": vendor_id}
        if message_id:
            payload["messageId"] = message_id
        if data is not None:
            payload["data"] = data
        return _status(await s.rpc.call("DataTransfer", payload))

    async def reserve_now(
        self, s: ChargerSession, connector: int, id_tag: str, expiry: datetime, reservation_id: int
    ) -> Outcome:
        return _status(
            await s.rpc.call(
                "ReserveNow",
                {
                    "connectorId": connector,
                    "expiryDate": format_time(expiry),
                    "idTag": id_tag,
                    "reservationId": reservation_id,
                },
            )
        )

    async def cancel_reservation(self, s: ChargerSession, reservation_id: int) -> Outcome:
        return _status(await s.rpc.call("CancelReservation", {"reservationId": reservation_id}))

    async def send_local_list(
        self, s: ChargerSession, list_version: int, update_type: str, entries: list[dict[str, Any]]
    ) -> Outcome:
        items = []
        for e in entries:
            item: Payload = {"idTag": e["idTag"]}
            if e.get("status"):
                item["idTagInfo"] = {"status": e["status"]}
            items.append(item)
        return _status(
            await s.rpc.call(
                "SendLocalList",
                {"listVersion": list_version, "updateType": update_type, "localAuthorizationList": items},
            )
        )

    async def get_local_list_version(self, s: ChargerSession) -> Outcome:
        answer = await s.rpc.call("GetLocalListVersion", {})
        return Outcome("Accepted", {"listVersion": answer["listVersion"]})

    async def get_diagnostics(self, s: ChargerSession, location: str) -> Outcome:
        answer = await s.rpc.call("GetDiagnostics", {"location": location})
        return Outcome("Accepted", answer)

    async def update_firmware(
        self,
        s: ChargerSession,
        location: str,
        retrieve: datetime,
        retries: int | None = None,
        retry_interval: int | None = None,
    ) -> Outcome:
        payload: Payload = {"location": location, "retrieveDate": format_time(retrieve)}
        if retries is not None:
            payload["retries"] = retries
        if retry_interval is not None:
            payload["retryInterval"] = retry_interval
        return Outcome("Accepted", await s.rpc.call("UpdateFirmware", payload))

    async def get_composite_schedule(
        self, s: ChargerSession, connector: int, duration: int, unit: str | None = None
    ) -> Outcome:
        payload: Payload = {"connectorId": connector, "duration": duration}
        if unit:
            payload["chargingRateUnit"] = unit
        return _status(await s.rpc.call("GetCompositeSchedule", payload))


class V2xDialect(V16Dialect):
    """OCPP 2.0.1 / 2.1 messages for each command; a REST "connector" is an EVSE here."""

    async def reset(self, s: ChargerSession, hard: bool = False) -> Outcome:
        return _status(await s.rpc.call("Reset", {"type": "Immediate" if hard else "OnIdle"}))

    async def unlock(self, s: ChargerSession, connector: int) -> Outcome:
        return _status(await s.rpc.call("UnlockConnector", {"evseId": connector, "connectorId": 1}))

    async def set_limit(self, s: ChargerSession, connector: int, limit: Limit) -> Outcome:
        profile = {
            "id": LIMIT_PROFILE_BASE + connector,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Recurring",
            "recurrencyKind": "Daily",
            "chargingSchedule": [
                {
                    "id": 1,
                    "startSchedule": _daily_start(),
                    "chargingRateUnit": limit.unit,
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit.value}],
                }
            ],
        }
        return _status(
            await s.rpc.call("SetChargingProfile", {"evseId": connector, "chargingProfile": profile})
        )

    async def clear_limit(self, s: ChargerSession, connector: int) -> Outcome:
        return _status(
            await s.rpc.call(
                "ClearChargingProfile",
                {
                    "chargingProfileCriteria": {
                        "evseId": connector,
                        "chargingProfilePurpose": "TxDefaultProfile",
                        "stackLevel": 0,
                    }
                },
            )
        )

    async def get_configuration(self, s: ChargerSession, keys: list[str]) -> Outcome:
        if not keys:
            raise CommandError(
                "OCPP 2.x has no 'all keys' read: name a key as Component.Variable "
                "(the full set arrives with GetBaseReport as NotifyReport)"
            )
        data = []
        for key in keys:
            component, variable = _key(key)
            data.append({"component": component, "variable": variable})
        answer = await s.rpc.call("GetVariables", {"getVariableData": data})
        known, unknown = [], []
        for key, result in zip(keys, answer["getVariableResult"], strict=False):
            if result["attributeStatus"] == "Accepted":
                known.append({"key": key, "readonly": False, "value": result.get("attributeValue")})
            else:
                unknown.append(key)
        return Outcome("Accepted", {"configurationKey": known, "unknownKey": unknown, "raw": answer})

    async def change_configuration(self, s: ChargerSession, key: str, value: str) -> Outcome:
        component, variable = _key(key)
        answer = await s.rpc.call(
            "SetVariables",
            {"setVariableData": [{"attributeValue": value, "component": component, "variable": variable}]},
        )
        result = answer["setVariableResult"][0]
        return Outcome(result["attributeStatus"], answer)

    async def remote_start(
        self, s: ChargerSession, connector: int | None, id_tag: str, remote_start_id: int | None = None
    ) -> Outcome:
        payload: Payload = {
            "idToken": {"idToken": id_tag, "type": "Central"},
            "remoteStartId": remote_start_id if remote_start_id is not None else next(_request_ids),
        }
        if connector:
            payload["evseId"] = connector
        return _status(await s.rpc.call("RequestStartTransaction", payload))

    async def remote_stop(
        self, s: ChargerSession, transaction_id: int, charger_transaction_id: str | None
    ) -> Outcome:
        if not charger_transaction_id:
            raise CommandError(f"transaction {transaction_id} has no OCPP 2.x transaction id to stop")
        return _status(await s.rpc.call("RequestStopTransaction", {"transactionId": charger_transaction_id}))

    async def trigger_message(self, s: ChargerSession, message: str, connector: int | None = None) -> Outcome:
        payload: Payload = {"requestedMessage": message}
        if connector:
            payload["evse"] = {"id": connector}
        return _status(await s.rpc.call("TriggerMessage", payload))

    async def change_availability(self, s: ChargerSession, connector: int, operative: bool) -> Outcome:
        payload: Payload = {"operationalStatus": "Operative" if operative else "Inoperative"}
        if connector:
            payload["evse"] = {"id": connector}
        return _status(await s.rpc.call("ChangeAvailability", payload))

    async def reserve_now(
        self, s: ChargerSession, connector: int, id_tag: str, expiry: datetime, reservation_id: int
    ) -> Outcome:
        payload: Payload = {
            "id": reservation_id,
            "expiryDateTime": format_time(expiry),
            "idToken": {"idToken": id_tag, "type": "Central"},
        }
        if connector:
            payload["evseId"] = connector
        return _status(await s.rpc.call("ReserveNow", payload))

    async def send_local_list(
        self, s: ChargerSession, list_version: int, update_type: str, entries: list[dict[str, Any]]
    ) -> Outcome:
        items = []
        for e in entries:
            item: Payload = {"idToken": {"idToken": e["idTag"], "type": "Central"}}
            if e.get("status"):
                item["idTokenInfo"] = {"status": "Unknown" if e["status"] == "Invalid" else e["status"]}
            items.append(item)
        return _status(
            await s.rpc.call(
                "SendLocalList",
                {"versionNumber": list_version, "updateType": update_type, "localAuthorizationList": items},
            )
        )

    async def get_local_list_version(self, s: ChargerSession) -> Outcome:
        answer = await s.rpc.call("GetLocalListVersion", {})
        return Outcome("Accepted", {"listVersion": answer["versionNumber"]})

    async def get_diagnostics(self, s: ChargerSession, location: str) -> Outcome:
        return _status(
            await s.rpc.call(
                "GetLog",
                {
                    "logType": "DiagnosticsLog",
                    "requestId": next(_request_ids),
                    "log": {"remoteLocation": location},
                },
            )
        )

    async def update_firmware(
        self,
        s: ChargerSession,
        location: str,
        retrieve: datetime,
        retries: int | None = None,
        retry_interval: int | None = None,
    ) -> Outcome:
        payload: Payload = {
            "requestId": next(_request_ids),
            "firmware": {"location": location, "retrieveDateTime": format_time(retrieve)},
        }
        if retries is not None:
            payload["retries"] = retries
        if retry_interval is not None:
            payload["retryInterval"] = retry_interval
        return _status(await s.rpc.call("UpdateFirmware", payload))

    async def get_composite_schedule(
        self, s: ChargerSession, connector: int, duration: int, unit: str | None = None
    ) -> Outcome:
        payload: Payload = {"evseId": connector, "duration": duration}
        if unit:
            payload["chargingRateUnit"] = unit
        return _status(await s.rpc.call("GetCompositeSchedule", payload))


_V16, _V2X = V16Dialect(), V2xDialect()
COMMAND_NAMES = frozenset(
    name for name in dir(V16Dialect) if not name.startswith("_") and callable(getattr(V16Dialect, name))
)

Remote = Callable[[str, str, dict[str, Any]], Awaitable[Outcome]]


class Commands:
    """Runs a named command on a charger connected to this node (or, with a cluster, on another node)."""

    def __init__(self, registry: SessionRegistry, remote: Remote | None = None) -> None:
        self.registry = registry
        self.remote = remote

    def dialect(self, session: ChargerSession) -> V16Dialect:
        return _V2X if session.version.is_2x else _V16

    async def execute(self, charge_point_id: str, name: str, args: dict[str, Any]) -> Outcome:
        if name not in COMMAND_NAMES:
            raise CommandError(f"unknown command {name!r}")
        session = self.registry.get(charge_point_id)
        if session is None:
            if self.remote is not None:
                return await self.remote(charge_point_id, name, args)
            raise ChargerOffline(f"charge point {charge_point_id!r} is not connected")
        method: Callable[..., Awaitable[Outcome]] = getattr(self.dialect(session), name)
        return await method(session, **args)
