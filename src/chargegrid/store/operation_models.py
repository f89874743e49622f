"""Tables of what operators ask of chargers and what chargers report back about it: reservations, the
local authorization list per charger, log/firmware requests with their status history, and the root
certificates a charger says it has installed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models import Base, utcnow


class Reservation(Base):
    """A ReserveNow sent to a charger, and what became of it."""

    __tablename__ = "reservations"
    __table_args__ = (Index("ix_reservations_state", "state"),)

    charge_point_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    reservation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector_id: Mapped[int] = mapped_column(Integer)  # 1.6 connector / 2.x EVSE; 0 = any
    id_tag: Mapped[str] = mapped_column(String(50))
    group_id_tag: Mapped[str | None] = mapped_column(String(50))
    connector_type: Mapped[str | None] = mapped_column(String(20))
    expiry: Mapped[datetime]
    # The charger's answer (Accepted, Occupied, Faulted, Rejected, Unavailable), Unconfirmed (no usable
    # answer), then Cancelled, Expired, Removed (2.x ReservationStatusUpdate) or Used (a transaction).
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LocalListState(Base):
    """The local authorization list of one charger, as far as the server knows it."""

    __tablename__ = "local_list_state"

    charge_point_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    sent_version: Mapped[int | None] = mapped_column(Integer)  # the last SendLocalList, whatever its answer
    sent_update_type: Mapped[str | None] = mapped_column(String(12))
    sent_status: Mapped[str | None] = mapped_column(String(20))
    sent_at: Mapped[datetime | None]
    accepted_version: Mapped[int | None] = mapped_column(Integer)
    # tag id → its entry as the charger holds it since the last accepted update (for Differential)
    entries: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reported_version: Mapped[int | None] = mapped_column(Integer)  # GetLocalListVersion's answer
    reported_at: Mapped[datetime | None]


class ChargerRequest(Base):
    """A log upload or firmware request (GetLog, GetDiagnostics, UpdateFirmware, SignedUpdateFirmware,
    PublishFirmware) and the status notifications that followed it; also each 2.x base report asked
    (GetBaseReport: which inventory, whether the station accepted), so its NotifyReport parts can tell
    a full inventory from a partial one."""

    __tablename__ = "charger_requests"
    __table_args__ = (Index("ix_charger_requests_cp_topic", "charge_point_id", "topic", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[str] = mapped_column(String(48))
    topic: Mapped[str] = mapped_column(String(12))  # log / firmware / publish / report
    request_id: Mapped[int | None] = mapped_column(Integer)  # None: 1.6 messages without one
    action: Mapped[str | None] = mapped_column(String(40))  # None: a notification nobody asked for
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answer_status: Mapped[str | None] = mapped_column(String(30))
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str | None] = mapped_column(String(40))  # the latest notification's status
    status_time: Mapped[datetime | None]
    history: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InstalledCertificate(Base):
    """A certificate the charger reported (GetInstalledCertificateIds) or accepted (InstallCertificate)."""

    __tablename__ = "installed_certificates"

    charge_point_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    hash_algorithm: Mapped[str] = mapped_column(String(8), primary_key=True)
    issuer_name_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    issuer_key_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    serial_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    certificate_type: Mapped[str | None] = mapped_column(String(40))
    child_certificates: Mapped[list[Any] | None] = mapped_column(JSON)
    subject: Mapped[str | None] = mapped_column(Text)  # known when we installed it ourselves
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
