"""Diagnostics, logs and firmware as commands."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from chargegrid.ocpp.commands.base import Command
from chargegrid.ocpp.requests import next_request_id


class GetDiagnostics(Command):
    """1.6 GetDiagnostics; on 2.x a GetLog of the DiagnosticsLog (what OCPP.Core's GetDiagnostics means)."""

    kind: Literal["GetDiagnostics"] = "GetDiagnostics"
    location: str = Field(min_length=1, max_length=512)
    # 2.x requestId; made when the command is built, so what is stored about it can be matched
    request_id: int = Field(default_factory=next_request_id)


class GetLog(Command):
    """1.6 security extension / 2.x GetLog."""

    kind: Literal["GetLog"] = "GetLog"
    log_type: Literal["DiagnosticsLog", "SecurityLog"] = "DiagnosticsLog"
    location: str = Field(min_length=1, max_length=512)
    request_id: int = Field(default_factory=next_request_id)  # made when the command is built
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
    request_id: int = Field(default_factory=next_request_id)  # made when the command is built


class PublishFirmware(Command):
    """2.x: a local controller publishes a firmware file to the stations behind it."""

    kind: Literal["PublishFirmware"] = "PublishFirmware"
    location: str = Field(min_length=1, max_length=512)
    checksum: str = Field(min_length=1, max_length=32)  # MD5 of the file, as hex
    request_id: int = Field(default_factory=next_request_id)  # made when the command is built
    retries: int | None = Field(default=None, ge=0)
    retry_interval: int | None = Field(default=None, ge=0)


class UnpublishFirmware(Command):
    kind: Literal["UnpublishFirmware"] = "UnpublishFirmware"
    checksum: str = Field(min_length=1, max_length=32)
