"""OCPP's words for states and reasons, as the words people use (the OCPP value goes in a tooltip).

The texts are English source strings of the gettext catalogues; `N_` marks them for extraction and
the page translates them when it shows them.
"""

from __future__ import annotations


def N_(text: str) -> str:
    """Mark a text for the catalogue without translating it here."""
    return text


_STATUS = {
    "Available": N_("Available"),
    "Preparing": N_("Plugged in, waiting"),
    "Charging": N_("Charging"),
    "SuspendedEV": N_("Paused by the car"),
    "SuspendedEVSE": N_("Paused by the charger"),
    "Finishing": N_("Finishing"),
    "Reserved": N_("Reserved"),
    "Unavailable": N_("Out of service"),
    "Faulted": N_("Fault"),
    "Occupied": N_("Car connected"),
    "Offline": N_("Offline"),
    "Unknown": N_("Unknown"),
}

# What each tile colour means, for the counts at the top of the overview.
COLOURS = {
    "available": N_("available"),
    "charging": N_("charging"),
    "occupied": N_("occupied"),
    "fault": N_("faulted"),
    "offline": N_("offline"),
    "unknown": N_("unknown"),
}


def status(value: str | None) -> str:
    """People's words for an OCPP connector status (unknown values are shown as they came)."""
    if value is None:
        return _STATUS["Unknown"]
    return _STATUS.get(value, value)


ROLES = {"admin": N_("admin"), "operator": N_("operator"), "viewer": N_("viewer")}
