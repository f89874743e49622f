"""SQLAlchemy models of the central system's lasting state.

Every time is stored as UTC (naive in the database, aware in Python) so SQLite and PostgreSQL agree.
Energy is stored in kWh and power in kW, whatever unit the charger used on the wire.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        tz = value.tzinfo
        if tz is None:
            return value
        return (value if tz is UTC else value.astimezone(UTC)).replace(tzinfo=None)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, one step from an aware datetime to the stored text instead of SQLAlchemy's two (this
        class's conversion, then SQLite's DATETIME formatting a dict of fields): every row the edge writes
        has one or more times, and the two steps were ~5 % of a loaded node's CPU (py-spy). The text is
        the same; a dialect whose DATETIME stores another format keeps SQLAlchemy's chain (checked here)."""
        standard = super().bind_processor(dialect)
        if dialect.name != "sqlite" or standard is None:
            return standard

        def process(value: Any) -> Any:
            if type(value) is not datetime:
                return standard(value)
            tz = value.tzinfo
            if tz is not None and tz is not UTC:
                value = value.astimezone(UTC)
            return value.isoformat(" ", "microseconds")[:26]  # [:26]: without the "+00:00"

        probes = (datetime(2026, 3, 1, 12, 0, tzinfo=UTC), datetime(999, 1, 2, 3, 4, 5, 6), _PROBE_ZONED)
        return process if all(process(v) == standard(v) for v in probes) else standard

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


_PROBE_ZONED = datetime(2026, 7, 1, 23, 30, 15, 500, tzinfo=timezone(timedelta(hours=-5)))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class ChargePoint(Base):
    __tablename__ = "charge_points"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # A rotated password the charger accepted but has not connected with yet: both are valid until it does.
    password_hash_next: Mapped[str | None] = mapped_column(String(200))
    # OCPP security profile 0-3: the lowest level a connection must meet (see security.profiles).
    security_profile: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A raise the charger accepted (RaiseSecurityProfile) but has not connected at yet: the stored profile
    # becomes this only when it does, so a charger that cannot reach the new level is not locked out.
    security_profile_pending: Mapped[int | None] = mapped_column(Integer)
    registration_status: Mapped[str] = mapped_column(String(16), default="Accepted")
    protocol: Mapped[str | None] = mapped_column(String(16))
    vendor: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(50))
    serial_number: Mapped[str | None] = mapped_column(String(50))
    firmware_version: Mapped[str | None] = mapped_column(String(50))
    iccid: Mapped[str | None] = mapped_column(String(20))
    imsi: Mapped[str | None] = mapped_column(String(20))
    meter_type: Mapped[str | None] = mapped_column(String(50))
    meter_serial_number: Mapped[str | None] = mapped_column(String(50))
    last_boot: Mapped[datetime | None]
    last_heartbeat: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Payments: per charge point overrides of the global prices (None = use the setting).
    price_per_kwh: Mapped[float | None] = mapped_column(Float)
    max_session_kwh: Mapped[float | None] = mapped_column(Float)
    session_fee: Mapped[float | None] = mapped_column(Float)
    # Operator (Motown) API: configured EVSEs/connectors, settings to push and their outcomes.
    configuration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    setting_results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    opening_times: Mapped[list[Any] | None] = mapped_column(JSON)
    reservable: Mapped[bool] = mapped_column(Boolean, default=True)


class ConnectorStatus(Base):
    """Last known state of one connector (connector 0 is the charge point itself)."""

    __tablename__ = "connector_status"

    charge_point_id: Mapped[str] = mapped_column(
        ForeignKey("charge_points.id", ondelete="CASCADE"), primary_key=True
    )
    connector_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evse_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(50))
    info: Mapped[str | None] = mapped_column(String(100))
    vendor_error_code: Mapped[str | None] = mapped_column(String(50))
    status_time: Mapped[datetime | None]
    meter_kwh: Mapped[float | None] = mapped_column(Float)
    power_kw: Mapped[float | None] = mapped_column(Float)
    soc: Mapped[float | None] = mapped_column(Float)
    meter_value_time: Mapped[datetime | None]


class ChargeTag(Base):
    __tablename__ = "charge_tags"

    tag_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    parent_tag_id: Mapped[str | None] = mapped_column(String(50))
    expiry: Mapped[datetime | None]
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)


