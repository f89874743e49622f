"""Transactions per charge point/connector and period, their CSV, and the monthly energy report per tag."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from chargegrid.store import charge_points as cp_store
from chargegrid.store import reports
from chargegrid.store.models import ChargeTag, Transaction, utcnow
from chargegrid.ui import auth
from chargegrid.ui.rendering import fmt_number, fmt_time, render

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)

PERIODS = [("30", "last 30 days"), ("90", "last 90 days"), ("365", "last 365 days"), ("custom", "from – to")]
CSV_HEADER = [
    "Charge point",
    "Connector",
    "Start",
    "Start tag",
    "Meter start (kWh)",
    "Stop",
    "Stop tag",
    "Meter stop (kWh)",
    "Energy (kWh)",
    "Implausible",
]


@dataclass
class Query:
    cp: str = ""
    connector: str = ""
    period: str = "30"
    start: str = ""
    end: str = ""
    problems: list[str] = field(default_factory=list)

    def filter(self) -> reports.TransactionFilter:
        connector = None
        if self.connector.strip():
            try:
                connector = int(self.connector)
            except ValueError:
                self.problems.append(f"Connector {self.connector!r} is not a number: showing all connectors.")
        since: datetime | None
        until: datetime | None = None
        if self.period == "custom":
            since, until = _day(self.start, "From", self.problems), _day(self.end, "To", self.problems)
            if until is not None:
                until += timedelta(days=1)  # "to" includes that whole day
        else:
            days = int(self.period) if self.period in ("30", "90", "365") else 30
            since = utcnow() - timedelta(days=days)
        return reports.TransactionFilter(self.cp or None, connector, since, until)

    def query_string(self) -> str:
        return urlencode(
            {
                "cp": self.cp,
                "connector": self.connector,
                "period": self.period,
                "start": self.start,
                "end": self.end,
            }
        )


def _day(text: str, label: str, problems: list[str]) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        problems.append(f"{label} {text!r} is not a date like 2025-01-31: ignored.")
        return None


def _row(tx: Transaction, names: dict[str, str]) -> dict[str, Any]:
    return {
        "charge_point": names.get(tx.charge_point_id, tx.charge_point_id),
        "connector": tx.connector_id,
        "start": fmt_time(tx.start_time),
        "start_tag": tx.start_tag_id or "",
        "meter_start": fmt_number(tx.meter_start),
        "stop": fmt_time(tx.stop_time),
        "stop_tag": tx.stop_tag_id or "",
        "meter_stop": fmt_number(tx.meter_stop),
        "energy": fmt_number(reports.energy_kwh(tx)),
        "implausible": tx.implausible or "",
    }


async def _rows(request: Request, query: Query) -> tuple[list[dict[str, Any]], Any]:
    async with auth.services_of(request).db() as db:
        stations = await cp_store.list_all(db)
        found = await reports.transactions(db, query.filter())
    names = {cp.id: cp.name or cp.id for cp in stations}
    return [_row(tx, names) for tx in found], stations


@router.get("/ui/transactions")
async def transactions_page(
    request: Request, cp: str = "", connector: str = "", period: str = "30", start: str = "", end: str = ""
) -> Response:
    viewer = await auth.viewer(request)
    query = Query(cp, connector, period, start, end)
    rows, stations = await _rows(request, query)
    context = {
        "title": "Transactions",
        "rows": rows,
        "charge_points": stations,
        "periods": PERIODS,
        "query": query,
        "query_string": query.query_string(),
        "error": " ".join(query.problems) or None,
    }
    return render(request, "transactions.html", context, viewer=viewer)


@router.get("/ui/transactions.csv")
async def transactions_csv(
    request: Request, cp: str = "", connector: str = "", period: str = "30", start: str = "", end: str = ""
) -> Response:
    await auth.viewer(request)
    rows, _ = await _rows(request, Query(cp, connector, period, start, end))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        # A cell starting with = + - @ would be a formula in a spreadsheet: tag ids come from chargers.
        writer.writerow([_inert(str(v)) for v in row.values()])
    filename = f"transactions-{utcnow():%Y%m%d}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _inert(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not _is_number(cell)) else cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@dataclass
class TagLine:
    tag_id: str
    name: str
    sessions: int = 0
    energy: float = 0.0


@dataclass
class GroupLine:
    name: str
    tags: list[TagLine] = field(default_factory=list)

    @property
    def sessions(self) -> int:
        return sum(t.sessions for t in self.tags)

    @property
    def energy(self) -> float:
        return sum(t.energy for t in self.tags)


def energy_report(found: list[Transaction], tags: dict[str, ChargeTag]) -> list[GroupLine]:
    """Energy per tag group (the tag's parent) and tag; tags without a group fall in '(no group)'."""
    lines: dict[str, dict[str, TagLine]] = defaultdict(dict)
    for tx in found:
        tag_id = tx.start_tag_id or "(none)"
        tag = tags.get(tag_id.lower())
        group = (tag.parent_tag_id if tag is not None else None) or "(no group)"
        line = lines[group].setdefault(tag_id, TagLine(tag_id, (tag.name if tag else None) or ""))
        line.sessions += 1
        line.energy += reports.energy_kwh(tx) or 0.0
    return [
        GroupLine(group, sorted(by_tag.values(), key=lambda t: t.tag_id))
        for group, by_tag in sorted(lines.items())
    ]


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        today = utcnow().date()
        return date(today.year, today.month, 1)


@router.get("/ui/report")
async def report_page(request: Request, month: str = "") -> Response:
    viewer = await auth.viewer(request)
    first = _month(month)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    until = datetime.combine(after, datetime.min.time(), tzinfo=UTC)
    async with auth.services_of(request).db() as db:
        found = list(
            await reports.transactions(db, reports.TransactionFilter(since=since, until=until), 100_000)
        )
        tags = {t.tag_id.lower(): t for t in await reports.tags(db, limit=1_000_000)}
    groups = energy_report(found, tags)
    context = {
        "title": "Energy per tag",
        "month": f"{first:%Y-%m}",
        "groups": groups,
        "total_sessions": sum(g.sessions for g in groups),
        "total_energy": sum(g.energy for g in groups),
    }
    return render(request, "report.html", context, viewer=viewer)
