"""Wire-format helpers shared by the version handlers: OCPP timestamps and the handler base class."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from chargegrid.domain import data_transfer, operation_reports, stations
from chargegrid.domain.authorization import AuthDecision, AuthStatus
from chargegrid.domain.meter_values import Reading
from chargegrid.events import outbox
from chargegrid.ocpp.context import EdgeContext
from chargegrid.ocpp.rpc import CallError, Payload
from chargegrid.ocpp.sessions import ChargerSession
from chargegrid.ocpp.versions import ErrorKind
from chargegrid.store import Db

T = TypeVar("T")


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

    def _write(self, work: Callable[[Db], Awaitable[T]]) -> Awaitable[T]:
        """Apply `work` in a committed transaction (group-committed with other chargers' writes)."""
        return self.ctx.writer.run(self.cp_id, work)

    # ---- what every version does the same way, once its payload is read ----

    async def _boot(self, info: stations.BootInfo) -> Payload:
        """Store the boot; answer status, time and interval (Pending/Rejected retry within a minute)."""
        known = None if self.session.booted else self.session.registration_status
        self.session.booted = True
        version = self.session.version.value
        status = await self._write(lambda db: stations.boot(db, self.cp_id, version, info, known))
        self.session.registration_status = status
        await self.ctx.hooks.boot(self.cp_id)
        interval = self.ctx.settings.heartbeat_interval
        return {
            "status": status,
            "currentTime": now_text(),
            "interval": interval if status == "Accepted" else min(interval, 60),
        }

    async def heartbeat(self, p: Payload) -> Payload:
        now = datetime.now(UTC)
        self.ctx.last_seen.beat(self.cp_id, now)
        return {"currentTime": format_time(now)}

    async def _status(
        self,
        connector_id: int,
        status: str,
        when: datetime | None,
        error_code: str | None = None,
        **details: Any,
    ) -> None:
        """Store a connector status; show it live unless an older report arrived late."""
        when = when or datetime.now(UTC)
        await self._write(
            lambda db: stations.connector_status(
                db, self.cp_id, connector_id, status, timestamp=when, error_code=error_code, **details
            )
        )
        live = self.session.connector(connector_id)
        if stations.is_newer(live.status_time, when):
            live.status, live.error_code, live.status_time = status, error_code, when

    async def _authorized(self, id_tag: str, decision: AuthDecision) -> None:
        """A refused Authorize is an event others want to hear about (stored before we answer)."""
        if decision.status == AuthStatus.accepted:
            return

        async def work(db: Db) -> None:
            outbox.authorization_refused(db, self.cp_id, id_tag, decision.status.value, "authorize")

        await self._write(work)

    def _show_reading(self, connector_id: int, reading: Reading) -> None:
        """Copy a committed reading into the live connector state (what /API/Status and the UI show)."""
        live = self.session.connector(connector_id)
        if reading.timestamp is None:
            return
        live.meter_time = reading.timestamp
        if reading.energy_kwh is not None:
            live.energy_kwh = reading.energy_kwh
        if reading.power_kw is not None:
            live.power_kw = reading.power_kw
        if reading.soc is not None:
            live.soc = reading.soc

    async def data_transfer(self, p: Payload) -> Payload:
        """Kept as a charger event with our answer, which says whether we understand the vendor and
        message (the `data_transfer.vendors` setting)."""
        status = data_transfer.answer_status(
            self.ctx.settings.data_transfer.vendors, p["vendorId"], p.get("messageId")
        )
        await self._event("DataTransfer", {**p, "answeredStatus": status})
        return {"status": status}

    async def _event(self, kind: str, p: Payload) -> None:
        when = parse_time(p.get("timestamp") or p.get("generatedAt"))
        await self._write(lambda db: stations.event(db, self.cp_id, kind, p, when))


def stored_as(kind: str) -> Route:
    """A handler for reports and notifications the operator reads later: stored, acknowledged with {}."""

    async def handler(self: Handlers, p: Payload) -> Payload:
        await self._event(kind, p)
        return {}

    handler.__name__ = kind
    return handler


def request_status(kind: str) -> Route:
    """A log/firmware status notification: stored as an event and in its request's history."""

    async def handler(self: Handlers, p: Payload) -> Payload:
        when = parse_time(p.get("timestamp"))
        await self._write(lambda db: operation_reports.request_status_reported(db, self.cp_id, kind, p, when))
        return {}

    handler.__name__ = kind
    return handler