class Transaction(Base):
    """One charging session, for every OCPP version alike."""

    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("charge_point_id", "charger_transaction_id", name="uq_tx_charger_id"),
        Index("ix_tx_cp_connector_open", "charge_point_id", "connector_id", "stop_time"),
        Index("ix_tx_start_time", "start_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[str] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"))
    connector_id: Mapped[int] = mapped_column(Integer)
    evse_id: Mapped[int | None] = mapped_column(Integer)
    # 2.x: the charger's own transaction id (a string); None for 1.6.
    charger_transaction_id: Mapped[str | None] = mapped_column(String(36))
    start_tag_id: Mapped[str | None] = mapped_column(String(50))
    start_time: Mapped[datetime]
    meter_start: Mapped[float | None] = mapped_column(Float)
    stop_tag_id: Mapped[str | None] = mapped_column(String(50))
    stop_time: Mapped[datetime | None]
    meter_stop: Mapped[float | None] = mapped_column(Float)
    stop_reason: Mapped[str | None] = mapped_column(String(40))
    reservation_id: Mapped[int | None] = mapped_column(Integer)
    remote_start_id: Mapped[int | None] = mapped_column(Integer)
    last_meter_kwh: Mapped[float | None] = mapped_column(Float)
    last_power_kw: Mapped[float | None] = mapped_column(Float)
    last_soc: Mapped[float | None] = mapped_column(Float)
    # Why the meter data is implausible ("; "-joined, see domain.plausibility), None when it is fine.
    implausible: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TransactionEvent(Base):
    """A 2.x TransactionEvent as received, keyed for idempotency by (charger, transaction, seqNo)."""

    __tablename__ = "transaction_events"
    __table_args__ = (
        UniqueConstraint("charge_point_id", "charger_transaction_id", "seq_no", name="uq_tx_event_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[str] = mapped_column(String(48))
    charger_transaction_id: Mapped[str] = mapped_column(String(36))
    seq_no: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(10))
    trigger_reason: Mapped[str | None] = mapped_column(String(40))
    timestamp: Mapped[datetime]
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class MeterValue(Base):
    """One sampled value, normalised (energy kWh, power kW, SoC %)."""

    __tablename__ = "meter_values"
    __table_args__ = (
        Index("ix_mv_tx", "transaction_id"),
        Index("ix_mv_cp_time", "charge_point_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    charge_point_id: Mapped[str] = mapped_column(String(48))
    connector_id: Mapped[int] = mapped_column(Integer)
    transaction_id: Mapped[int | None] = mapped_column(Integer)
    timestamp: Mapped[datetime]
    measurand: Mapped[str] = mapped_column(String(50))
    phase: Mapped[str | None] = mapped_column(String(10))
    context: Mapped[str | None] = mapped_column(String(30))
    location: Mapped[str | None] = mapped_column(String(10))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))


class ChargerEvent(Base):
    """Everything else a charger reports: firmware/diagnostics/log status, security events, NotifyEvent,
    NotifyReport, DataTransfer, reservation updates, charging limits and needs."""

    __tablename__ = "charger_events"
    __table_args__ = (Index("ix_ce_cp_time", "charge_point_id", "timestamp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[str] = mapped_column(String(48))
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class MessageLogEntry(Base):
    """An OCPP frame in or out, for the message log and diagnostics."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_ml_cp_time", "charge_point_id", "timestamp"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    charge_point_id: Mapped[str] = mapped_column(String(48))
    direction: Mapped[str] = mapped_column(String(3))  # "in" / "out"
    message_type: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(50))
    payload: Mapped[str] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(100))


class User(Base):
    """A person who logs into the management UI."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="viewer")  # admin / operator / viewer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The UI's language ("en", "de") and time zone ("Europe/Berlin"); None = the browser's.
    language: Mapped[str | None] = mapped_column(String(10))
    time_zone: Mapped[str | None] = mapped_column(String(64))


# Tables of other topics live in their own modules; importing them here puts them in Base.metadata.
from chargegrid.store import (  # noqa: E402, F401
    command_models,
    device_model_tables,
    integration_models,
    operation_models,
    payment_models,
    security_models,
    smart_charging_models,
)
