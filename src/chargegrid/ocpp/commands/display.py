"""Display messages (2.x): messages the station shows its users, set, read back and cleared."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chargegrid.ocpp.commands.base import Command
from chargegrid.ocpp.requests import next_request_id

Priority = Literal["AlwaysFront", "InFront", "NormalCycle"]
State = Literal["Charging", "Faulted", "Idle", "Unavailable"]


class MessageContent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1, max_length=512)
    format: Literal["ASCII", "HTML", "URI", "UTF8"] = "UTF8"
    language: str | None = Field(default=None, max_length=8)


class SetDisplayMessage(Command):
    kind: Literal["SetDisplayMessage"] = "SetDisplayMessage"
    message_id: int = Field(ge=0)
    priority: Priority = "NormalCycle"
    state: State | None = None  # shown only while the station is in this state
    start: datetime | None = None
    end: datetime | None = None
    transaction_id: str | None = Field(default=None, max_length=36)  # the charger's transaction id
    message: MessageContent


class GetDisplayMessages(Command):
    """The station answers, then sends the matching messages as NotifyDisplayMessages parts."""

    kind: Literal["GetDisplayMessages"] = "GetDisplayMessages"
    request_id: int = Field(default_factory=next_request_id, ge=0)
    ids: tuple[int, ...] = ()
    priority: Priority | None = None
    state: State | None = None


class ClearDisplayMessage(Command):
    kind: Literal["ClearDisplayMessage"] = "ClearDisplayMessage"
    message_id: int = Field(ge=0)
