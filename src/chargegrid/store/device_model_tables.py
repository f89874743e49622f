"""Tables of the device model: the inventory of each station's variables, and the parts of the
multi-part reports (NotifyReport, NotifyMonitoringReport, NotifyDisplayMessages,
NotifyCustomerInformation) a station sends after a request, kept as they arrived."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models import Base, utcnow


class DeviceVariable(Base):
    """One variable of a station: a 2.x component/variable (with EVSE, connector and instances) or a 1.6
    configuration key (component ""). `attributes` maps Actual/Target/MinSet/MaxSet to
    {value, mutability, persistent, constant, status}; `characteristics` holds unit, dataType, minLimit,
    maxLimit, valuesList, supportsMonitoring."""

    __tablename__ = "device_variables"
    __table_args__ = (Index("ix_dv_cp_component_variable", "charge_point_id", "component", "variable"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[str] = mapped_column(String(48))
    component: Mapped[str] = mapped_column(String(50))  # "" for a 1.6 configuration key
    component_instance: Mapped[str] = mapped_column(String(50), default="")
    evse_id: Mapped[int | None] = mapped_column(Integer)
    connector_id: Mapped[int | None] = mapped_column(Integer)
    variable: Mapped[str] = mapped_column(String(50))
    variable_instance: Mapped[str] = mapped_column(String(50), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    characteristics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportPart(Base):
    """One part of a station's multi-part report, as received; parts of one (station, kind, requestId)
    make up the report (`tbc` false on the last, `seq_no` orders them where the message has one)."""

    __tablename__ = "report_parts"
    __table_args__ = (Index("ix_rp_cp_kind_request", "charge_point_id", "kind", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[str] = mapped_column(String(48))
    kind: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[int] = mapped_column(Integer)
    seq_no: Mapped[int] = mapped_column(Integer)
    tbc: Mapped[bool] = mapped_column(Boolean, default=False)
    generated_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
