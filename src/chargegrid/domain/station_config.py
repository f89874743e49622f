"""Station configuration rules of the operator API: Register, Configure and the settings push.

Plain Python over the JSON stored on a charge point:
- `configuration` = {"evses": [{"evseId": 1, "connectors": [{"maxAmp": 32, "connectorType": "Type2", ...}]}]}
- `settings` = {key: value} as the operator wants them on the station (values are OCPP strings)
- `setting_results` = {key: {"value", "status", "time", "message"?}}: what happened to each key's last push.

A key needs a push while its result is missing, still Pending, or was for another value (the operator
changed it since), so a Configure during a push never marks the new value as delivered.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime
from typing import Any

PENDING = "Pending"
ACCEPTED = "Accepted"
REJECTED = "Rejected"
REBOOT_REQUIRED = "RebootRequired"
NOT_SUPPORTED = "NotSupported"
SETTING_OUTCOMES = (ACCEPTED, REJECTED, REBOOT_REQUIRED, NOT_SUPPORTED)

# 2.x SetVariables statuses that mean "this station has no such setting".
_NOT_SUPPORTED_2X = ("UnknownComponent", "UnknownVariable", "NotSupportedAttributeType", "NotSupported")

CONNECTOR_FIELDS = ("maxAmp", "phase", "voltage", "chargingProtocol", "current", "connectorType")


def setting_value(value: str | int | float | bool) -> str:
    """An operator's setting value as OCPP carries it: a string ('true'/'false' for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def register_configuration(
    configuration: dict[str, Any] | None, evses: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """Register replaces the configured EVSEs when it names some, and keeps them when it does not."""
    result = deepcopy(configuration) if configuration else {"evses": []}
    if evses is not None:
        result["evses"] = sorted(deepcopy(evses), key=lambda evse: evse["evseId"])
    return result


def configure_connectors(
    configuration: dict[str, Any] | None, connectors: list[dict[str, Any]]
) -> dict[str, Any]:
    """Configure: connector N is EVSE N (the REST APIs' "connector"); its first connector gets the values.

    Connector 0 means "all connectors" and is refused by the caller before this point.
    """
    result = register_configuration(configuration, None)
    evses: list[dict[str, Any]] = result.setdefault("evses", [])
    for given in connectors:
        connector_id = given["connectorId"]
        if connector_id < 1:
            raise ValueError(f"connectorId {connector_id} cannot be configured: use 1 or more")
        values = {k: v for k, v in given.items() if k in CONNECTOR_FIELDS and v is not None}
        evse = next((e for e in evses if e.get("evseId") == connector_id), None)
        if evse is None:
            evses.append({"evseId": connector_id, "connectors": [values]})
            continue
        existing = evse.setdefault("connectors", [])
        if existing:
            existing[0].update(values)
        else:
            existing.append(values)
    evses.sort(key=lambda evse: evse["evseId"])
    return result


def connector_ids(configuration: dict[str, Any] | None) -> list[int]:
    """The connectors (EVSEs) the configuration names, in order."""
    if not configuration:
        return []
    return sorted({int(evse["evseId"]) for evse in configuration.get("evses", []) if evse.get("evseId")})


def add_settings(
    settings: dict[str, Any] | None,
    results: dict[str, Any] | None,
    new: dict[str, str],
    when: datetime,
) -> tuple[dict[str, str], dict[str, Any]]:
    """Merge `new` into the wanted settings; each given key waits (Pending) for its push."""
    merged = dict(settings or {})
    outcomes = deepcopy(results or {})
    for key, value in new.items():
        merged[key] = value
        outcomes[key] = {"value": value, "status": PENDING, "time": when.isoformat()}
    return merged, outcomes


def settings_to_push(settings: dict[str, Any] | None, results: dict[str, Any] | None) -> dict[str, str]:
    """The keys the station does not have yet (never pushed, still pending, or changed since)."""
    outcomes = results or {}
    due = {}
    for key, value in (settings or {}).items():
        result = outcomes.get(key)
        if result is None or result.get("status") == PENDING or result.get("value") != value:
            due[key] = value
    return due


def setting_outcome(station_status: str) -> str:
    """A station's answer to one setting (1.6 ChangeConfiguration or 2.x SetVariables) in our four terms."""
    if station_status in SETTING_OUTCOMES:
        return station_status
    if station_status in _NOT_SUPPORTED_2X:
        return NOT_SUPPORTED
    return REJECTED


def record_setting_result(
    settings: dict[str, Any] | None,
    results: dict[str, Any] | None,
    key: str,
    pushed_value: str,
    outcome: str,
    when: datetime,
    message: str | None = None,
) -> dict[str, Any] | None:
    """The new results after a push; None when the operator changed the value meanwhile (result is stale)."""
    if (settings or {}).get(key) != pushed_value:
        return None
    outcomes = deepcopy(results or {})
    entry: dict[str, Any] = {"value": pushed_value, "status": outcome, "time": when.isoformat()}
    if message:
        entry["message"] = message
    outcomes[key] = entry
    return outcomes
