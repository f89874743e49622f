"""Any CSMS-initiated OCPP message, as the caller wrote it for the charger's version."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chargegrid.ocpp.commands.base import Command


class RawMessage(Command):
    """`payload` is the OCPP request of `action` in camelCase JSON; it is checked against the schema of
    the charger's version when sent (a mismatch is the caller's 400, naming the field)."""

    kind: Literal["RawMessage"] = "RawMessage"
    action: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict)
