"""Transactions list, its CSV download, and the monthly energy report per tag group."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from chargegrid.store.models import Transaction
from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.ui.helpers import login, start_tx, stop_tx


async def _old_transaction(server: RunningServer, days_ago: int, tag: str, kwh: float) -> None:
    start = datetime.now(UTC) - timedelta(days=days_ago)
    async with server.services.db.begin() as db:
        db.add(
            Transaction(
                charge_point_id="CP-TX",
                connector_id=2,
                start_tag_id=tag,
                start_time=start,
                meter_start=100.0,
                stop_time=start + timedelta(hours=1),
                stop_tag_id=tag,
                meter_stop=100.0 + kwh,
            )
        )


async def test_transactions_csv_has_the_rows_of_the_period(
    ui_server: RunningServer, page: Any, tmp_path: Path
) -> None:
    await ui_server.add_charge_point("CP-TX", name="Shop")
    await ui_server.add_tag("=HYPERLINK(1)")  # a charger-supplied id must not become a formula
    await ui_server.add_tag("TAG-T")
    async with connected(ui_server, "CP-TX") as charger:
        tx = await start_tx(charger, 1, "TAG-T", 2_000)
        await stop_tx(charger, tx, 9_500, "TAG-T")
        tx2 = await start_tx(charger, 1, "=HYPERLINK(1)", 9_500)
        await stop_tx(charger, tx2, 10_000)
    await _old_transaction(ui_server, 60, "TAG-T", 3.0)

    await login(page, ui_server)
    await page.get_by_role("link", name="Transactions").click()
    table = page.locator("tbody")
    await expect(table.locator("tr")).to_have_count(2)  # 30 days by default
    await expect(table).to_contain_text("7.500")
    await page.locator("select[name=period]").select_option("90")
    await page.get_by_role("button", name="Show").click()
    await expect(table.locator("tr")).to_have_count(3)

    async with page.expect_download() as info:
        await page.locator("#csv").click()
    download = await info.value
    target = tmp_path / download.suggested_filename
    await download.save_as(target)
    rows = list(csv.reader(target.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == [
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
    body = rows[1:]
    assert len(body) == 3
    assert ["Shop", "1", "TAG-T", "2.000", "TAG-T", "9.500", "7.500"] == [
        body[1][i] for i in (0, 1, 3, 4, 6, 7, 8)
    ]
    assert body[0][3] == "'=HYPERLINK(1)" and body[0][8] == "0.500"
    assert body[2][1] == "2" and body[2][8] == "3.000"

    # Per connector: only connector 2's old transaction.
    await page.get_by_label("Connector").fill("2")
    await page.get_by_role("button", name="Show").click()
    await expect(table.locator("tr")).to_have_count(1)


async def test_energy_report_per_group_and_tag(ui_server: RunningServer, page: Any) -> None:
    await ui_server.add_charge_point("CP-TX")
    await ui_server.add_tag("FLEET")
    await ui_server.add_tag("CAR-1", parent="FLEET", name="Van one")
    await ui_server.add_tag("CAR-2", parent="FLEET")
    await ui_server.add_tag("GUEST")
    await _old_transaction(ui_server, 0, "CAR-1", 10.0)
    await _old_transaction(ui_server, 0, "CAR-1", 2.5)
    await _old_transaction(ui_server, 0, "CAR-2", 4.0)
    await _old_transaction(ui_server, 0, "GUEST", 1.0)
    await login(page, ui_server)
    await page.goto(ui_server.http_url + "/ui/report")
    fleet = page.locator("tr.group-row", has_text="FLEET")
    await expect(fleet).to_contain_text("16.500")
    await expect(page.locator("tr", has_text="Van one")).to_contain_text("12.500")
    await expect(page.locator("tfoot")).to_contain_text("17.500")
    last_year = f"{datetime.now(UTC).year - 1}-01"
    await page.get_by_label("Month").fill(last_year)
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("tbody")).to_contain_text("No charging sessions")
