"""Telling a 2.x station what a running transaction costs so far (CostUpdated)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chargegrid.ocpp.commands.base import Command


class CostUpdated(Command):
    kind: Literal["CostUpdated"] = "CostUpdated"
    total_cost: float = Field(ge=0)  # in the station's currency, including taxes
    charger_transaction_id: str = Field(min_length=1, max_length=36)  # the station's transaction id
