"""OCPP security profiles (1.6 Security Whitepaper ed. 2, 2.0.1 Part 2 A00-A05) as one pure decision.

A charger's stored profile is the floor it must meet on every connection; meeting a higher level is fine,
anything lower is refused (A05.FR.09: once raised, never accepted below). The edge collects what the
connection presented and asks `decide`; it checks the password only when `needs_password` says so, so
argon2 work is never spent on a connection the transport already disqualifies.

| profile | transport | charger credentials                                         |
|---------|-----------|-------------------------------------------------------------|
| 0       | ws or wss | none (anyone who knows the id can take the charger's place)  |
| 1       | ws or wss | HTTP Basic password                                          |
| 2       | wss       | HTTP Basic password                                          |
| 3       | wss       | client certificate, subject CN = charge point id, our CA     |
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

PROFILES = (0, 1, 2, 3)
NO_CREDENTIALS_WARNING = (
    "security profile 0: this charger connects without credentials; anyone who knows its id can connect "
    "in its place"
)


class Basic(enum.Enum):
    """What the HTTP Basic check of a connection found."""

    absent = "absent"  # no Authorization header (or not Basic)
    valid = "valid"
    invalid = "invalid"
    unchecked = "unchecked"  # not looked at (yet)


@dataclass(frozen=True)
class Presented:
    """What one connection attempt brought along."""

    tls: bool
    # Subject CN of a client certificate that chains to a trusted CA and is in its validity period,
    # or None when there is none (or it did not verify).
    certificate_cn: str | None
    certificate_problem: str | None = None  # why a presented certificate was not accepted
    basic: Basic = Basic.unchecked


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    status: int = 200  # HTTP status of the refusal
    reason: str = ""  # told to the charger and recorded in the security event
    event_type: str = ""  # the security event recorded for a refusal

    @classmethod
    def ok(cls) -> Verdict:
        return cls(True)


def needs_password(profile: int) -> bool:
    return profile in (1, 2)


def uses_certificate(profile: int) -> bool:
    return profile == 3


def _refuse(status: int, event_type: str, reason: str) -> Verdict:
    return Verdict(False, status, reason, event_type)


def decide(
    charge_point_id: str, profile: int, presented: Presented, *, allow_no_credentials: bool = True
) -> Verdict:
    """May this connection act as `charge_point_id`, whose stored security profile is `profile`?

    With `presented.basic` unchecked the verdict covers everything but the password: the edge then checks
    the password (if `needs_password(profile)`) and asks again.
    """
    if profile not in PROFILES:
        return _refuse(403, "SecurityProfileMismatch", f"stored security profile {profile} is not 0-3")
    if profile == 0:
        if not allow_no_credentials:
            return _refuse(
                403,
                "SecurityProfileMismatch",
                "chargers without credentials (security profile 0) are not admitted here; "
                "an operator must give it a password or a certificate",
            )
        return Verdict.ok()
    if profile >= 2 and not presented.tls:
        return _refuse(
            403,
            "SecurityProfileMismatch",
            f"security profile {profile} requires TLS: connect with wss://",
        )
    if profile == 3:
        if presented.certificate_cn is None:
            detail = presented.certificate_problem or "no client certificate was presented"
            return _refuse(
                403,
                "InvalidChargingStationCertificate",
                f"security profile 3 requires a client certificate: {detail}",
            )
        if presented.certificate_cn != charge_point_id:
            return _refuse(
                403,
                "InvalidChargingStationCertificate",
                f"client certificate is for {presented.certificate_cn!r}, not {charge_point_id!r}",
            )
        return Verdict.ok()
    # Profiles 1 and 2: the password.
    if presented.basic is Basic.unchecked or presented.basic is Basic.valid:
        return Verdict.ok()
    if presented.basic is Basic.absent:
        return _refuse(401, "FailedToAuthenticate", f"missing HTTP Basic credentials for {charge_point_id!r}")
    return _refuse(401, "FailedToAuthenticate", f"wrong HTTP Basic credentials for {charge_point_id!r}")


def effective(stored: int, has_password: bool) -> int:
    """The profile a connection must meet: a password set on a profile-0 charger (e.g. written before
    profiles existed) is never ignored."""
    return 1 if stored == 0 and has_password else stored


def change_problem(
    current: int,
    new: int,
    has_password: bool,
    *,
    allow_downgrade: bool = False,
    how_to_downgrade: str = "pass downgrade=true if that is really meant",
) -> str | None:
    """Why an operator may not set `new` (None when they may): profiles 1 and 2 need a password, and a
    profile is lowered only on explicit request (A05.FR.09: a raised charger is never accepted below)."""
    if new not in PROFILES:
        return f"securityProfile must be 0, 1, 2 or 3, not {new}"
    if needs_password(new) and not has_password:
        return f"securityProfile {new} needs a password (HTTP Basic): set `password` too"
    if new == 0 and has_password:
        return "securityProfile 0 means no credentials: remove the password (`password: null`) or choose 1-3"
    if new < current and not allow_downgrade:
        return (
            f"lowering securityProfile from {current} to {new} would accept the charger below the level it "
            f"was raised to; {how_to_downgrade}"
        )
    return None


def warning(profile: int, allow_no_credentials: bool) -> str | None:
    """What the API and UI say plainly about a charger without credentials."""
    if profile != 0:
        return None
    if not allow_no_credentials:
        return (
            "security profile 0 (no credentials): this node refuses such chargers "
            "(CHARGEGRID_SECURITY__ALLOW_NO_CREDENTIALS=false)"
        )
    return NO_CREDENTIALS_WARNING
