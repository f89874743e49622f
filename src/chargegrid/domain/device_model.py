"""A station's variables as plain data: what NotifyReport, Get/SetVariables results and 1.6
GetConfiguration say about them, turned into updates of the stored inventory (`store/inventory.py`).

OCPP payloads arrive here in their own camelCase; the inventory keys a variable by component (and its
instance, EVSE, connector) and variable (and its instance). A 1.6 configuration key is a variable of
no component.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")


class VariableKey(NamedTuple):
    component: str
    component_instance: str
    evse: int | None
    connector: int | None
    variable: str
    variable_instance: str


@dataclass(frozen=True)
class VariableUpdate:
    """What became known about one variable: attribute type → fields (value, mutability, persistent,
    constant, status), and its characteristics when the report carried them."""

    key: VariableKey
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    characteristics: dict[str, Any] | None = None


def key_of(component: dict[str, Any], variable: dict[str, Any]) -> VariableKey:
    evse = component.get("evse") or {}
    return VariableKey(
        component=component["name"],
        component_instance=component.get("instance") or "",
        evse=evse.get("id"),
        connector=evse.get("connectorId"),
        variable=variable["name"],
        variable_instance=variable.get("instance") or "",
    )


def _present(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def from_report(report_data: list[dict[str, Any]]) -> list[VariableUpdate]:
    """NotifyReport's reportData items."""
    updates = []
    for item in report_data:
        attributes = {
            attr.get("type", "Actual"): _present(
                value=attr.get("value"),
                mutability=attr.get("mutability", "ReadWrite"),
                persistent=attr.get("persistent", False),
                constant=attr.get("constant", False),
            )
            for attr in item.get("variableAttribute", [])
        }
        updates.append(
            VariableUpdate(
                key_of(item["component"], item["variable"]),
                attributes,
                item.get("variableCharacteristics"),
            )
        )
    return updates


def _status(result: dict[str, Any]) -> dict[str, Any]:
    info = result.get("attributeStatusInfo") or {}
    return _present(status=result["attributeStatus"], statusInfo=info.get("reasonCode"))


def from_get_results(results: list[dict[str, Any]]) -> list[VariableUpdate]:
    """GetVariables' getVariableResult items: the value read where the station knew it, the status always."""
    updates = []
    for result in results:
        fields = _status(result)
        if result["attributeStatus"] == "Accepted":
            fields["value"] = result.get("attributeValue")
        kind = result.get("attributeType", "Actual")
        updates.append(VariableUpdate(key_of(result["component"], result["variable"]), {kind: fields}))
    return updates


def from_set_results(
    results: list[dict[str, Any]], values: dict[tuple[VariableKey, str], str]
) -> list[VariableUpdate]:
    """SetVariables' setVariableResult items; `values` are what was sent, by (key, attribute type). An
    Accepted (or RebootRequired) value is stored as the attribute's value."""
    updates = []
    for result in results:
        key = key_of(result["component"], result["variable"])
        kind = result.get("attributeType", "Actual")
        fields = _status(result)
        sent = values.get((key, kind))
        if result["attributeStatus"] in ("Accepted", "RebootRequired") and sent is not None:
            fields["value"] = sent
        updates.append(VariableUpdate(key, {kind: fields}))
    return updates


def from_configuration(configuration_keys: list[dict[str, Any]]) -> list[VariableUpdate]:
    """1.6 GetConfiguration's configurationKey items: key, readonly, value."""
    return [
        VariableUpdate(
            VariableKey("", "", None, None, item["key"], ""),
            {
                "Actual": _present(
                    value=item.get("value"),
                    mutability="ReadOnly" if item.get("readonly") else "ReadWrite",
                )
            },
        )
        for item in configuration_keys
    ]


def merge_attributes(
    stored: dict[str, dict[str, Any]], update: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """`stored` with `update`'s fields laid over it, attribute by attribute (a new dict)."""
    merged = {kind: dict(fields) for kind, fields in stored.items()}
    for kind, fields in update.items():
        merged.setdefault(kind, {}).update(fields)
    return merged
