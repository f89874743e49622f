"""Queries on charging profiles per charger (installed by us, reported by 2.x stations) and rate units."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select

from chargegrid.domain.charging_profiles import ChargingProfile, Purpose, RateUnit, rate_units_from_text
from chargegrid.store import Db
from chargegrid.store.models import utcnow
from chargegrid.store.smart_charging_models import (
    INSTALLED,
    REPORTED,
    ChargerRateUnits,
    ChargingProfileRecord,
)


async def listed(db: Db, charge_point_id: str, source: str = INSTALLED) -> Sequence[ChargingProfileRecord]:
    query = (
        select(ChargingProfileRecord)
        .where(
            ChargingProfileRecord.charge_point_id == charge_point_id, ChargingProfileRecord.source == source
        )
        .order_by(ChargingProfileRecord.connector, ChargingProfileRecord.profile_id)
    )
    return (await db.scalars(query)).all()


async def restorable(db: Db, charge_point_ids: Sequence[str]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Per charger among the ids, the profiles we installed that outlive a transaction (all but
    TxProfiles) as (connector, profile); chargers with none left out."""
    query = (
        select(ChargingProfileRecord)
        .where(
            ChargingProfileRecord.charge_point_id.in_(charge_point_ids),
            ChargingProfileRecord.source == INSTALLED,
            ChargingProfileRecord.purpose != Purpose.TxProfile.value,
        )
        .order_by(
            ChargingProfileRecord.charge_point_id,
            ChargingProfileRecord.connector,
            ChargingProfileRecord.profile_id,
        )
    )
    kept: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row in await db.scalars(query):
        kept.setdefault(row.charge_point_id, []).append((row.connector, row.profile))
    return kept


async def record_installed(db: Db, charge_point_id: str, connector: int, profile: ChargingProfile) -> None:
    """The charger accepted `profile`: it replaced any profile of the same id, and (OCPP 1.6 §3.13.2,
    2.0.1 K01.FR.05) any of the same purpose and stack level on the same connector; so do we."""
    mine = (
        ChargingProfileRecord.charge_point_id == charge_point_id,
        ChargingProfileRecord.source == INSTALLED,
    )
    await db.execute(
        delete(ChargingProfileRecord).where(*mine, ChargingProfileRecord.profile_id == profile.id)
    )
    await db.execute(
        delete(ChargingProfileRecord).where(
            *mine,
            ChargingProfileRecord.connector == connector,
            ChargingProfileRecord.purpose == profile.charging_profile_purpose.value,
            ChargingProfileRecord.stack_level == profile.stack_level,
        )
    )
    db.add(
        ChargingProfileRecord(
            charge_point_id=charge_point_id,
            source=INSTALLED,
            connector=connector,
            profile_id=profile.id,
            purpose=profile.charging_profile_purpose.value,
            stack_level=profile.stack_level,
            profile=profile.to_json(),
        )
    )


async def forget_installed(
    db: Db,
    charge_point_id: str,
    *,
    profile_id: int | None = None,
    connector: int | None = None,
    purpose: str | None = None,
    stack_level: int | None = None,
) -> int:
    """The charger cleared profiles by id or by criteria (all given criteria must match): forget them."""
    query = delete(ChargingProfileRecord).where(
        ChargingProfileRecord.charge_point_id == charge_point_id, ChargingProfileRecord.source == INSTALLED
    )
    if profile_id is not None:
        query = query.where(ChargingProfileRecord.profile_id == profile_id)
    if connector is not None:
        query = query.where(ChargingProfileRecord.connector == connector)
    if purpose is not None:
        query = query.where(ChargingProfileRecord.purpose == purpose)
    if stack_level is not None:
        query = query.where(ChargingProfileRecord.stack_level == stack_level)
    result = await db.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_transaction_profiles(db: Db, charge_point_id: str, transaction_id: int) -> None:
    """A transaction ended: its TxProfiles ended with it on the charger."""
    rows = await db.scalars(
        select(ChargingProfileRecord).where(
            ChargingProfileRecord.charge_point_id == charge_point_id,
            ChargingProfileRecord.source == INSTALLED,
            ChargingProfileRecord.purpose == "TxProfile",
        )
    )
    ended = [row.id for row in rows if row.profile.get("transactionId") in (transaction_id, None)]
    if ended:  # a statement, not the ORM: another writer may have replaced a row meanwhile
        await db.execute(delete(ChargingProfileRecord).where(ChargingProfileRecord.id.in_(ended)))


async def record_report(db: Db, charge_point_id: str, report: dict[str, Any]) -> None:
    """One ReportChargingProfiles part; a part of a newer request replaces what older requests reported."""
    request_id = report["requestId"]
    old = await db.scalars(
        select(ChargingProfileRecord).where(
            ChargingProfileRecord.charge_point_id == charge_point_id, ChargingProfileRecord.source == REPORTED
        )
    )
    for row in old:
        if row.profile.get("requestId") != request_id:
            await db.delete(row)
    for profile in report["chargingProfile"]:
        db.add(
            ChargingProfileRecord(
                charge_point_id=charge_point_id,
                source=REPORTED,
                connector=report["evseId"],
                profile_id=profile["id"],
                purpose=profile["chargingProfilePurpose"],
                stack_level=profile["stackLevel"],
                profile={"requestId": request_id, "chargingProfile": profile},
                limit_source=report.get("chargingLimitSource"),
            )
        )


async def set_rate_units(db: Db, charge_point_id: str, text: str) -> None:
    row = await db.get(ChargerRateUnits, charge_point_id)
    if row is None:
        db.add(ChargerRateUnits(charge_point_id=charge_point_id, units=text[:10]))
    else:
        row.units, row.updated_at = text[:10], utcnow()


async def rate_units(db: Db, charge_point_id: str) -> frozenset[RateUnit] | None:
    """The units the charger said it accepts; None when it never said."""
    row = await db.get(ChargerRateUnits, charge_point_id)
    return rate_units_from_text(row.units) if row is not None else None
