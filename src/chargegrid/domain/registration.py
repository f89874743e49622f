"""Registration policy: who may connect, and what a BootNotification is answered."""

from __future__ import annotations

import enum

from chargegrid.config import UnknownChargers


class Admission(enum.Enum):
    refuse = "refuse"
    pending = "Pending"
    accepted = "Accepted"


def admit_unknown(policy: UnknownChargers) -> Admission:
    """What happens to a charger id the database does not know."""
    return {
        UnknownChargers.reject: Admission.refuse,
        UnknownChargers.pending: Admission.pending,
        UnknownChargers.accept: Admission.accepted,
    }[policy]


def boot_status(registration_status: str) -> str:
    """BootNotification status for a stored station: Accepted, Pending or Rejected."""
    return registration_status if registration_status in ("Accepted", "Pending", "Rejected") else "Pending"
