"""What a station reports in parts after a request: each part is kept; NotifyReport parts also update
the station's variable inventory as they arrive (a report's parts may come in any order).

Once every part of an accepted FullInventory base report is in, the inventory is made to match it:
a variable the station no longer reports is deleted. A partial report (ConfigurationInventory,
SummaryInventory, GetReport) only adds and updates. The parts and the station's answer to
GetBaseReport may be stored in either order, so both ends check (`full_inventory_received`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chargegrid.domain.device_model import VariableUpdate, key_of
from chargegrid.store import Db
from chargegrid.store import charger_requests as requests_store
from chargegrid.store import inventory as inventory_store
from chargegrid.store import report_parts as parts_store


async def report_part(
    db: Db,
    charge_point_id: str,
    kind: str,
    payload: dict[str, Any],
    generated_at: datetime | None,
    updates: Sequence[VariableUpdate] = (),
) -> None:
    request_id = payload["requestId"]
    seq_no = payload.get("seqNo")
    if seq_no is None:  # NotifyDisplayMessages has no seqNo: its parts count in order of arrival
        seq_no = await parts_store.count_parts(db, charge_point_id, kind, request_id)
    tbc = bool(payload.get("tbc", False))
    parts_store.add_part(db, charge_point_id, kind, request_id, seq_no, tbc, payload, generated_at)
    await inventory_store.apply(db, charge_point_id, updates)
    if kind == NOTIFY_REPORT:
        await full_inventory_received(db, charge_point_id, request_id)


REPORT = "report"  # the charger_requests topic of base reports asked
NOTIFY_REPORT = "NotifyReport"


async def full_inventory_received(db: Db, charge_point_id: str, request_id: int) -> int:
    """When `request_id` is a FullInventory base report the station accepted and all its parts are
    stored, delete the stored variables it did not name; the number deleted."""
    asked = await requests_store.find(db, charge_point_id, REPORT, request_id)
    if (
        asked is None
        or asked.action != "GetBaseReport"
        or asked.answer_status != "Accepted"
        or (asked.parameters or {}).get("report_base") != "FullInventory"
    ):
        return 0
    report = await parts_store.report(db, charge_point_id, NOTIFY_REPORT, request_id)
    if report is None or not report.complete:
        return 0
    reported = {key_of(item["component"], item["variable"]) for item in report.items("reportData")}
    return await inventory_store.remove_all_but(db, charge_point_id, reported)


async def variable_results(db: Db, charge_point_id: str, updates: Sequence[VariableUpdate]) -> None:
    """Results of Get/SetVariables or 1.6 GetConfiguration, stored in the inventory."""
    await inventory_store.apply(db, charge_point_id, updates)
