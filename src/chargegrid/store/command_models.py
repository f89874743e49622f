"""The operator API's command records: every posted command, its payload and the station's answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models import Base, utcnow


class CommandRecord(Base):
    """One operator command: Pending until the station answered (or timed out / was offline)."""

    __tablename__ = "command_records"
    __table_args__ = (Index("ix_cmd_cp_created", "charge_point_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # No foreign key: a record outlives a deleted station and Register may name a new one.
    charge_point_id: Mapped[str] = mapped_column(String(48))
    name: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(30), default="Pending")
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
