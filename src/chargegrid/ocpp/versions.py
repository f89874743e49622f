"""The OCPP versions Chargegrid speaks, and what differs between them at the RPC level."""

from __future__ import annotations

import enum


class OcppVersion(enum.StrEnum):
    """Value = the websocket subprotocol name."""

    v16 = "ocpp1.6"
    v201 = "ocpp2.0.1"
    v21 = "ocpp2.1"

    @property
    def is_2x(self) -> bool:
        return self is not OcppVersion.v16

    @property
    def schema_package(self) -> str:
        return {"ocpp1.6": "v16", "ocpp2.0.1": "v201", "ocpp2.1": "v21"}[self.value]


# Newest first: the order in which we pick a subprotocol the charger offered.
PREFERENCE = (OcppVersion.v21, OcppVersion.v201, OcppVersion.v16)


def negotiate(offered: list[str]) -> OcppVersion | None:
    """The newest version both sides speak, or None."""
    wanted = {p.strip().lower() for p in offered}
    for version in PREFERENCE:
        if version.value in wanted:
            return version
    return None


class ErrorKind(enum.Enum):
    """Why a CALL could not be answered, independent of how each version spells it."""

    format = "format"
    occurrence = "occurrence"
    property = "property"
    type = "type"
    not_implemented = "not_implemented"
    not_supported = "not_supported"
    protocol = "protocol"
    security = "security"
    internal = "internal"
    generic = "generic"
    rpc_framework = "rpc_framework"
    message_type_not_supported = "message_type_not_supported"


_COMMON = {
    ErrorKind.property: "PropertyConstraintViolation",
    ErrorKind.type: "TypeConstraintViolation",
    ErrorKind.not_implemented: "NotImplemented",
    ErrorKind.not_supported: "NotSupported",
    ErrorKind.protocol: "ProtocolError",
    ErrorKind.security: "SecurityError",
    ErrorKind.internal: "InternalError",
    ErrorKind.generic: "GenericError",
}

# OCPP-J 1.6 spells two codes its own way and has no RpcFrameworkError / MessageTypeNotSupported.
_V16 = {
    **_COMMON,
    ErrorKind.format: "FormationViolation",
    ErrorKind.occurrence: "OccurenceConstraintViolation",
    ErrorKind.rpc_framework: "FormationViolation",
    ErrorKind.message_type_not_supported: "NotSupported",
}
_V2X = {
    **_COMMON,
    ErrorKind.format: "FormatViolation",
    ErrorKind.occurrence: "OccurrenceConstraintViolation",
    ErrorKind.rpc_framework: "RpcFrameworkError",
    ErrorKind.message_type_not_supported: "MessageTypeNotSupported",
}


def error_code(version: OcppVersion, kind: ErrorKind) -> str:
    return (_V16 if version is OcppVersion.v16 else _V2X)[kind]
