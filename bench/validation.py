"""Per-message cost of schema validation: the `ocpp` package's jsonschema path vs. ours (fastjsonschema).

Run: python bench/validation.py [--n 20000]. Prints µs per message for a few typical payloads.
"""

from __future__ import annotations

import argparse
import time

from ocpp.messages import Call, _validate_payload

from chargegrid.ocpp import schemas
from chargegrid.ocpp.versions import OcppVersion

PAYLOADS = {
    ("1.6", "Heartbeat"): {},
    ("1.6", "StatusNotification"): {"connectorId": 1, "errorCode": "NoError", "status": "Charging"},
    ("1.6", "MeterValues"): {
        "connectorId": 1,
        "transactionId": 7,
        "meterValue": [
            {
                "timestamp": "2026-01-01T00:00:00Z",
                "sampledValue": [
                    {"value": "1234", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                    {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                ],
            }
        ],
    },
    ("2.0.1", "TransactionEvent"): {
        "eventType": "Updated",
        "timestamp": "2026-01-01T00:00:00Z",
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 3,
        "transactionInfo": {"transactionId": "abc"},
        "meterValue": [{"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": 1234.0}]}],
    },
}
VERSIONS = {"1.6": OcppVersion.v16, "2.0.1": OcppVersion.v201}


def per_message(fn: object, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20000, help="messages per measurement")
    n = parser.parse_args().n
    print(f"{'message':32} {'ocpp lib (µs)':>14} {'chargegrid (µs)':>16} {'ratio':>7}")
    for (version, action), payload in PAYLOADS.items():
        call = Call(unique_id="1", action=action, payload=payload)
        ours = VERSIONS[version]
        schemas.validate(ours, action, payload)
        _validate_payload(call, version)
        lib = per_message(lambda call=call, version=version: _validate_payload(call, version), n // 10)
        mine = per_message(
            lambda ours=ours, action=action, payload=payload: schemas.validate(ours, action, payload), n
        )
        print(f"{version + ' ' + action:32} {lib:14.1f} {mine:16.1f} {lib / mine:6.0f}x")


if __name__ == "__main__":
    main()
