"""The charge point page (status first, chart, history, events, log, edit last), the transaction page,
and the overview's counts, order and offline times — with real chargers over websockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from playwright.async_api import expect

from chargegrid.store.models import ChargerEvent, ChargeTag, Transaction
from tests.support.chargers import connected
from tests.support.server import RunningServer, run_server
from tests.ui.conftest import OPERATOR, OPERATOR_PASSWORD, VIEWER, VIEWER_PASSWORD
from tests.ui.helpers import ADMIN, ADMIN_PASSWORD, add_user, login, meter, now, start_tx, status, stop_tx

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_charger_page_shows_live_status_chart_history_and_events(
    shared_server: RunningServer, tab: Any
) -> None:
    srv = shared_server
    await srv.add_charge_point(
        "CP-LIVE",
        name="Yard",
        settings={"MeterValueSampleInterval": "5"},
        setting_results={"MeterValueSampleInterval": "Accepted"},
    )
    await srv.add_tag("LIVE-TAG")
    async with srv.services.db.begin() as db:
        db.add(
            ChargerEvent(
                charge_point_id="CP-LIVE", kind="FirmwareStatusNotification", payload={"status": "Installed"}
            )
        )
        db.add(
            ChargerEvent(
                charge_point_id="CP-LIVE",
                kind="SecurityEventNotification",
                payload={"type": "TamperDetectionActivated", "techInfo": "lid opened"},
            )
        )
    async with connected(srv, "CP-LIVE") as charger:
        await charger.call(
            call16.StatusNotification(
                connector_id=2,
                error_code="GroundFailure",
                status="Faulted",
                timestamp=now(),
                info="RCD tripped",
                vendor_error_code="E42",
            )
        )
        await status(charger, 1, "Charging")
        tx = await start_tx(charger, 1, "LIVE-TAG", 10_000)
        await meter(charger, 1, tx, 12_000, 7.4, 55)
        await meter(charger, 1, tx, 14_500, 11.0, 61)
        await srv.services.edge.message_log.flush()

        await login(tab, srv, VIEWER, VIEWER_PASSWORD)  # a viewer sees the whole page
        await tab.goto(srv.http_url + "/ui/chargepoints/CP-LIVE")
        one, two = tab.locator("#state-1"), tab.locator("#state-2")
        await expect(one).to_contain_text("Charging")
        await expect(one).to_contain_text("11.0 kW")
        await expect(one).to_contain_text("4.50 kWh")
        await expect(one).to_contain_text("61 %")
        await expect(two).to_contain_text("Fault")
        await expect(two.locator(".ocpp")).to_have_attribute("title", "OCPP: Faulted")
        await expect(two).to_contain_text("GroundFailure · vendor code E42 · RCD tripped")
        await expect(tab.locator("#connection")).to_contain_text("online since")
        await expect(tab.locator("#last-seen")).to_contain_text("CET")  # the browser's zone, Berlin
        # Status comes before everything else; the edit form is not there for a viewer.
        sections = await tab.locator("main section").evaluate_all("els => els.map(e => e.id)")
        assert sections[0] == "status" and "actions" not in sections and sections[-1] == "station"
        assert await tab.locator("form#edit").count() == 0
        await expect(tab.locator("#chart h2")).to_contain_text("Running session")
        points = await tab.locator("#chart polyline.power").get_attribute("points")
        assert points is not None and len(points.split()) == 2
        await expect(tab.locator("#sessions tbody")).to_contain_text("running")
        configuration = tab.locator("#configuration")
        await expect(configuration.locator("tr", has_text="MeterValueSampleInterval")).to_contain_text(
            "Accepted"
        )
        await expect(tab.locator("#firmware")).to_contain_text("Installed")
        await expect(tab.locator("#security")).to_contain_text("TamperDetectionActivated")
        await expect(tab.locator("#security")).to_contain_text("lid opened")
        await expect(tab.locator("#log")).to_contain_text("StartTransaction")
        await expect(tab.locator("#log tr", has_text="StartTransaction").locator(".result")).to_contain_text(
            "Accepted"
        )

        await stop_tx(charger, tx, 15_000, "LIVE-TAG")
        await tab.goto(srv.http_url + f"/ui/transactions/{tx}")
        await expect(tab.locator("#energy")).to_contain_text("5.000 kWh")
        await expect(tab.locator("#readings tbody tr")).to_have_count(2)
        await expect(tab.locator("#readings tbody tr").last).to_contain_text("14.500")
        await expect(tab.locator("#chart polyline.energy")).to_have_count(1)
        await expect(tab.locator("#cost")).to_contain_text("no payment")


async def test_offline_charger_has_actions_disabled_with_the_reason(
    shared_server: RunningServer, tab: Any
) -> None:
    srv = shared_server
    await srv.add_charge_point("CP-GONE", name="Gone")
    async with connected(srv, "CP-GONE") as charger:
        await status(charger, 1, "Available")
    await login(tab, srv, OPERATOR, OPERATOR_PASSWORD)
    await tab.goto(srv.http_url + "/ui/chargepoints/CP-GONE")
    await expect(tab.locator("#connection")).to_contain_text("offline since")
    await expect(tab.locator("#offline-reason")).to_contain_text("The charger is offline")
    await expect(tab.get_by_role("button", name="Reset station")).to_be_disabled()
    await expect(tab.locator("#connector-1").get_by_role("button", name="Unlock")).to_be_disabled()
    await expect(tab.locator("form#edit")).to_be_visible()  # operators edit, last on the page


async def test_overview_counts_order_words_and_offline_since(shared_server: RunningServer, tab: Any) -> None:
    srv = shared_server
    for cp_id in ("OV-A", "OV-B", "OV-C", "OV-D"):
        await srv.add_charge_point(cp_id, name=cp_id)
    begun = datetime.now(UTC) - timedelta(hours=1)
    async with srv.services.db.begin() as db:  # offline with a session still open
        db.add(Transaction(charge_point_id="OV-D", connector_id=1, start_time=begun, meter_start=0.0))
    async with connected(srv, "OV-A") as a, connected(srv, "OV-B") as b, connected(srv, "OV-C") as c:
        await status(a, 1, "Available")
        await status(b, 1, "SuspendedEV")
        await status(c, 1, "Faulted", "GroundFailure")
        await login(tab, srv)
        await tab.goto(srv.http_url + "/?q=OV-")
        tiles = tab.locator("[data-tile]")
        await expect(tiles).to_have_count(4)
        labels = await tiles.evaluate_all("els => els.map(e => e.dataset.tile)")
        assert labels[:2] == ["OV-C", "OV-D"], labels  # faulted, then offline with a session open
        await expect(tab.locator("[data-tile='OV-B'] .ocpp")).to_have_text("Paused by the car")
        await expect(tab.locator("[data-tile='OV-B'] .ocpp")).to_have_attribute("title", "OCPP: SuspendedEV")
        await expect(tab.locator("[data-tile='OV-C']")).to_contain_text("GroundFailure")
        await expect(tab.locator("[data-tile='OV-D'] .since")).to_contain_text("since")
        fault = int(await tab.locator("[data-count=fault] strong").inner_text())
        assert fault >= 1
        await tab.goto(srv.http_url + "/?state=fault&q=OV-")
        await expect(tiles).to_have_count(1)
        await tab.goto(srv.http_url + "/ui/messages")
        anomaly = tab.locator(".anomalies li", has_text="OV-D")
        await expect(anomaly).to_contain_text("offline with transaction")
        await expect(anomaly).to_contain_text("CET")  # when it started, in the reader's zone
        await expect(tab.locator(".anomalies li", has_text="OV-C")).to_contain_text("faulted (GroundFailure)")


async def test_remote_start_offers_usable_tags_and_shows_the_refusal(
    shared_server: RunningServer, tab: Any
) -> None:
    srv = shared_server
    await srv.add_charge_point("CP-RS", name="Kerb")
    await srv.add_tag("RS-OK", name="Works")
    await srv.add_tag("RS-BLOCKED", blocked=True)
    await srv.add_tag("RS-OLD", expiry=datetime.now(UTC) - timedelta(days=3))
    async with connected(srv, "CP-RS") as charger:
        await status(charger, 1, "Available")
        await login(tab, srv, OPERATOR, OPERATOR_PASSWORD)
        await tab.goto(srv.http_url + "/ui/chargepoints/CP-RS")
        connector = tab.locator("#connector-1")
        await expect(connector.locator("option[value=RS-BLOCKED]")).to_be_disabled()
        await expect(connector.locator("option[value=RS-BLOCKED]")).to_contain_text("(blocked)")
        await expect(connector.locator("option[value=RS-OLD]")).to_be_disabled()
        await expect(connector.locator("option[value=RS-OLD]")).to_contain_text("(expired)")
        options = await connector.locator("select[name=tag] option").evaluate_all(
            "els => els.map(e => [e.value, e.disabled])"
        )
        usable = [value for value, disabled in options if not disabled]
        assert "RS-OK" in usable and "RS-BLOCKED" not in usable and "RS-OLD" not in usable
        assert options == sorted(options, key=lambda o: o[1])  # the usable ones first

        await connector.get_by_label("Tag for connector 1").select_option("RS-OK")
        await connector.get_by_role("button", name="Start transaction").click()
        await expect(tab.locator("#command-result")).to_contain_text("Accepted")
        outcome = tab.locator("#start-outcome")
        await expect(outcome).to_contain_text("Waiting for the charger")
        # The tag is blocked before the charger starts: the server refuses its StartTransaction.
        async with srv.services.db.begin() as db:
            tag = await db.get(ChargeTag, "RS-OK")
            assert tag is not None
            tag.blocked = True
        await start_tx(charger, 1, "RS-OK", 0)
        await expect(outcome.locator("[data-outcome=refused]")).to_be_visible(timeout=10_000)
        await expect(outcome).to_contain_text("StartTransaction")
        await expect(outcome.locator("li").last).to_contain_text("Blocked")

        # A blocked tag posted anyway (an old page, a crafted form) is never sent to the charger.
        await tab.goto(srv.http_url + "/ui/chargepoints/CP-RS")
        token = await tab.locator("#connector-1 input[name=csrf_token]").first.get_attribute("value")
        answer = await tab.request.post(
            srv.http_url + "/ui/chargepoints/CP-RS/command",
            form={"csrf_token": token, "action": "start", "connector": "1", "tag": "RS-BLOCKED"},
        )
        assert "not sent, the tag is blocked" in await answer.text()
        assert charger.rec.actions().count("RemoteStartTransaction") == 1


async def test_reset_asks_soft_or_hard_and_confirms_a_running_session(
    shared_server: RunningServer, tab: Any
) -> None:
    srv = shared_server
    await srv.add_charge_point("CP-RESET")
    await srv.add_tag("RESET-TAG")
    async with connected(srv, "CP-RESET") as charger:
        await status(charger, 1, "Available")
        await login(tab, srv, OPERATOR, OPERATOR_PASSWORD)
        await tab.goto(srv.http_url + "/ui/chargepoints/CP-RESET")
        reset = tab.locator("#reset")
        await reset.get_by_role("button", name="Reset station").click()  # idle: no question, Soft
        await expect(tab.locator("#command-result")).to_contain_text("Reset (Soft) on the station: Accepted")
        assert charger.rec.last("Reset") == {"type": "Soft"}

        tx = await start_tx(charger, 1, "RESET-TAG", 0)
        await tab.goto(srv.http_url + "/ui/chargepoints/CP-RESET")
        await reset.get_by_label("Kind of reset").select_option("Hard")
        await reset.get_by_role("button", name="Reset station").click()
        await expect(tab.locator("main form")).to_contain_text(f"transaction {tx} on connector 1")
        await expect(tab.locator("main form")).to_contain_text("A Hard reset stops them at once.")
        assert charger.rec.actions().count("Reset") == 1  # nothing sent while asking
        await tab.get_by_role("button", name="Reset anyway").click()
        await expect(tab.locator("#command-result")).to_contain_text("Reset (Hard) on the station: Accepted")
        assert charger.rec.last("Reset") == {"type": "Hard"}

        charger.rec.answers["UnlockConnector"] = "UnlockFailed"
        await tab.locator("#connector-1").get_by_role("button", name="Unlock").click()
        await expect(tab.locator("#command-result")).to_contain_text("Unlock connector 1: UnlockFailed")
    await tab.locator("#connector-1").get_by_role("button", name="Unlock").click()  # page from before
    await expect(tab.locator("#command-result")).to_contain_text("Unlock connector 1: Offline — not sent")


async def test_remote_start_outcome_without_a_message_log(shared_browser: Any, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nolog.db'}"
    async with run_server(url, tmp_path, message_log="off") as srv:
        await add_user(srv, ADMIN, ADMIN_PASSWORD, "admin")
        await srv.add_charge_point("CP-NOLOG")
        await srv.add_tag("NOLOG-TAG")
        context = await shared_browser.new_context()
        try:
            tab = await context.new_page()
            async with connected(srv, "CP-NOLOG") as charger:
                await status(charger, 1, "Available")
                await login(tab, srv)
                await tab.goto(srv.http_url + "/ui/chargepoints/CP-NOLOG")
                await tab.locator("#connector-1").get_by_role("button", name="Start transaction").click()
                await expect(tab.locator("#start-outcome")).to_contain_text("Waiting for the charger")
                tx = await start_tx(charger, 1, "NOLOG-TAG", 0)
                started = tab.locator("#start-outcome [data-outcome=started]")
                await expect(started).to_be_visible(timeout=10_000)
                await expect(tab.locator("#start-outcome")).to_contain_text(f"#{tx}")
        finally:
            await context.close()


async def test_configuration_shows_the_variables_a_station_reported(
    shared_server: RunningServer, tab: Any
) -> None:
    srv = shared_server
    await srv.add_charge_point("CP-VARS")
    async with connected(srv, "CP-VARS", "ocpp2.0.1") as charger:
        await charger.call(
            call201.NotifyReport(
                request_id=1,
                generated_at=now(),
                seq_no=0,
                report_data=[
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                        "variable_attribute": [{"value": "300", "mutability": "ReadWrite"}],
                    },
                    {
                        "component": {"name": "EVSE", "evse": {"id": 1}},
                        "variable": {"name": "Power"},
                        "variable_attribute": [{"value": "22000", "mutability": "ReadOnly"}],
                    },
                ],
            )
        )
    await login(tab, srv, VIEWER, VIEWER_PASSWORD)
    await tab.goto(srv.http_url + "/ui/chargepoints/CP-VARS")
    configuration = tab.locator("#configuration")
    heartbeat = configuration.locator("tr", has_text="OCPPCommCtrlr.HeartbeatInterval")
    await expect(heartbeat).to_contain_text("300")
    await expect(heartbeat).to_contain_text("ReadWrite")
    await expect(configuration.locator("tr", has_text="EVSE[1].Power")).to_contain_text("22000")
