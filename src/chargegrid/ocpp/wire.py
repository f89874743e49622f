"""Wire-format helpers shared by the version handlers: OCPP timestamps and the handler base class."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from chargegrid.ocpp.context import EdgeContext
from chargegrid.ocpp.rpc import CallError, Payload
from chargegrid.ocpp.sessions import ChargerSession
from chargegrid.ocpp.versions import ErrorKind


def parse_time(value: str | None, field: str = "timestamp") -> datetime | None:
    """An OCPP date-time as an aware UTC datetime; a value without zone is taken as UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CallError(ErrorKind.format, f"{field} {value!r} is not an ISO 8601 date-time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_text() -> str:
    return format_time(datetime.now(UTC))


Route = Callable[[Any, Payload], Awaitable[Payload]]


class Handlers:
    """Per-version handlers of charger-initiated CALLs. Subclasses fill ROUTES: action → method."""

    ROUTES: ClassVar[dict[str, Route]] = {}
    __slots__ = ("ctx", "session")

    def __init__(self, ctx: EdgeContext, session: ChargerSession) -> None:
        self.ctx = ctx
        self.session = session

    async def handle(self, action: str, payload: Payload) -> Payload:
        route = self.ROUTES.get(action)
        if route is None:
            raise CallError(ErrorKind.not_supported, f"{action} is not something a charger sends to the CSMS")
        return await route(self, payload)

    @property
    def cp_id(self) -> str:
        return self.session.charge_point_id
