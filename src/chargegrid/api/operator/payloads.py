"""The payload of each operator command, validated by pydantic (camelCase on the wire, strict types).

A field of the wrong type is a 400 whose message names the field (`connectors.0.maxAmp: ...`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

SettingValue = StrictStr | StrictInt | StrictFloat | StrictBool
Count = Annotated[StrictInt, Field(ge=0)]
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Payload(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class ConnectorConfig(Payload):
    max_amp: Count | None = None
    phase: Count | None = None
    voltage: Count | None = None
    charging_protocol: StrictStr | None = None
    current: StrictStr | None = None
    connector_type: StrictStr | None = None


class EvseConfig(Payload):
    evse_id: Annotated[StrictInt, Field(ge=1)]
    connectors: list[ConnectorConfig] = []


class StationConfiguration(Payload):
    evses: list[EvseConfig] | None = None
    settings: dict[str, SettingValue] = {}


SecurityProfile = Annotated[StrictInt, Field(ge=0, le=3)]


class Register(Payload):
    configuration: StationConfiguration = StationConfiguration()
    # OCPP security profile the station must meet (0-3); raising only (see security.profiles).
    security_profile: SecurityProfile | None = None


class ConfigureConnector(Payload):
    connector_id: Count
    connector_type: StrictStr | None = None
    max_amp: Count | None = None


class Configure(Payload):
    connectors: list[ConfigureConnector] = []
    settings: dict[str, SettingValue] = {}
    security_profile: SecurityProfile | None = None


class StopTransaction(Payload):
    transaction_id: StrictStr | StrictInt


class UnlockConnector(Payload):
    connector_id: Count


class Empty(Payload):
    pass


class IdentifyingToken(Payload):
    token: Annotated[StrictStr, Field(min_length=1, max_length=20)]
    status: StrictStr | None = None


class RequestStartTransaction(Payload):
    evse_id: Count
    identifying_token: IdentifyingToken


class RequestStopTransaction(Payload):
    id: StrictInt | StrictStr


class RequestUnlockEvse(Payload):
    evse_id: Count


def _one_of(value: str, allowed: tuple[str, ...], field: str) -> str:
    for option in allowed:
        if value.lower() == option.lower():
            return option
    raise ValueError(f"{field} must be one of {', '.join(allowed)} (got {value!r})")


class RequestResetChargingStation(Payload):
    type: StrictStr

    @field_validator("type")
    @classmethod
    def _kind(cls, value: str) -> str:
        return _one_of(value, ("hard", "soft"), "type")


class RequestChangeAvailability(Payload):
    evse_id: Count
    availability: StrictStr

    @field_validator("availability")
    @classmethod
    def _availability(cls, value: str) -> str:
        return _one_of(value, ("operative", "inoperative"), "availability")


class RequestChangeConfigurationItem(Payload):
    key: Annotated[StrictStr, Field(min_length=1)]
    value: SettingValue


class RequestConfigurationItems(Payload):
    keys: list[StrictStr] = []


class RequestDataTransfer(Payload):
    vendor_id: Annotated[StrictStr, Field(min_length=1)]
    message_id: StrictStr | None = None
    data: StrictStr | None = None


class RequestDiagnostics(Payload):
    target_location: Annotated[StrictStr, Field(min_length=1)]


class RequestFirmwareUpdate(Payload):
    location: Annotated[StrictStr, Field(min_length=1)]
    retrieve_date: datetime
    num_retries: Count | None = None
    retry_interval: Count | None = None


class AuthorizationItem(Payload):
    token: Annotated[StrictStr, Field(min_length=1, max_length=20)]
    status: StrictStr | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _one_of(value, ("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"), "status")


class RequestSendAuthorizationList(Payload):
    items: list[AuthorizationItem]
    list_version: StrictInt
    update_type: StrictStr

    @field_validator("update_type")
    @classmethod
    def _update_type(cls, value: str) -> str:
        return _one_of(value, ("Full", "Differential"), "updateType")


class RequestReserveNow(Payload):
    evse_id: Count
    identifying_token: IdentifyingToken
    expiry_date: datetime


class RequestCancelReservation(Payload):
    reservation_id: StrictInt


class UpdateChargingStationReservable(Payload):
    reservable: StrictBool


class Coordinates(Payload):
    latitude: StrictFloat | StrictInt
    longitude: StrictFloat | StrictInt


class Address(Payload):
    address_line1: StrictStr | None = None
    address_line2: StrictStr | None = None
    postal_code: StrictStr | None = None
    city: StrictStr | None = None
    region: StrictStr | None = None
    country: StrictStr | None = None


class Location(Payload):
    coordinates: Coordinates | None = None
    address: Address | None = None
    accessibility: StrictStr | None = None


class OpeningTime(Payload):
    day: StrictStr | StrictInt
    time_start: StrictStr
    time_stop: StrictStr

    @field_validator("day")
    @classmethod
    def _day(cls, value: str | int) -> str:
        if isinstance(value, int):
            if not 1 <= value <= 7:
                raise ValueError(f"day must be 1 (Monday) to 7 (Sunday) or a day name (got {value})")
            return DAYS[value - 1]
        return _one_of(value, DAYS, "day")

    @field_validator("time_start", "time_stop")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError(f"times are written HH:MM, 00:00 to 23:59 (got {value!r})")
        return value

    @model_validator(mode="after")
    def _stop_after_start(self) -> OpeningTime:
        if self.time_stop <= self.time_start:
            raise ValueError(f"timeStop {self.time_stop} must be after timeStart {self.time_start}")
        return self


class OpeningTimes(Payload):
    opening_times: list[OpeningTime]
