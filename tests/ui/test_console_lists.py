"""The lists of the console on 1,000+ rows: server-side paging, sort, search and filters, and the
message log with each request paired with its answer and the Result column filled."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import expect
from sqlalchemy import insert

from chargegrid.store.models import ChargePoint, ChargerEvent, ChargeTag, MessageLogEntry, Transaction
from tests.support.server import RunningServer
from tests.ui.conftest import VIEWER, VIEWER_PASSWORD
from tests.ui.helpers import login

pytestmark = pytest.mark.asyncio(loop_scope="module")

TAGS = 1_200
TRANSACTIONS = 1_050
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def filled(shared_server: RunningServer) -> RunningServer:
    """Bulk rows straight into the store (one executemany each): 1,200 tags, 1,050 sessions, a log."""
    now = datetime.now(UTC)
    async with shared_server.services.db.begin() as db:
        await db.execute(
            insert(ChargePoint),
            [{"id": f"LIST-{n}", "name": f"Depot {n}", "registration_status": "Accepted"} for n in (1, 2)],
        )
        await db.execute(
            insert(ChargeTag),
            [
                {
                    "tag_id": f"T{n:05d}",
                    "name": f"Driver {n:05d}",
                    "parent_tag_id": "FLEET" if n % 2 else "STAFF",
                    "blocked": n % 10 == 0,
                    "expiry": now - timedelta(days=1) if n % 7 == 0 else None,
                }
                for n in range(TAGS)
            ],
        )
        await db.execute(
            insert(Transaction),
            [
                {
                    "charge_point_id": "LIST-1" if n % 3 else "LIST-2",
                    "connector_id": 1,
                    "start_tag_id": f"T{n:05d}",
                    "start_time": now - timedelta(minutes=10 * n + 5),
                    "meter_start": 0.0,
                    "stop_time": now - timedelta(minutes=10 * n),
                    "meter_stop": 1.0 + n / 1000,
                }
                for n in range(TRANSACTIONS)
            ],
        )
        rows: list[dict[str, Any]] = []
        for n in range(300):
            when = T0 + timedelta(minutes=n)
            action, answer = (
                ("Authorize", '{"idTagInfo": {"status": "Invalid"}}')
                if n % 2
                else (
                    "StatusNotification",
                    "{}",
                )
            )
            rows.append(_frame(when, "LIST-1", "in", 2, f"m{n}", action, f'[2,"m{n}","{action}",{{}}]'))
            rows.append(
                _frame(
                    when + timedelta(milliseconds=40),
                    "LIST-1",
                    "out",
                    3,
                    f"m{n}",
                    action,
                    f'[3,"m{n}",{answer}]',
                )
            )
        rows.append(_frame(T0, "LIST-2", "out", 2, "r1", "Reset", '[2,"r1","Reset",{"type":"Soft"}]'))
        rows.append(_frame(T0, "LIST-2", "in", 3, "r1", "Reset", '[3,"r1",{"status":"Rejected"}]'))
        rows.append(_frame(T0, "LIST-2", "out", 2, "u1", "UnlockConnector", '[2,"u1","UnlockConnector",{}]'))
        rows.append(
            _frame(T0, "LIST-2", "in", 4, "u1", "UnlockConnector", '[4,"u1","NotImplemented","no",{}]')
        )
        await db.execute(insert(MessageLogEntry), rows)
        await db.execute(
            insert(ChargerEvent),
            [
                {
                    "charge_point_id": "LIST-2",
                    "timestamp": T0 + timedelta(minutes=n),
                    "kind": "SecurityEventNotification" if n % 2 else "FirmwareStatusNotification",
                    "payload": {"type": "SettingSystemTime", "techInfo": f"n{n}"}
                    if n % 2
                    else {"status": "Downloading"},
                }
                for n in range(130)
            ],
        )
    return shared_server


def _frame(
    when: datetime, cp: str, direction: str, kind: int, message_id: str, action: str, payload: str
) -> dict[str, Any]:
    return {
        "timestamp": when,
        "charge_point_id": cp,
        "direction": direction,
        "message_type": kind,
        "message_id": message_id,
        "action": action,
        "payload": payload,
    }


async def test_tags_page_through_1200_rows_sorted_searched_and_filtered(
    filled: RunningServer, tab: Any
) -> None:
    await login(tab, filled, VIEWER, VIEWER_PASSWORD)  # a viewer may read the tags
    await tab.goto(filled.http_url + "/ui/tags")
    rows = tab.locator("#tags tbody tr")
    await expect(rows).to_have_count(50)
    await expect(tab.locator(".pager").first).to_contain_text(f"1–50 of {TAGS}")
    await expect(rows.first).to_contain_text("T00000")
    await tab.locator(".pager").first.get_by_role("link", name="Next").click()
    await expect(tab.locator(".pager").first).to_contain_text(f"51–100 of {TAGS}")
    await expect(rows.first).to_contain_text("T00050")
    await tab.locator(".pager").first.get_by_role("link", name="Last").click()
    await expect(tab.locator(".pager").first).to_contain_text("Page 24 of 24")
    await expect(rows.last).to_contain_text("T01199")

    await tab.get_by_role("link", name="Tag id").click()  # sorted by id already: now descending
    await expect(rows.first).to_contain_text("T01199")
    await tab.get_by_role("link", name="Name").click()
    await expect(rows.first).to_contain_text("Driver 00000")

    await tab.get_by_label("Search tags").fill("Driver 0011")
    await tab.get_by_role("button", name="Search").click()
    await expect(rows).to_have_count(10)  # Driver 00110 … 00119
    await tab.goto(filled.http_url + "/ui/tags?state=blocked&per=200")
    await expect(tab.locator(".pager").first).to_contain_text(f"of {TAGS // 10}")
    await tab.goto(filled.http_url + "/ui/tags?state=usable&q=T0001")
    # T00010..T00019: 10 blocked is T00010, 7-expired is T00014: 8 can start
    await expect(rows).to_have_count(8)
    await tab.goto(filled.http_url + "/ui/tags?page=999")  # beyond the end: the last page
    await expect(tab.locator(".pager").first).to_contain_text("Page 24 of 24")


async def test_transactions_page_sort_and_filter_and_open_one(filled: RunningServer, tab: Any) -> None:
    await login(tab, filled, VIEWER, VIEWER_PASSWORD)
    await tab.goto(filled.http_url + "/ui/transactions?period=365&per=100")
    rows = tab.locator("#transactions tbody tr")
    await expect(rows).to_have_count(100)
    await expect(tab.locator(".pager").first).to_contain_text(f"1–100 of {TRANSACTIONS}")
    await expect(rows.first).to_contain_text("T00000")  # newest first
    await tab.get_by_role("link", name=re.compile(r"^Start( ▼)?$")).click()  # now oldest first
    await expect(rows.first).to_contain_text(f"T0{TRANSACTIONS - 1}")
    await tab.goto(filled.http_url + "/ui/transactions?period=365&cp=LIST-2&tag=T0000")
    await expect(rows).to_have_count(4)  # T00000, T00003, T00006, T00009 are on LIST-2
    await rows.first.get_by_role("link").click()
    await expect(tab.locator("h1")).to_contain_text("Transaction")
    await expect(tab.locator("#energy")).to_contain_text("1.000 kWh")


async def test_charge_points_list_filters(filled: RunningServer, tab: Any) -> None:
    await login(tab, filled, VIEWER, VIEWER_PASSWORD)
    await tab.goto(filled.http_url + "/ui/chargepoints?q=depot&connection=offline")
    await expect(tab.locator("#charge-points tbody tr")).to_have_count(2)
    await tab.goto(filled.http_url + "/ui/chargepoints?q=depot&connection=online")
    await expect(tab.locator("#charge-points tbody")).to_contain_text("No charge point matches.")


async def test_message_log_pairs_requests_with_answers(filled: RunningServer, tab: Any) -> None:
    await login(tab, filled, VIEWER, VIEWER_PASSWORD)
    await tab.goto(filled.http_url + "/ui/messages?cp=LIST-1&action=Authorize")
    rows = tab.locator("table.log tbody tr")
    await expect(rows).to_have_count(50)
    await expect(tab.locator(".pager").first).to_contain_text("1–50 of 150")
    await expect(rows.first.locator(".result")).to_contain_text("Invalid")
    await expect(rows.first.locator(".result")).to_contain_text("40 ms")
    await expect(rows.first).to_have_class("error")

    await tab.goto(filled.http_url + "/ui/messages?cp=LIST-2&direction=out")
    await expect(rows).to_have_count(2)
    await expect(tab.locator("tr", has_text="Reset").locator(".result")).to_contain_text("Rejected")
    await expect(tab.locator("tr", has_text="UnlockConnector").locator(".result")).to_contain_text(
        "CallError NotImplemented"
    )
    await tab.goto(filled.http_url + "/ui/messages?cp=LIST-2&direction=in")
    await expect(tab.locator("table.log tbody")).to_contain_text("No messages logged.")

    # A time range, read in the browser's zone (Berlin: UTC+1 in November): 08:00–08:10 UTC.
    await tab.goto(filled.http_url + "/ui/messages?cp=LIST-1&since=2026-11-01T09:00&until=2026-11-01T09:10")
    await expect(tab.locator(".pager").first).to_contain_text("of 10")
    await expect(rows.last.locator("td").first).to_contain_text("2026-11-01 09:00:00 CET")


async def test_charger_events_paged_and_filtered(filled: RunningServer, tab: Any) -> None:
    await login(tab, filled, VIEWER, VIEWER_PASSWORD)
    await tab.goto(filled.http_url + "/ui/events?cp=LIST-2")
    rows = tab.locator("#events tbody tr")
    await expect(rows).to_have_count(50)
    await expect(tab.locator(".pager").first).to_contain_text("1–50 of 130")
    await expect(rows.first).to_contain_text("n129")  # newest first
    await tab.get_by_label("Kind").select_option("security")
    await tab.get_by_role("button", name="Show").click()
    await expect(tab.locator(".pager").first).to_contain_text("of 65")
    await expect(rows.first).to_contain_text("SecurityEventNotification")
    await tab.locator(".pager").first.get_by_role("link", name="Last").click()
    await expect(rows).to_have_count(15)
    await expect(rows.last).to_contain_text("n1")
