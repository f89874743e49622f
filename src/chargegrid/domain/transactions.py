"""Transactions for every OCPP version: idempotent start and stop, meter readings, who may stop what.

The edge turns 1.6 Start/StopTransaction and 2.x TransactionEvent into the calls here; everything is
written through the caller's unit of work, so the answer is sent only after it is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chargegrid.domain import authorization, plausibility
from chargegrid.domain.authorization import AuthDecision
from chargegrid.domain.meter_values import Reading, Sample, summarise
from chargegrid.events import outbox
from chargegrid.store import Db
from chargegrid.store import charge_points as cp_store
from chargegrid.store import reservations as reservations_store
from chargegrid.store import transactions as tx_store
from chargegrid.store.models import Transaction, TransactionEvent, utcnow

DEFAULT_LIMITS = plausibility.Limits()


def check_plausibility(
    tx: Transaction, limits: plausibility.Limits, reading_time: datetime | None = None
) -> None:
    """Flag the transaction if its meter data is implausible (stored data stays as sent)."""
    stopped = tx.stop_time is not None
    found = plausibility.problems(
        meter_start_kwh=tx.meter_start,
        meter_kwh=tx.meter_stop if stopped else tx.last_meter_kwh,
        start_time=tx.start_time,
        end_time=tx.stop_time if stopped else reading_time,
        stopped=stopped,
        now=utcnow(),
        limits=limits,
        other_times=[reading_time] if reading_time is not None else [],
    )
    if found:
        tx.implausible = plausibility.merge(tx.implausible, found)


# The state of a reservation a transaction started on.
USED = "Used"


@dataclass
class StartResult:
    transaction: Transaction
    auth: AuthDecision
    duplicate: bool


@dataclass
class StopResult:
    transaction: Transaction | None
    auth: AuthDecision | None
    closed_now: bool


async def start(
    db: Db,
    charge_point_id: str,
    connector_id: int,
    tag_id: str,
    meter_start_kwh: float,
    timestamp: datetime,
    *,
    deny_concurrent: bool,
    reservation_id: int | None = None,
    limits: plausibility.Limits = DEFAULT_LIMITS,
) -> StartResult:
    """Record a started transaction; a repeated start (same connector, tag and time) returns the first."""
    existing = await tx_store.find_start(db, charge_point_id, connector_id, tag_id, timestamp)
    if existing is not None:
        auth = await authorization.authorize(db, tag_id, deny_concurrent=False)
        return StartResult(existing, auth, duplicate=True)
    auth = await authorization.authorize(db, tag_id, deny_concurrent=deny_concurrent)
    tx = Transaction(
        charge_point_id=charge_point_id,
        connector_id=connector_id,
        start_tag_id=tag_id,
        start_time=timestamp,
        meter_start=meter_start_kwh,
        last_meter_kwh=meter_start_kwh,
        reservation_id=reservation_id,
    )
    check_plausibility(tx, limits)
    db.add(tx)
    await db.flush()  # assigns the id we answer with
    outbox.transaction_started(db, tx, auth.status.value)
    _refused(db, charge_point_id, tag_id, auth)
    if reservation_id is not None:
        await reservations_store.set_state(db, charge_point_id, reservation_id, USED)
    return StartResult(tx, auth, duplicate=False)


def _refused(db: Db, charge_point_id: str, tag_id: str | None, auth: AuthDecision | None) -> None:
    if auth is not None and tag_id and auth.status != authorization.AuthStatus.accepted:
        outbox.authorization_refused(db, charge_point_id, tag_id, auth.status.value, "transaction")


async def stop(
    db: Db,
    charge_point_id: str,
    transaction_id: int,
    meter_stop_kwh: float | None,
    timestamp: datetime,
    *,
    reason: str | None,
    tag_id: str | None,
    samples: list[Sample] | None = None,
    limits: plausibility.Limits = DEFAULT_LIMITS,
) -> StopResult:
    """Close a transaction of this charger (with its final meter data); unknown ids and other chargers'
    transactions change nothing, and a repeated stop changes nothing either."""
    tx = await tx_store.get(db, transaction_id)
    auth = await authorization.authorize(db, tag_id, deny_concurrent=False) if tag_id else None
    if tx is None or tx.charge_point_id != charge_point_id:
        return StopResult(None, auth, closed_now=False)
    if tag_id and auth is not None and not await authorization.may_stop(db, tx.start_tag_id, tag_id):
        auth = AuthDecision(authorization.AuthStatus.unknown, auth.parent_id, auth.expiry)
    if tx.stop_time is not None:
        return StopResult(tx, auth, closed_now=False)
    close(tx, meter_stop_kwh, timestamp, reason=reason, tag_id=tag_id)
    reading = Reading()
    if samples:
        reading = await record_samples(db, charge_point_id, tx.connector_id, tx, samples)
    check_plausibility(tx, limits, reading.timestamp)
    outbox.transaction_ended(db, tx)
    return StopResult(tx, auth, closed_now=True)


async def meter_values(
    db: Db,
    charge_point_id: str,
    connector_id: int,
    samples: list[Sample],
    transaction_id: int | None = None,
    limits: plausibility.Limits = DEFAULT_LIMITS,
) -> tuple[Transaction | None, Reading]:
    """Store periodic meter values; they count for the transaction only if it is this charger's."""
    tx = await tx_store.get(db, transaction_id) if transaction_id is not None else None
    if tx is not None and tx.charge_point_id != charge_point_id:
        tx = None
    reading = await record_samples(db, charge_point_id, connector_id, tx, samples)
    if tx is not None and reading.timestamp is not None:
        check_plausibility(tx, limits, reading.timestamp)
    return tx, reading


