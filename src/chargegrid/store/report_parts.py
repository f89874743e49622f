"""Parts of the multi-part reports a station sends after a request (NotifyReport, NotifyMonitoringReport,
NotifyDisplayMessages, NotifyCustomerInformation), kept per (station, kind, requestId) and put back
together in order for the routes that read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from chargegrid.store import Db
from chargegrid.store.device_model_tables import ReportPart


def add_part(
    db: Db,
    charge_point_id: str,
    kind: str,
    request_id: int,
    seq_no: int,
    tbc: bool,
    payload: dict[str, Any],
    generated_at: datetime | None = None,
) -> None:
    db.add(
        ReportPart(
            charge_point_id=charge_point_id,
            kind=kind,
            request_id=request_id,
            seq_no=seq_no,
            tbc=tbc,
            payload=payload,
            generated_at=generated_at,
        )
    )


@dataclass(frozen=True)
class Report:
    """One request's parts in order; `complete` once the last part (tbc false) and every part before
    it (seqNo 0..n) arrived."""

    request_id: int
    parts: Sequence[ReportPart]

    @property
    def complete(self) -> bool:
        if not self.parts or self.parts[-1].tbc:
            return False
        return [p.seq_no for p in self.parts] == list(range(len(self.parts)))

    def items(self, field: str) -> list[Any]:
        """The list `field` of every part, concatenated in order."""
        return [item for part in self.parts for item in part.payload.get(field) or []]


async def report(db: Db, charge_point_id: str, kind: str, request_id: int | None = None) -> Report | None:
    """The parts of one request (default: the newest request of that kind), or None when none arrived."""
    if request_id is None:
        newest = (
            select(ReportPart.request_id)
            .where(ReportPart.charge_point_id == charge_point_id, ReportPart.kind == kind)
            .order_by(ReportPart.id.desc())
            .limit(1)
        )
        request_id = await db.scalar(newest)
        if request_id is None:
            return None
    query = (
        select(ReportPart)
        .where(
            ReportPart.charge_point_id == charge_point_id,
            ReportPart.kind == kind,
            ReportPart.request_id == request_id,
        )
        .order_by(ReportPart.id)
    )
    # A part sent again (the station did not see our answer) replaces the earlier copy of that seqNo.
    by_seq = {part.seq_no: part for part in (await db.scalars(query)).all()}
    return Report(request_id, [by_seq[seq] for seq in sorted(by_seq)]) if by_seq else None


async def count_parts(db: Db, charge_point_id: str, kind: str, request_id: int) -> int:
    query = select(func.count()).where(
        ReportPart.charge_point_id == charge_point_id,
        ReportPart.kind == kind,
        ReportPart.request_id == request_id,
    )
    return int(await db.scalar(query) or 0)
