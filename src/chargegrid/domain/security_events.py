"""Security events: which are critical (OCPP 2.0.1 Part 2 Appendix 1 "Security Events", the 1.6 Security
Whitepaper ed. 2 list), and the types the CSMS itself records."""

from __future__ import annotations

# Critical = "Yes" in the specs' table; the charger must push these at once, we alert on them.
CRITICAL = frozenset(
    {
        "FirmwareUpdated",
        "SettingSystemTime",
        "StartupOfTheDevice",
        "ResetOrReboot",
        "SecurityLogWasCleared",
        "MemoryExhaustion",
        "TamperDetectionActivated",
        # 2.1 additions marked critical
        "MaintenanceLoginAccessed",
    }
)

# Seen by the CSMS (origin "csms"): a connection refused for its security profile or credentials,
# a CSR that could not be signed.
SECURITY_PROFILE_MISMATCH = "SecurityProfileMismatch"
INVALID_CHARGING_STATION_CERTIFICATE = "InvalidChargingStationCertificate"
FAILED_TO_AUTHENTICATE = "FailedToAuthenticate"
CSR_REJECTED = "CertificateSigningRequestRejected"


def is_critical(event_type: str) -> bool:
    return event_type in CRITICAL