def close(
    tx: Transaction,
    meter_stop_kwh: float | None,
    timestamp: datetime,
    *,
    reason: str | None,
    tag_id: str | None,
) -> None:
    tx.stop_time = timestamp
    tx.meter_stop = meter_stop_kwh if meter_stop_kwh is not None else tx.last_meter_kwh
    tx.stop_reason = reason or "Local"
    tx.stop_tag_id = tag_id


async def record_samples(
    db: Db,
    charge_point_id: str,
    connector_id: int,
    transaction: Transaction | None,
    samples: list[Sample],
    evse_id: int | None = None,
) -> Reading:
    """Store the kept samples and update the connector's (and transaction's) latest reading."""
    if not samples:
        return Reading()
    tx_id = transaction.id if transaction is not None else None
    tx_store.add_meter_values(
        db,
        [
            {
                "charge_point_id": charge_point_id,
                "connector_id": connector_id,
                "transaction_id": tx_id,
                "timestamp": s.timestamp,
                "measurand": s.measurand,
                "phase": s.phase,
                "context": s.context,
                "location": s.location,
                "value": s.value,
                "unit": s.unit,
            }
            for s in samples
        ],
    )
    reading = summarise(samples)
    if reading.timestamp is not None:
        values: dict[str, Any] = {}
        if evse_id is not None:
            values["evse_id"] = evse_id
        for column, value in (
            ("meter_kwh", reading.energy_kwh),
            ("power_kw", reading.power_kw),
            ("soc", reading.soc),
        ):
            if value is not None:
                values[column] = value
        cp_store.upsert_connector(
            db, charge_point_id, connector_id, "meter_value_time", reading.timestamp, values
        )
    if transaction is not None:
        if reading.energy_kwh is not None:
            transaction.last_meter_kwh = reading.energy_kwh
        if reading.power_kw is not None:
            transaction.last_power_kw = reading.power_kw
        if reading.soc is not None:
            transaction.last_soc = reading.soc
    return reading


# ---- 2.x TransactionEvent ---------------------------------------------------------------------


@dataclass
class TxEvent:
    """A TransactionEvent in version-neutral terms."""

    event_type: str  # Started / Updated / Ended
    timestamp: datetime
    seq_no: int
    charger_transaction_id: str
    trigger_reason: str
    evse_id: int | None = None
    connector_id: int | None = None
    tag_id: str | None = None
    stopped_reason: str | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    samples: list[Sample] = field(default_factory=list)


