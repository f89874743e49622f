"""How a command ended: the charger's answer (its status), or why there is none.

`OutcomeStatus` holds every status an OCPP 1.6/2.0.1/2.1 answer can carry at its top level (and the
attributeStatus of Get/SetVariables), plus the five ways a command can end without a usable answer.
Every face maps an `Outcome` to its own terms through one table (`api/outcomes.py` for HTTP).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

Payload = dict[str, Any]


class OutcomeStatus(enum.StrEnum):
    # ---- the charger's answers (from the OCA schemas of 1.6, 2.0.1 and 2.1) ----
    Accepted = "Accepted"
    AcceptedCanceled = "AcceptedCanceled"
    ConditionNotSupported = "ConditionNotSupported"
    DownloadOngoing = "DownloadOngoing"
    DuplicateTariffId = "DuplicateTariffId"
    EmptyResultSet = "EmptyResultSet"
    Failed = "Failed"
    Faulted = "Faulted"
    Invalid = "Invalid"
    InvalidCertificate = "InvalidCertificate"
    LanguageNotSupported = "LanguageNotSupported"
    NoChargingProfile = "NoChargingProfile"
    NoCurrencyChange = "NoCurrencyChange"
    NoFirmware = "NoFirmware"
    NoProfile = "NoProfile"
    NoProfiles = "NoProfiles"
    NoTariff = "NoTariff"
    NotFound = "NotFound"
    NotImplemented = "NotImplemented"
    NotSupported = "NotSupported"
    NotSupportedAttributeType = "NotSupportedAttributeType"
    NotSupportedMessageFormat = "NotSupportedMessageFormat"
    NotSupportedPriority = "NotSupportedPriority"
    NotSupportedState = "NotSupportedState"
    Occupied = "Occupied"
    OngoingAuthorizedTransaction = "OngoingAuthorizedTransaction"
    Pending = "Pending"
    Processing = "Processing"
    RebootRequired = "RebootRequired"
    Rejected = "Rejected"
    RevokedCertificate = "RevokedCertificate"
    Scheduled = "Scheduled"
    TooManyElements = "TooManyElements"
    TxNotFound = "TxNotFound"
    Unavailable = "Unavailable"
    Unknown = "Unknown"
    UnknownComponent = "UnknownComponent"
    UnknownConnector = "UnknownConnector"
    UnknownMessageId = "UnknownMessageId"
    UnknownTransaction = "UnknownTransaction"
    UnknownVariable = "UnknownVariable"
    UnknownVendorId = "UnknownVendorId"
    UnlockFailed = "UnlockFailed"
    Unlocked = "Unlocked"
    Unpublished = "Unpublished"
    VersionMismatch = "VersionMismatch"
    # ---- no usable answer ----
    Offline = "Offline"  # not connected (anywhere in the cluster): nothing was sent
    Timeout = "Timeout"  # sent, no answer within the call timeout
    CallError = "CallError"  # the charger answered with a CALLERROR
    InvalidResponse = "InvalidResponse"  # the charger's answer broke the OCPP schema
    Disconnected = "Disconnected"  # the connection closed before the answer: it may or may not be done

    @property
    def answered(self) -> bool:
        """True when the charger gave an answer that fits its schema (whatever its status)."""
        return self not in NO_ANSWER

    @property
    def succeeded(self) -> bool:
        """The charger said it does (or did, or will do) what was asked."""
        return self in SUCCESS


NO_ANSWER = frozenset(
    {
        OutcomeStatus.Offline,
        OutcomeStatus.Timeout,
        OutcomeStatus.CallError,
        OutcomeStatus.InvalidResponse,
        OutcomeStatus.Disconnected,
    }
)
SUCCESS = frozenset({OutcomeStatus.Accepted, OutcomeStatus.Unlocked, OutcomeStatus.Scheduled})


@dataclass(frozen=True)
class Outcome:
    """A command's end. `payload` is the answer in the face's terms (e.g. GetConfiguration's keys for
    both versions); `raw` is the charger's answer exactly as it came (None when there was none)."""

    status: OutcomeStatus
    payload: Payload = field(default_factory=dict)
    raw: Payload | None = None
    error_code: str | None = None  # CallError: the charger's error code
    description: str | None = None  # why there is no answer, in words

    def to_json(self) -> Payload:
        return {
            "status": self.status.value,
            "payload": self.payload,
            "raw": self.raw,
            "errorCode": self.error_code,
            "description": self.description,
        }

    @classmethod
    def from_json(cls, data: Payload) -> Outcome:
        return cls(
            OutcomeStatus(data["status"]),
            dict(data.get("payload") or {}),
            data.get("raw"),
            data.get("errorCode"),
            data.get("description"),
        )
