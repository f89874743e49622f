"""What an operator command handler gets (`Context`) and what the catalog keeps per command (`Spec`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from chargegrid.api.operator import payloads as p
from chargegrid.api.operator.runtime import OPERATOR_ACTOR, Done, OperatorRuntime, Remote
from chargegrid.ocpp.commands import Command
from chargegrid.services import Services
from chargegrid.store.models import ChargePoint


@dataclass
class Context:
    services: Services
    runtime: OperatorRuntime
    cp_id: str
    station: ChargePoint | None
    actor: str = OPERATOR_ACTOR  # who posted the command (Caller.token()), for events and the audit log

    @property
    def protocol(self) -> str | None:
        """The subprotocol the station speaks now, or spoke at its last boot."""
        session = self.services.registry.get(self.cp_id)
        if session is not None:
            return session.version.value
        return self.station.protocol if self.station is not None else None

    def call(self, command: Command) -> Remote:
        async def remote() -> Done:
            return await self.runtime.send(self.cp_id, command, actor=self.actor)

        return remote


Handler = Callable[[Context, Any], Awaitable[Done | Remote]]


@dataclass(frozen=True)
class Spec:
    model: type[p.Payload]
    handler: Handler
    creates_station: bool = False  # Register names a station that may not exist yet (no 404)
    needs_accepted: bool = True  # 409 until the station is accepted
