"""Registration policy: who may connect, and what a BootNotification is answered."""

from __future__ import annotations

import enum
import re

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


# OCPP 2.0.1 identityString: printable ASCII without ':'; no '/' either, as the id is one URL path segment
# (/OCPP/<id>). Every place that creates or accepts a charge point id uses this one rule.
CHARGE_POINT_ID_PATTERN = r"^[\x21-\x2e\x30-\x39\x3b-\x7e]{1,48}$"
CHARGE_POINT_ID_RULE = "1-48 printable ASCII characters without spaces, ':' or '/'"
_CHARGE_POINT_ID = re.compile(CHARGE_POINT_ID_PATTERN)


def is_valid_charge_point_id(charge_point_id: str) -> bool:
    return _CHARGE_POINT_ID.match(charge_point_id) is not None
