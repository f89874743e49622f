"""What the charge point page shows first: each connector's live state, the station's last contact,
the running (or last) session's chart, and the recent sessions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chargegrid.services import Services
from chargegrid.store import Db, console, reports
from chargegrid.store import charge_points as cp_store
from chargegrid.store import charging_profiles as profile_store
from chargegrid.store import transactions as tx_store
from chargegrid.store.models import MeterValue, Transaction
from chargegrid.ui.charts import Chart, session_chart
from chargegrid.ui.pages.overview import colour

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"


@dataclass
class ConnectorState:
    id: int
    status: str  # the OCPP value ("Offline" when the station is not connected)
    colour: str
    open_tx: Transaction | None
    power_kw: float | None
    session_kwh: float | None
    soc: float | None
    error_code: str | None
    vendor_error_code: str | None
    info: str | None
    status_time: datetime | None
    active_limit: str | None = None  # "16.0 A": the load manager's allocation or the last accepted profile


@dataclass
class StationState:
    online: bool
    connected_at: datetime | None
    last_seen: datetime | None
    connectors: list[ConnectorState]


async def station_state(services: Services, db: Db, cp_id: str) -> StationState:
    stored = {row.connector_id: row for row in await cp_store.connectors(db, [cp_id]) if row.connector_id}
    session = services.registry.get(cp_id)
    # Held here, or by another node of the cluster (then its stored state is what this node knows).
    online = session is not None or cp_id in await services.connected_elsewhere([cp_id])
    ids = set(stored) | ({n for n in session.connectors if n > 0} if session else set()) or {1}
    limits = await active_limits(services, db, cp_id)
    connectors = []
    for n in sorted(ids):
        live = session.connectors.get(n) if session else None
        row = stored.get(n)
        status = (live.status if live else None) or (row.status if row else None)
        open_tx = await tx_store.open_on_connector(db, cp_id, n)
        energy = live.energy_kwh if live and live.energy_kwh is not None else (row.meter_kwh if row else None)
        session_kwh = None
        if open_tx is not None:
            session_kwh = reports.energy_kwh(open_tx)
            if energy is not None and open_tx.meter_start is not None:
                session_kwh = max(energy - open_tx.meter_start, 0.0)
        error = (live.error_code if live else None) or (row.error_code if row else None)
        connectors.append(
            ConnectorState(
                id=n,
                status=(status or "Unknown") if online else "Offline",
                colour=colour(status, online, open_tx is not None),
                open_tx=open_tx,
                power_kw=(live.power_kw if live else None) if online else None,
                session_kwh=session_kwh,
                soc=(live.soc if live else (row.soc if row else None)) if open_tx is not None else None,
                error_code=error if error != "NoError" else None,
                vendor_error_code=row.vendor_error_code if row else None,
                info=row.info if row else None,
                status_time=(
                    live.status_time if live and live.status_time else (row.status_time if row else None)
                ),
                active_limit=limits.get(n, limits.get(0)),
            )
        )
    seen = (await console.last_seen(db, [cp_id])).get(cp_id)
    return StationState(online, session.connected_at if session else None, seen, connectors)


async def active_limits(services: Services, db: Db, cp_id: str) -> dict[int, str]:
    """Per connector (0: the whole station), the limit the server last had accepted there: the load
    manager's allocation for a running session, else the last charging profile the charger accepted."""
    out: dict[int, str] = {}
    records = sorted(await profile_store.listed(db, cp_id), key=lambda r: r.updated_at)
    for record in records:  # the newest last, so it wins
        schedules = record.profile.get("chargingSchedule") or []
        periods = schedules[0].get("chargingSchedulePeriod") if schedules else None
        if periods:
            unit = schedules[0].get("chargingRateUnit", "A")
            out[record.connector] = f"{float(periods[0]['limit']):.1f} {unit}"
    manager = services.load_manager
    if manager is not None:
        out.update({n: f"{amps:.1f} A" for n, amps in manager.allocation_of(cp_id).items()})
    return out


def chart_of(
    values: Sequence[MeterValue], meter_start: float | None, time_label: Callable[[datetime], str]
) -> Chart:
    """Power as measured, energy as charged since the session began (register minus meter start)."""
    power = [(v.timestamp, v.value) for v in values if v.measurand == POWER and v.phase is None]
    registers = [(v.timestamp, v.value) for v in values if v.measurand == ENERGY and v.phase is None]
    base = meter_start if meter_start is not None else (registers[0][1] if registers else 0.0)
    energy = [(when, max(value - base, 0.0)) for when, value in registers]
    return session_chart(power, energy, time_label)
