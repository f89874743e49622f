"""Transactions per charge point/connector and period, their CSV, and the monthly energy report per tag."""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import console, reports
from chargegrid.store import transactions as tx_store
from chargegrid.store.models import ChargeTag, MeterValue, Transaction, utcnow
from chargegrid.ui import auth
from chargegrid.ui.charger_status import ENERGY, POWER, chart_of
from chargegrid.ui.paging import read as paging_of
from chargegrid.ui.rendering import fmt_number, fmt_time, reader_of, render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)

PERIODS = [
    ("30", N_("last 30 days")),
    ("90", N_("last 90 days")),
    ("365", N_("last 365 days")),
    ("custom", N_("from – to")),
]
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
    tag: str = ""
    running: str = ""
    problems: list[str] = field(default_factory=list)

    def console_query(self) -> console.TransactionQuery:
        where = self.filter()
        return console.TransactionQuery(
            where.charge_point_id,
            where.connector_id,
            where.since,
            where.until,
            tag=self.tag.strip(),
            running={"yes": True, "no": False}.get(self.running),
        )

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
                "tag": self.tag,
                "running": self.running,
            }
        )

    def params(self) -> dict[str, str]:
        return {
            "cp": self.cp,
            "connector": self.connector,
            "period": self.period,
            "start": self.start,
            "end": self.end,
            "tag": self.tag,
            "running": self.running,
        }


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


async def _rows(services: Services, query: Query) -> list[dict[str, Any]]:
    """Every row of the filter (the CSV is the whole list, not one page)."""
    order = console.Order(0, 100_000, Transaction.start_time, True, Transaction.id)
    async with services.db() as db:
        stations = await cp_store.list_all(db)
        found = await console.transactions(db, order, query.console_query())
    names = {cp.id: cp.name or cp.id for cp in stations}
    return [_row(tx, names) for tx in found.rows]


@router.get("/ui/transactions")
async def transactions_page(
    request: Request,
    services: ServicesDep,
    cp: str = "",
    connector: str = "",
    period: str = "30",
    start: str = "",
    end: str = "",
    tag: str = "",
    running: str = "",
    page: str = "1",
    per: str = "",
    sort: str = "",
    dir: str = "",
) -> Response:
    viewer = await auth.viewer(request)
    query = Query(cp, connector, period, start, end, tag, running)
    paging = paging_of(page, per, sort, dir, console.TRANSACTION_SORTS, "start", desc=True)
    async with services.db() as db:
        stations = await cp_store.list_all(db)
        found = await console.transactions(
            db, paging.order(console.TRANSACTION_SORTS, Transaction.id), query.console_query()
        )
    names = {station.id: station.name or station.id for station in stations}
    paging = paging.with_total(found.total)
    context = {
        "title": N_("Transactions"),
        "rows": [
            (tx, names.get(tx.charge_point_id, tx.charge_point_id), reports.energy_kwh(tx))
            for tx in found.rows
        ],
        "charge_points": stations,
        "periods": PERIODS,
        "query": query,
        "query_string": query.query_string(),
        "paging": paging,
        "params": {**query.params(), **paging.params()},
        "error": " ".join(query.problems) or None,
    }
    return render(request, "transactions.html", context, viewer=viewer)


@router.get("/ui/transactions/{transaction_id}")
async def transaction_page(request: Request, services: ServicesDep, transaction_id: int) -> Response:
    viewer = await auth.viewer(request)
    reader = reader_of(request, viewer)
    async with services.db() as db:
        tx = await tx_store.get(db, transaction_id)
        if tx is None:
            _ = reader.gettext
            missing = {"title": N_("Not found"), "text": _("There is no transaction %s.") % transaction_id}
            return render(request, "error.html", missing, viewer=viewer, status_code=404)
        cp = await cp_store.get(db, tx.charge_point_id)
        values = await console.meter_values(db, tx.id)
        payment = await console.payment_of(db, tx.id)
    rows: dict[datetime, dict[str, float]] = defaultdict(dict)
    for value in values:
        if value.phase is None:
            rows[value.timestamp][value.measurand] = value.value
    context: dict[str, Any] = {
        "title": reader.gettext("Transaction %s") % tx.id,
        "tx": tx,
        "cp_name": (cp.name or cp.id) if cp is not None else tx.charge_point_id,
        "energy": reports.energy_kwh(tx),
        "duration": (tx.stop_time or utcnow()) - tx.start_time,
        "chart": chart_of(values, tx.meter_start, reader.clock),
        "readings": [
            (when, found.get(ENERGY), found.get(POWER), found.get("SoC"))
            for when, found in sorted(rows.items())
        ],
        "flags": _flags(tx, values),
        "payment": payment,
        "cost": _cents(payment.final_amount_cents, payment.currency) if payment else "",
        "captured": _cents(payment.amount_captured_cents, payment.currency) if payment else "",
    }
    return render(request, "transaction.html", context, viewer=viewer)


def _cents(value: int | None, currency: str) -> str:
    return "" if value is None else f"{value / 100:.2f} {currency.upper()}"


def _flags(tx: Transaction, values: Sequence[MeterValue]) -> list[str]:
    """What looks wrong with the data of a session (shown, never corrected)."""
    flags = []
    if tx.meter_stop is not None and tx.meter_start is not None and tx.meter_stop < tx.meter_start:
        flags.append(N_("The meter stop is below the meter start."))
    registers = [v.value for v in values if v.measurand == ENERGY and v.phase is None]
    if any(later < earlier for earlier, later in itertools.pairwise(registers)):
        flags.append(N_("The energy register went backwards during the session."))
    if tx.stop_time is not None and tx.stop_time < tx.start_time:
        flags.append(N_("The session stops before it starts."))
    return flags


@router.get("/ui/transactions.csv")
async def transactions_csv(
    request: Request,
    services: ServicesDep,
    cp: str = "",
    connector: str = "",
    period: str = "30",
    start: str = "",
    end: str = "",
    tag: str = "",
    running: str = "",
) -> Response:
    await auth.viewer(request)
    rows = await _rows(services, Query(cp, connector, period, start, end, tag, running))
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
async def report_page(request: Request, services: ServicesDep, month: str = "") -> Response:
    viewer = await auth.viewer(request)
    first = _month(month)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    until = datetime.combine(after, datetime.min.time(), tzinfo=UTC)
    async with services.db() as db:
        found = list(
            await reports.transactions(db, reports.TransactionFilter(since=since, until=until), 100_000)
        )
        tags = {t.tag_id.lower(): t for t in await reports.tags(db, limit=1_000_000)}
    groups = energy_report(found, tags)
    context = {
        "title": N_("Energy per tag"),
        "month": f"{first:%Y-%m}",
        "groups": groups,
        "total_sessions": sum(g.sessions for g in groups),
        "total_energy": sum(g.energy for g in groups),
    }
    return render(request, "report.html", context, viewer=viewer)
