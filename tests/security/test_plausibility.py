"""Implausible meter data: stored as sent, flagged on the transaction (API JSON, CSV, UI list), and a
paid session with such data is held for an operator instead of being captured."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ocpp.v16 import call as call16
from sqlalchemy import select

from chargegrid.domain import plausibility
from chargegrid.domain.payments import reservation_id_tag
from chargegrid.store.models import Transaction
from tests.fakes.stripe_api import FakeStripe
from tests.payments.helpers import (
    ServerFactory,
    create,
    payment_settings,
    pi_of,
    session_of,
    status16,
    wait_state,
)
from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.ui.helpers import ADMIN, ADMIN_PASSWORD, add_user

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LIMITS = plausibility.Limits(max_kw=350, future_tolerance=timedelta(minutes=10))


def found(
    start: float,
    end: float,
    hours: float,
    *,
    stopped: bool = True,
    start_at: datetime = NOW - timedelta(hours=2),
) -> list[str]:
    return plausibility.problems(
        meter_start_kwh=start,
        meter_kwh=end,
        start_time=start_at,
        end_time=start_at + timedelta(hours=hours),
        stopped=stopped,
        now=NOW,
        limits=LIMITS,
    )


def test_the_rules() -> None:
    assert found(10, 50, 1) == []
    assert found(10, 360, 1) == []  # 350 kWh in an hour: the most a 350 kW connector can do
    assert found(0, -40, 1) == ["negative meter value", "energy below zero (-40.000 kWh)"]
    assert found(100, 60, 1) == ["energy below zero (-40.000 kWh)"]
    assert found(0, 5_000_000, 1) == ["5000000.000 kWh in 1.00 h is more than 350 kW can deliver"]
    assert found(0, 1, -1) == ["stop before start"]
    assert found(0, 1, 1, start_at=NOW + timedelta(days=1)) == ["timestamp in the future"]
    assert found(0, 1, 1, start_at=NOW + timedelta(minutes=5) - timedelta(hours=1)) == []  # within tolerance
    merged = plausibility.merge(
        "energy below zero (-1.000 kWh)", ["energy below zero (-40.000 kWh)", "stop before start"]
    )
    assert merged == "energy below zero (-40.000 kWh); stop before start"
    assert plausibility.merge(None, []) is None


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


async def _session(charger: object, start_wh: int, stop_wh: int, start: datetime, stop: datetime) -> int:
    started = await charger.call(
        call16.StartTransaction(connector_id=1, id_tag="TAG-P", meter_start=start_wh, timestamp=iso(start))
    )  # type: ignore[attr-defined]
    await charger.call(
        call16.StopTransaction(meter_stop=stop_wh, timestamp=iso(stop), transaction_id=started.transaction_id)
    )  # type: ignore[attr-defined]
    return int(started.transaction_id)


async def test_implausible_sessions_are_stored_as_sent_and_flagged_everywhere(server: RunningServer) -> None:
    await server.add_charge_point("CP-METER")
    await server.add_tag("TAG-P")
    await add_user(server, ADMIN, ADMIN_PASSWORD, "admin")
    now = datetime.now(UTC)
    async with connected(server, "CP-METER") as charger:
        hour = timedelta(hours=1)
        fine = await _session(charger, 1_000, 21_000, now - 2 * hour, now - hour)
        negative = await _session(charger, 0, -40_000, now - 3 * hour, now - 2 * hour)
        huge = await _session(charger, 0, 5_000_000_000, now - 4 * hour, now - 3 * hour)
        backwards = await _session(charger, 0, 1_000, now - 5 * hour, now - 6 * hour)
        future = await _session(charger, 0, 1_000, now + timedelta(days=1), now + timedelta(days=1, hours=1))
    async with server.services.db() as db:
        rows = {tx.id: tx for tx in (await db.scalars(select(Transaction))).all()}
    assert rows[negative].meter_stop == -40.0 and rows[huge].meter_stop == 5_000_000.0  # as sent
    assert rows[fine].implausible is None
    assert "energy below zero" in (rows[negative].implausible or "")
    assert "more than 350 kW can deliver" in (rows[huge].implausible or "")
    assert "stop before start" in (rows[backwards].implausible or "")
    assert "timestamp in the future" in (rows[future].implausible or "")

    async with server.api() as api:
        listed = {
            r["transactionId"]: r
            for r in (await api.get("/API/Transactions", params={"chargePointId": "CP-METER"})).json()
        }
        csv_text = (await api.get("/API/Transactions.csv", params={"chargePointId": "CP-METER"})).text
    assert listed[fine]["implausible"] is None and "energy below zero" in listed[negative]["implausible"]
    assert csv_text.splitlines()[0].endswith(",implausible") and "more than 350 kW can deliver" in csv_text

    async with server.api(headers={}) as browser:
        login = await browser.get("/ui/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        await browser.post(
            "/ui/login", data={"name": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": token.group(1)}
        )
        page = await browser.get("/ui/transactions", params={"cp": "CP-METER", "period": "365"})
        ui_csv = await browser.get("/ui/transactions.csv", params={"cp": "CP-METER", "period": "365"})
    assert page.status_code == 200 and page.text.count("⚠") == 4
    assert "stop before start" in page.text and "energy below zero" in page.text
    assert "Implausible" in ui_csv.text.splitlines()[0]


async def test_a_paid_session_with_implausible_energy_is_held_until_an_operator_decides(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    settings = {**payment_settings(fake_stripe), "security": {}}  # the default 350 kW cap
    async with server_factory(**settings) as srv, srv.api() as api:
        await srv.add_charge_point("PAYODD")
        await srv.add_tag("DRIVER")
        async with connected(srv, "PAYODD", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "PAYODD")).json()["reservationId"]
            session_id = session_of(fake_stripe, rid)["id"]
            fake_stripe.pay(session_id)
            await api.post(
                "/API/Payments/Confirm", json={"reservationId": rid, "checkoutSessionId": session_id}
            )
            now = datetime.now(UTC)
            started = await charger.call(
                call16.StartTransaction(
                    connector_id=1,
                    id_tag=reservation_id_tag(rid),
                    meter_start=0,
                    timestamp=iso(now - timedelta(seconds=60)),
                )
            )
            await wait_state(srv, api, rid, "Charging")
            # 20 kWh in one minute: 1,200 kW, beyond any connector.
            await charger.call(
                call16.StopTransaction(
                    meter_stop=20_000, timestamp=iso(now), transaction_id=started.transaction_id
                )
            )

        async def held() -> bool:
            view = (await api.get(f"/API/Payments/{rid}")).json()
            return view["settlementPending"] == "held"

        await srv.wait_for(held)
        view = (await api.get(f"/API/Payments/{rid}")).json()
        assert view["state"] == "Charging" and "implausible meter data" in view["captureError"]
        pi_id = pi_of(fake_stripe, rid)["id"]
        assert not fake_stripe.requests_to(f"/v1/payment_intents/{pi_id}/capture")
        assert (await api.post(f"/API/Payments/{rid}/Release")).status_code == 200
        done = await wait_state(srv, api, rid, "Completed")
        assert done["amountCapturedCents"] == 0 and done["settlementPending"] is None
        assert pi_of(fake_stripe, rid)["status"] == "canceled"
        assert not fake_stripe.requests_to(f"/v1/payment_intents/{pi_id}/capture")
        again = await api.post(f"/API/Payments/{rid}/Settle")
        assert again.status_code == 409 and again.json()["status"] == "NotHeld"
