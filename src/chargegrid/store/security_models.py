"""Tables of the security topic: certificates issued to chargers, and security events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models import Base, utcnow


class IssuedCertificate(Base):
    """A certificate the CSMS CA signed for a charger (SignCertificate → CertificateSigned)."""

    __tablename__ = "issued_certificates"
    __table_args__ = (
        Index("ix_cert_cp", "charge_point_id"),
        Index("ix_cert_not_after", "not_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[str] = mapped_column(String(48))
    serial: Mapped[str] = mapped_column(String(64), unique=True)  # hex
    subject: Mapped[str] = mapped_column(String(500))
    certificate_type: Mapped[str] = mapped_column(String(40))  # ChargingStationCertificate / V2GCertificate
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SecurityEvent(Base):
    """A security event: reported by a charger (SecurityEventNotification) or seen by the CSMS itself
    (a refused connection, a rejected CSR)."""

    __tablename__ = "security_events"
    __table_args__ = (
        Index("ix_sec_time", "timestamp"),
        Index("ix_sec_cp_time", "charge_point_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[str] = mapped_column(String(48))
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    type: Mapped[str] = mapped_column(String(50))
    tech_info: Mapped[str | None] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(String(10))  # "charger" / "csms"
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(64))
