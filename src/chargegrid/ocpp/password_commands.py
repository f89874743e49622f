"""The charger's HTTP Basic password as each OCPP version sets it: 1.6 ChangeConfiguration
`AuthorizationKey` (Security Whitepaper ed. 2), 2.x SetVariables `SecurityCtrlr.BasicAuthPassword`
(sent through the typed ChangeConfiguration command, which 2.x dialects render as SetVariables)."""

from __future__ import annotations

import secrets
import string

from chargegrid.ocpp.commands import ChangeConfiguration
from chargegrid.ocpp.versions import OcppVersion

PASSWORD_LENGTH = 32  # within OCPP's 16-40 characters
_ALPHABET = string.ascii_letters + string.digits  # safe in every charger's configuration store
ACCEPTED = frozenset({"Accepted", "RebootRequired"})  # the new password is (or will be after a reboot) in use


def generate_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))


def set_password(version: OcppVersion, password: str) -> ChangeConfiguration:
    key = "AuthorizationKey" if version is OcppVersion.v16 else "SecurityCtrlr.BasicAuthPassword"
    return ChangeConfiguration(key=key, value=password)
