"""What a station reports in parts after a request: each part is kept; NotifyReport parts also update
the station's variable inventory as they arrive (a report's parts may come in any order)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chargegrid.domain.device_model import VariableUpdate
from chargegrid.store import Db
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


async def variable_results(db: Db, charge_point_id: str, updates: Sequence[VariableUpdate]) -> None:
    """Results of Get/SetVariables or 1.6 GetConfiguration, stored in the inventory."""
    await inventory_store.apply(db, charge_point_id, updates)