@dataclass
class TxEventResult:
    transaction: Transaction
    auth: AuthDecision | None
    started_now: bool
    ended_now: bool


def _first_energy(samples: list[Sample], contexts: tuple[str | None, ...]) -> float | None:
    for s in samples:
        if s.measurand == "Energy.Active.Import.Register" and s.phase is None and s.context in contexts:
            return s.value
    return None


async def transaction_event(
    db: Db,
    charge_point_id: str,
    event: TxEvent,
    *,
    deny_concurrent: bool,
    answer: Callable[[TxEventResult], dict[str, Any]],
    limits: plausibility.Limits = DEFAULT_LIMITS,
) -> tuple[dict[str, Any], TxEventResult | None]:
    """Apply a TransactionEvent once. A repeat (same transaction and seqNo) gets the first answer again.

    Events may arrive late or out of order (offline queue): an Updated or Ended for a transaction we
    never saw starts it; a late Started never reopens an ended transaction.
    """
    seen = await tx_store.event(db, charge_point_id, event.charger_transaction_id, event.seq_no)
    if seen is not None:
        return dict(seen.response or {}), None
    tx = await tx_store.by_charger_id(db, charge_point_id, event.charger_transaction_id)
    started_now = False
    auth: AuthDecision | None = None
    if event.tag_id:
        auth = await authorization.authorize(db, event.tag_id, deny_concurrent=deny_concurrent and tx is None)
    if tx is None:
        started_now = True
        meter_start = _first_energy(event.samples, ("Transaction.Begin",)) or _first_energy(
            event.samples, (None, "Sample.Periodic", "Sample.Clock", "Trigger")
        )
        tx = Transaction(
            charge_point_id=charge_point_id,
            connector_id=event.connector_id or event.evse_id or 1,
            evse_id=event.evse_id,
            charger_transaction_id=event.charger_transaction_id,
            start_tag_id=event.tag_id,
            start_time=event.timestamp,
            meter_start=meter_start if meter_start is not None else 0.0,
            last_meter_kwh=meter_start,
            remote_start_id=event.remote_start_id,
            reservation_id=event.reservation_id,
        )
        db.add(tx)
        await db.flush()
        outbox.transaction_started(db, tx, auth.status.value if auth is not None else None)
        if event.reservation_id is not None:
            await reservations_store.set_state(db, charge_point_id, event.reservation_id, USED)
    else:
        if event.evse_id is not None and tx.evse_id is None:
            tx.evse_id = event.evse_id
        if event.tag_id and not tx.start_tag_id:
            tx.start_tag_id = event.tag_id  # authorised after the cable was plugged in
        if event.event_type == "Started" and event.timestamp < tx.start_time:
            tx.start_time = event.timestamp
        if event.remote_start_id is not None and tx.remote_start_id is None:
            tx.remote_start_id = event.remote_start_id
    _refused(db, charge_point_id, event.tag_id, auth)
    reading = await record_samples(db, charge_point_id, tx.connector_id, tx, event.samples, event.evse_id)
    ended_now = False
    if event.event_type == "Ended" and tx.stop_time is None:
        if (
            event.tag_id
            and tx.start_tag_id
            and not await authorization.may_stop(db, tx.start_tag_id, event.tag_id)
        ):
            auth = AuthDecision(authorization.AuthStatus.unknown)
        meter_stop = _first_energy(event.samples, ("Transaction.End",))
        close(tx, meter_stop, event.timestamp, reason=event.stopped_reason, tag_id=event.tag_id)
        outbox.transaction_ended(db, tx)
        ended_now = True
    check_plausibility(tx, limits, reading.timestamp or event.timestamp)
    result = TxEventResult(tx, auth, started_now, ended_now)
    response = answer(result)
    db.add(
        TransactionEvent(
            charge_point_id=charge_point_id,
            charger_transaction_id=event.charger_transaction_id,
            seq_no=event.seq_no,
            event_type=event.event_type,
            trigger_reason=event.trigger_reason,
            timestamp=event.timestamp,
            response=response,
        )
    )
    return response, result
