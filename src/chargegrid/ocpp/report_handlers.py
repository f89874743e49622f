"""2.x handlers of the multi-part reports a station sends after our request: NotifyReport (the device
model inventory), NotifyMonitoringReport, NotifyDisplayMessages and NotifyCustomerInformation.

Each part is stored (and NotifyReport's variables applied to the inventory) before it is acknowledged.
"""

from __future__ import annotations

from chargegrid.domain import device_model, reports
from chargegrid.ocpp.rpc import Payload
from chargegrid.ocpp.wire import Handlers, Route, parse_time


def _part(kind: str, *, inventory: bool = False) -> Route:
    async def handler(self: Handlers, p: Payload) -> Payload:
        when = parse_time(p.get("generatedAt"), "generatedAt")
        updates = device_model.from_report(p.get("reportData") or []) if inventory else []
        await self._write(lambda db: reports.report_part(db, self.cp_id, kind, p, when, updates))
        return {}

    handler.__name__ = kind
    return handler


REPORT_ROUTES: dict[str, Route] = {
    "NotifyReport": _part("NotifyReport", inventory=True),
    "NotifyMonitoringReport": _part("NotifyMonitoringReport"),
    "NotifyDisplayMessages": _part("NotifyDisplayMessages"),
    "NotifyCustomerInformation": _part("NotifyCustomerInformation"),
}
