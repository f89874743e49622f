"""Live charger sessions: one per charge point id on this node, with the connectors' latest state."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chargegrid.ocpp.batching import LimitRef
from chargegrid.ocpp.rpc import RpcSession
from chargegrid.ocpp.versions import OcppVersion
from chargegrid.store.models import utcnow

log = logging.getLogger("chargegrid.sessions")


@dataclass
class LiveConnector:
    status: str | None = None
    error_code: str | None = None
    status_time: datetime | None = None
    energy_kwh: float | None = None
    power_kw: float | None = None
    soc: float | None = None
    meter_time: datetime | None = None


@dataclass
class ChargerSession:
    charge_point_id: str
    version: OcppVersion
    rpc: RpcSession
    close: Callable[[int, str], Awaitable[None]]
    remote: str = ""
    name: str | None = None
    registration_status: str = "Accepted"
    # False until the first BootNotification: that one answers `registration_status` (read at the
    # handshake) instead of reading it again (in a boot storm, one more statement per charger in the
    # single writer); later boots read the stored status, which an operator may have changed.
    booted: bool = False
    connected_at: datetime = field(default_factory=utcnow)
    connectors: dict[int, LiveConnector] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # The value the station last reported for one of its limits (None: never reported), read from
    # the stored device model; None here: limits are not looked up (a request then goes whole).
    read_limit: Callable[[LimitRef], Awaitable[str | None]] | None = None

    def connector(self, connector_id: int) -> LiveConnector:
        live = self.connectors.get(connector_id)
        if live is None:
            live = self.connectors[connector_id] = LiveConnector()
        return live


class SessionRegistry:
    """Which chargers are connected here. Registering an id that is connected replaces the old session."""

    def __init__(self) -> None:
        self._sessions: dict[str, ChargerSession] = {}
        self.listeners: list[Callable[[str, bool], Awaitable[None]]] = []

    def register(self, session: ChargerSession) -> ChargerSession | None:
        """Make `session` the live one; return the session it replaced, which the caller closes."""
        old = self._sessions.get(session.charge_point_id)
        self._sessions[session.charge_point_id] = session
        return old

    def unregister(self, session: ChargerSession) -> bool:
        """Forget `session` unless a newer connection already replaced it."""
        if self._sessions.get(session.charge_point_id) is session:
            del self._sessions[session.charge_point_id]
            return True
        return False

    def get(self, charge_point_id: str) -> ChargerSession | None:
        return self._sessions.get(charge_point_id)

    def __iter__(self) -> Iterator[ChargerSession]:
        return iter(list(self._sessions.values()))

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, charge_point_id: object) -> bool:
        return charge_point_id in self._sessions
