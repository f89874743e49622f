"""How the routes show a station's multi-part report (display messages, monitors, customer data)."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from chargegrid.ocpp.wire import format_time
from chargegrid.store.report_parts import Report


def report_view(report: Report) -> dict[str, Any]:
    """The report's identity and state; the route adds its items."""
    return {
        "requestId": report.request_id,
        "complete": report.complete,
        "parts": len(report.parts),
        "receivedAt": format_time(max(p.received_at for p in report.parts)),
    }


def not_reported(cp: str, what: str) -> HTTPException:
    return HTTPException(404, f"charge point {cp!r} reported no {what} for that request (yet)")
