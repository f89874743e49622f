"""Reservations and the local authorization list as commands."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chargegrid.ocpp.commands.base import Command


class ReserveNow(Command):
    kind: Literal["ReserveNow"] = "ReserveNow"
    connector: int = Field(ge=0)  # 0 (1.6) / None-EVSE (2.x): any connector
    id_tag: str = Field(min_length=1, max_length=36)
    expiry: datetime
    reservation_id: int = Field(ge=0)
    group_id_tag: str | None = Field(default=None, max_length=36)  # 1.6 parentIdTag, 2.x groupIdToken
    connector_type: str | None = Field(default=None, max_length=20)  # 2.x only


class CancelReservation(Command):
    kind: Literal["CancelReservation"] = "CancelReservation"
    reservation_id: int = Field(ge=0)


class LocalListEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id_tag: str = Field(min_length=1, max_length=36)
    # None removes the tag (Differential update)
    status: Literal["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"] | None = "Accepted"
    expiry: datetime | None = None
    group_id_tag: str | None = Field(default=None, max_length=36)


class SendLocalList(Command):
    kind: Literal["SendLocalList"] = "SendLocalList"
    list_version: int = Field(ge=1)
    update_type: Literal["Full", "Differential"] = "Full"
    entries: tuple[LocalListEntry, ...] = ()


class GetLocalListVersion(Command):
    kind: Literal["GetLocalListVersion"] = "GetLocalListVersion"
