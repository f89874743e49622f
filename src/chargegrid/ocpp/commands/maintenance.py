"""Diagnostics, logs and firmware as commands."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from chargegrid.ocpp.commands.base import Command


class GetDiagnostics(Command):
    """1.6 GetDiagnostics; on 2.x a GetLog of the DiagnosticsLog (what OCPP.Core's GetDiagnostics means)."""

    kind: Literal["GetDiagnostics"] = "GetDiagnostics"
    location: str = Field(min_length=1, max_length=512)
    request_id: int | None = None  # 2.x requestId (generated when None)


class GetLog(Command):
    """1.6 security extension / 2.x GetLog."""

    kind: Literal["GetLog"] = "GetLog"
    log_type: Literal["DiagnosticsLog", "SecurityLog"] = "DiagnosticsLog"
    location: str = Field(min_length=1, max_length=512)
    request_id: int | None = None  # generated when None
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0)
    oldest: datetime | None = None
    latest: datetime | None = None


class UpdateFirmware(Command):
    """1.6 UpdateFirmware (SignedUpdateFirmware when signed), 2.x UpdateFirmware."""

    kind: Literal["UpdateFirmware"] = "UpdateFirmware"
    location: str = Field(min_length=1, max_length=512)
    retrieve: datetime
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0)
    install: datetime | None = None
    signing_certificate: str | None = Field(default=None, max_length=5500)
    signature: str | None = Field(default=None, max_length=800)
    request_id: int | None = None  # generated when None
