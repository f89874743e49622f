"""Commands that act on a station now: reset, unlock, remote start/stop, trigger, availability, cache.

`connector` follows the REST faces' convention: a 1.6 connector id, or a 2.x EVSE id. Where 2.x can name
a connector inside an EVSE, `evse_connector` does so (2.x only; a 1.6 charger refuses it as a 400).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from chargegrid.domain.charging_profiles import ChargingProfile, check_placement
from chargegrid.ocpp.commands.base import Command


class Reset(Command):
    kind: Literal["Reset"] = "Reset"
    hard: bool = False  # 1.6 Hard / 2.x Immediate; else 1.6 Soft / 2.x OnIdle
    evse: int | None = Field(default=None, ge=1)  # 2.x only: reset one EVSE


class UnlockConnector(Command):
    kind: Literal["UnlockConnector"] = "UnlockConnector"
    connector: int = Field(ge=1)
    evse_connector: int | None = Field(default=None, ge=1)  # 2.x: the connector on EVSE `connector`


class RemoteStart(Command):
    kind: Literal["RemoteStart"] = "RemoteStart"
    connector: int | None = Field(default=None, ge=1)  # None: the charger picks
    id_tag: str = Field(min_length=1, max_length=36)
    remote_start_id: int | None = None  # 2.x remoteStartId (generated when None)
    group_id_tag: str | None = Field(default=None, max_length=36)  # 2.x groupIdToken
    charging_profile: ChargingProfile | None = None  # a TxProfile for the transaction it starts

    @model_validator(mode="after")
    def _tx_profile(self) -> RemoteStart:
        if self.charging_profile is not None:
            check_placement(self.charging_profile, self.connector or 0, with_remote_start=True)
        return self


class RemoteStop(Command):
    kind: Literal["RemoteStop"] = "RemoteStop"
    transaction_id: int  # ours (1.6 uses it on the wire)
    charger_transaction_id: str | None = None  # the charger's own id (2.x uses it on the wire)


class TriggerMessage(Command):
    kind: Literal["TriggerMessage"] = "TriggerMessage"
    message: str = Field(min_length=1)  # as the charger's version names it
    connector: int | None = Field(default=None, ge=0)
    evse_connector: int | None = Field(default=None, ge=1)  # 2.x: connector within EVSE `connector`


class ChangeAvailability(Command):
    kind: Literal["ChangeAvailability"] = "ChangeAvailability"
    connector: int = Field(ge=0)  # 0: the whole station
    operative: bool
    evse_connector: int | None = Field(default=None, ge=1)  # 2.x: one connector of EVSE `connector`


class ClearCache(Command):
    kind: Literal["ClearCache"] = "ClearCache"


class DataTransfer(Command):
    kind: Literal["DataTransfer"] = "DataTransfer"
    vendor_id: str = Field(min_length=1, max_length=255)
    message_id: str | None = Field(default=None, max_length=50)
    data: str | None = None


class GetTransactionStatus(Command):
    kind: Literal["GetTransactionStatus"] = "GetTransactionStatus"
    charger_transaction_id: str | None = Field(default=None, max_length=36)  # None: any queued messages
