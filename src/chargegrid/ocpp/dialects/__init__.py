"""Dialects: how each OCPP generation says each typed command (1.6 in `v16`, 2.0.1/2.1 in `v2x`).

Each dialect is complete on its own and inherits nothing from the other: an operation a version lacks is
listed in that dialect's `unsupported` table with the reason, so a command can never silently go out in
the other version's shape. `dialect_for(version)` picks one.
"""

from __future__ import annotations

from collections.abc import Iterable

from chargegrid.ocpp.dialects.table import Dialect, Rendered
from chargegrid.ocpp.dialects.v2x import V2X, configuration_key_problems_2x
from chargegrid.ocpp.dialects.v16 import V16
from chargegrid.ocpp.versions import OcppVersion

__all__ = ["Dialect", "Rendered", "configuration_key_problems", "dialect_for"]


def dialect_for(version: OcppVersion) -> Dialect:
    return V2X if version.is_2x else V16


def configuration_key_problems(protocol: str | None, keys: Iterable[str]) -> list[str]:
    """Why each of `keys` cannot name a configuration item of a station speaking `protocol` (the
    subprotocol, e.g. "ocpp2.0.1"; None when the station never connected: any key is accepted then)."""
    if protocol is None or not OcppVersion(protocol).is_2x:
        return []
    return configuration_key_problems_2x(keys)
