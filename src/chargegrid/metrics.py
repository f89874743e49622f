"""Prometheus counters bumped by the OCPP edge (served at /metrics by `api/metrics_api.py`).

Counters are bumped on the hot path (tens of nanoseconds each); gauges that describe the registry
are computed when Prometheus scrapes, so an idle node does no metrics work at all.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry(auto_describe=True)
FRAMES = Counter(
    "chargegrid_ocpp_frames_total",
    "OCPP frames by direction and message type",
    ["direction", "type"],
    registry=REGISTRY,
)
CALL_ERRORS = Counter(
    "chargegrid_ocpp_callerrors_sent_total", "CallErrors we answered, by code", ["code"], registry=REGISTRY
)
_TYPES = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR"}


# Resolved once: `labels()` takes a lock and a dict lookup, and this runs for every frame in and out.
_FRAME_COUNTERS = {
    (direction, number): FRAMES.labels(direction, name)
    for direction in ("in", "out")
    for number, name in _TYPES.items()
}


def count_frame(direction: str, message_type: int, result: str | None) -> None:
    counter = _FRAME_COUNTERS.get((direction, message_type))
    if counter is None:
        counter = FRAMES.labels(direction, "other")
    counter.inc()
    if direction == "out" and message_type == 4 and result:
        CALL_ERRORS.labels(result).inc()


CRITICAL_SECURITY_EVENTS = Counter(
    "chargegrid_critical_security_events_total",
    "Critical security events (OCPP 2.0.1 Part 2 appendix / 1.6 whitepaper list), by type",
    ["type"],
    registry=REGISTRY,
)
REFUSED_CONNECTIONS = Counter(
    "chargegrid_ocpp_refused_connections_total",
    "Charger connections refused before the upgrade, by reason",
    ["reason"],
    registry=REGISTRY,
)
