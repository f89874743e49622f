"""The stored inventory of each station's variables: updated from reports and command results, and
read by `GET /API/Variables`. Writes go through the per-charger writer lane, so one station's
updates are applied in order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from chargegrid.domain.device_model import VariableKey, VariableUpdate, merge_attributes
from chargegrid.store import Db
from chargegrid.store.device_model_tables import DeviceVariable
from chargegrid.store.models import utcnow


def _key(row: DeviceVariable) -> VariableKey:
    return VariableKey(
        row.component,
        row.component_instance,
        row.evse_id,
        row.connector_id,
        row.variable,
        row.variable_instance,
    )


async def apply(db: Db, charge_point_id: str, updates: Sequence[VariableUpdate]) -> int:
    """Insert or update the variables `updates` name; the number of variables touched."""
    if not updates:
        return 0
    components = {u.key.component for u in updates}
    query = select(DeviceVariable).where(
        DeviceVariable.charge_point_id == charge_point_id, DeviceVariable.component.in_(components)
    )
    rows = {_key(row): row for row in (await db.scalars(query)).all()}
    now = utcnow()
    for update in updates:
        row = rows.get(update.key)
        if row is None:
            k = update.key
            row = DeviceVariable(
                charge_point_id=charge_point_id,
                component=k.component,
                component_instance=k.component_instance,
                evse_id=k.evse,
                connector_id=k.connector,
                variable=k.variable,
                variable_instance=k.variable_instance,
                attributes={},
            )
            db.add(row)
            rows[update.key] = row
        row.attributes = merge_attributes(row.attributes or {}, update.attributes)
        if update.characteristics is not None:
            row.characteristics = update.characteristics
        row.updated_at = now
    return len(updates)


async def remove_all_but(db: Db, charge_point_id: str, kept: set[VariableKey]) -> int:
    """Delete the station's stored variables not in `kept`; the number deleted."""
    query = select(DeviceVariable).where(DeviceVariable.charge_point_id == charge_point_id)
    gone = [row for row in (await db.scalars(query)).all() if _key(row) not in kept]
    for row in gone:
        await db.delete(row)
    return len(gone)


async def variables(
    db: Db, charge_point_id: str, component: str | None = None, variable: str | None = None
) -> Sequence[DeviceVariable]:
    query = select(DeviceVariable).where(DeviceVariable.charge_point_id == charge_point_id)
    if component is not None:
        query = query.where(DeviceVariable.component == component)
    if variable is not None:
        query = query.where(DeviceVariable.variable == variable)
    order = (
        DeviceVariable.component,
        DeviceVariable.component_instance,
        DeviceVariable.evse_id,
        DeviceVariable.connector_id,
        DeviceVariable.variable,
        DeviceVariable.variable_instance,
    )
    return (await db.scalars(query.order_by(*order))).all()


async def actual_value(
    db: Db, charge_point_id: str, component: str, variable: str, variable_instance: str = ""
) -> str | None:
    """The Actual value last reported for a station-wide variable (no component instance, no EVSE)."""
    query = select(DeviceVariable.attributes).where(
        DeviceVariable.charge_point_id == charge_point_id,
        DeviceVariable.component == component,
        DeviceVariable.component_instance == "",
        DeviceVariable.evse_id.is_(None),
        DeviceVariable.variable == variable,
        DeviceVariable.variable_instance == variable_instance,
    )
    attributes = (await db.scalars(query.limit(1))).first()
    value = ((attributes or {}).get("Actual") or {}).get("value")
    return value if isinstance(value, str) else None


async def known_connectors(db: Db, charge_point_id: str) -> set[tuple[int, int | None]]:
    """(EVSE, connector) pairs the station's device model names (connector None: the EVSE itself)."""
    query = select(DeviceVariable.evse_id, DeviceVariable.connector_id).where(
        DeviceVariable.charge_point_id == charge_point_id, DeviceVariable.evse_id.is_not(None)
    )
    rows = (await db.execute(query.distinct())).all()
    return {(evse, connector) for evse, connector in rows if evse is not None}
