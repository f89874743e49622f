"""Smart charging's lasting state: profiles per charger (installed by us, reported by 2.x stations), the
rate units each charger accepts, and sites (chargers behind one grid connection) for load management."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models import Base, utcnow

INSTALLED = "installed"  # sent by the server and accepted by the charger
REPORTED = "reported"  # what a 2.x station said it holds (ReportChargingProfiles)


class ChargingProfileRecord(Base):
    __tablename__ = "charging_profiles"
    __table_args__ = (Index("ix_profiles_cp_source", "charge_point_id", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[str] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(10))
    connector: Mapped[int] = mapped_column(Integer)  # 1.6 connector / 2.x EVSE; 0: the station
    profile_id: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(40))
    stack_level: Mapped[int] = mapped_column(Integer)
    # installed: the version-neutral profile JSON; reported: the station's 2.x chargingProfile as sent.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Reported profiles: the chargingLimitSource the station named (CSO, EMS, SO, ...).
    limit_source: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChargerRateUnits(Base):
    """The schedule units a charger accepts, as it said in its configuration (1.6
    ChargingScheduleAllowedChargingRateUnit, 2.x SmartChargingCtrlr.RateUnit), e.g. "A,W"."""

    __tablename__ = "charger_rate_units"

    charge_point_id: Mapped[str] = mapped_column(
        ForeignKey("charge_points.id", ondelete="CASCADE"), primary_key=True
    )
    units: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Site(Base):
    """A set of chargers behind one grid connection; `definition` is the site's JSON (limit, phases,
    voltage, members with their maximum and priority, time-of-day limits) as the API gave it."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
