"""The whole paid session, end to end: reserve → pay → confirm → remote start → charge → stop → capture,
with a real 1.6 and 2.0.1 charger, the real server and the Stripe stand-in."""

from __future__ import annotations

from ocpp.v16 import call as call16

from chargegrid.domain.payments import reservation_id_tag
from tests.fakes.stripe_api import FakeStripe
from tests.payments.helpers import (
    RETURN_BASE,
    ServerFactory,
    create,
    now,
    paid_server,
    pi_of,
    reservation,
    session_of,
    status16,
    status201,
    tx_event201,
    wait_state,
)
from tests.support.chargers import connected


async def test_paid_session_on_a_16_charger_captures_exactly_the_energy_used(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("PAY16")
        await srv.add_tag("DRIVER")
        async with connected(srv, "PAY16", "ocpp1.6") as charger:
            await status16(charger, "Preparing")  # the driver plugged in first

            # A client-sent amount is ignored: the hold is computed on the server.
            created = await create(api, "PAY16", maxAmountCents=1, maxEnergyKwh=1000)
            assert created.status_code == 200, created.text
            body = created.json()
            rid = body["reservationId"]
            # 80 kWh x 0.49 = 39.20, + 0.50 fee
            assert body == {
                "status": "Redirect",
                "checkoutUrl": session_of(fake_stripe, rid)["url"],
                "reservationId": rid,
                "currency": "eur",
                "maxAmountCents": 3970,
                "maxEnergyKwh": 80,
            }
            [request] = fake_stripe.requests_to("/v1/checkout/sessions", "POST")
            form = dict(request.form)
            assert form["line_items[0][price_data][unit_amount]"] == "3970"
            assert form["payment_intent_data[capture_method]"] == "manual"
            assert form["metadata[reservation_id]"] == rid
            assert form["success_url"].startswith(f"{RETURN_BASE}/success?reservationId={rid}")
            assert form["cancel_url"] == f"{RETURN_BASE}/cancel?reservationId={rid}"
            assert request.idempotency_key and rid in request.idempotency_key
            assert (await reservation(api, rid))["state"] == "PendingPayment"

            session_id = session_of(fake_stripe, rid)["id"]
            fake_stripe.pay(session_id)
            confirmed = await api.post(
                "/API/Payments/Confirm", json={"reservationId": rid, "checkoutSessionId": session_id}
            )
            assert confirmed.json() == {"status": "Accepted"}, confirmed.text
            tag = reservation_id_tag(rid)
            start = charger.rec.last("RemoteStartTransaction")
            assert start == {"id_tag": tag, "connector_id": 1}

            # The charger authorises the reservation's tag and starts with it.
            assert (await charger.call(call16.Authorize(id_tag=tag))).id_tag_info["status"] == "Accepted"
            started = await charger.call(
                call16.StartTransaction(connector_id=1, id_tag=tag, meter_start=1000, timestamp=now())
            )
            assert started.id_tag_info["status"] == "Accepted"
            charging = await wait_state(srv, api, rid, "Charging")
            assert charging["transactionId"] == started.transaction_id
            assert charging["amountAuthorizedCents"] == 3970

            await charger.call(
                call16.MeterValues(
                    connector_id=1,
                    transaction_id=started.transaction_id,
                    meter_value=[{"timestamp": now(), "sampled_value": [{"value": "7000", "unit": "Wh"}]}],
                )
            )
            stop = call16.StopTransaction(
                meter_stop=13345, timestamp=now(), transaction_id=started.transaction_id, id_tag=tag
            )
            await charger.call(stop)
            done = await wait_state(srv, api, rid, "Completed")
            # 12.345 kWh x 0.49 = 6.04905 -> 605 cents, + 50 fee
            assert (done["energyKwh"], done["amountCapturedCents"], done["settlementPending"]) == (
                12.345,
                655,
                None,
            )
            assert pi_of(fake_stripe, rid)["amount_received"] == 655

            # A repeated StopTransaction never captures twice; the tag cannot start anything any more.
            await charger.call(stop)
            assert (await charger.call(call16.Authorize(id_tag=tag))).id_tag_info["status"] == "Blocked"
            captures = fake_stripe.requests_to("/v1/payment_intents/", "POST")
            assert [r.path.rsplit("/", 1)[1] for r in captures] == ["capture"]
            assert dict(captures[0].form) == {"amount_to_capture": "655"}
            assert (await reservation(api, rid))["amountCapturedCents"] == 655


async def test_paid_session_on_a_201_charger_with_prices_of_the_charge_point(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("PAY201", price_per_kwh=0.3, max_session_kwh=40, session_fee=0)
        await srv.add_tag("DRIVER")
        async with connected(srv, "PAY201", "ocpp2.0.1") as charger:
            await status201(charger, "Occupied")  # plugged in, no transaction yet
            body = (await create(api, "PAY201")).json()
            rid = body["reservationId"]
            assert (body["maxAmountCents"], body["maxEnergyKwh"]) == (1200, 40)

            session_id = session_of(fake_stripe, rid)["id"]
            fake_stripe.pay(session_id)
            confirmed = await api.post(
                "/API/Payments/Confirm", json={"reservationId": rid, "checkoutSessionId": session_id}
            )
            assert confirmed.json() == {"status": "Accepted"}
            start = charger.rec.last("RequestStartTransaction")
            assert start["id_token"] == {"id_token": reservation_id_tag(rid), "type": "Central"}
            assert start["evse_id"] == 1

            tag, remote_id = reservation_id_tag(rid), start["remote_start_id"]
            answer = await tx_event201(charger, "Started", 0, tag, remote_id, 2000, "Transaction.Begin")
            assert answer.id_token_info["status"] == "Accepted"
            await wait_state(srv, api, rid, "Charging")
            await tx_event201(charger, "Ended", 1, tag, remote_id, 9999, "Transaction.End")
            done = await wait_state(srv, api, rid, "Completed")
            # 7.999 kWh x 0.30 = 2.3997 -> 240 cents
            assert (done["energyKwh"], done["amountCapturedCents"]) == (7.999, 240)
            assert pi_of(fake_stripe, rid)["amount_received"] == 240


async def test_server_stops_at_the_paid_energy_and_never_captures_above_the_hold(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe, max_session_kwh=10) as srv, srv.api() as api:
        await srv.add_charge_point("PAYMAX")
        await srv.add_tag("DRIVER")
        async with connected(srv, "PAYMAX", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "PAYMAX")).json()["reservationId"]
            session_id = session_of(fake_stripe, rid)["id"]
            fake_stripe.pay(session_id)
            await api.post(
                "/API/Payments/Confirm", json={"reservationId": rid, "checkoutSessionId": session_id}
            )
            tag = reservation_id_tag(rid)
            started = await charger.call(
                call16.StartTransaction(connector_id=1, id_tag=tag, meter_start=0, timestamp=now())
            )
            await wait_state(srv, api, rid, "Charging")
            await charger.call(
                call16.MeterValues(
                    connector_id=1,
                    transaction_id=started.transaction_id,
                    meter_value=[{"timestamp": now(), "sampled_value": [{"value": "10000", "unit": "Wh"}]}],
                )
            )
            await srv.wait_for(lambda: any(a == "RemoteStopTransaction" for a, _ in charger.rec.received))
            assert charger.rec.last("RemoteStopTransaction") == {"transaction_id": started.transaction_id}
            # The car drew a little more before it stopped: still only the hold (10 x 0.49 + 0.50).
            await charger.call(
                call16.StopTransaction(
                    meter_stop=10400, timestamp=now(), transaction_id=started.transaction_id
                )
            )
            done = await wait_state(srv, api, rid, "Completed")
            assert done["amountCapturedCents"] == done["amountAuthorizedCents"] == 540
            assert pi_of(fake_stripe, rid)["amount_received"] == 540


async def test_capture_during_a_stripe_outage_is_retried_and_shown(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("PAYOUT")
        await srv.add_tag("DRIVER")
        async with connected(srv, "PAYOUT", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "PAYOUT")).json()["reservationId"]
            session_id = session_of(fake_stripe, rid)["id"]
            fake_stripe.pay(session_id)
            await api.post(
                "/API/Payments/Confirm", json={"reservationId": rid, "checkoutSessionId": session_id}
            )
            tag = reservation_id_tag(rid)
            started = await charger.call(
                call16.StartTransaction(connector_id=1, id_tag=tag, meter_start=0, timestamp=now())
            )
            await wait_state(srv, api, rid, "Charging")
            fake_stripe.set_outage(True)
            await charger.call(
                call16.StopTransaction(
                    meter_stop=5000, timestamp=now(), transaction_id=started.transaction_id
                )
            )

            async def noted() -> bool:
                view = await reservation(api, rid)
                return bool(view["captureAttempts"] >= 2 and view["captureError"])

            await srv.wait_for(noted, timeout=10)
            view = await reservation(api, rid)
            assert (view["state"], view["settlementPending"], view["finalAmountCents"]) == (
                "Charging",
                "capture",
                295,
            )
            fake_stripe.set_outage(False)
            done = await wait_state(srv, api, rid, "Completed")
            assert (done["amountCapturedCents"], done["captureError"]) == (295, None)
            assert pi_of(fake_stripe, rid)["amount_received"] == 295


async def test_zero_energy_releases_the_hold_instead_of_capturing(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe, session_fee=0) as srv, srv.api() as api:
        await srv.add_charge_point("PAYZERO")
        await srv.add_tag("DRIVER")
        async with connected(srv, "PAYZERO", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "PAYZERO")).json()["reservationId"]
            session_id = session_of(fake_stripe, rid)["id"]
            fake_stripe.pay(session_id)
            await api.post(
                "/API/Payments/Confirm", json={"reservationId": rid, "checkoutSessionId": session_id}
            )
            tag = reservation_id_tag(rid)
            started = await charger.call(
                call16.StartTransaction(connector_id=1, id_tag=tag, meter_start=500, timestamp=now())
            )
            await wait_state(srv, api, rid, "Charging")
            await charger.call(
                call16.StopTransaction(meter_stop=500, timestamp=now(), transaction_id=started.transaction_id)
            )
            done = await wait_state(srv, api, rid, "Completed")
            assert done["amountCapturedCents"] == 0
            assert pi_of(fake_stripe, rid)["status"] == "canceled"
            assert not fake_stripe.requests_to(f"/v1/payment_intents/{pi_of(fake_stripe, rid)['id']}/capture")


async def test_charger_rejecting_the_start_releases_the_hold(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("PAYREJ")
        await srv.add_tag("DRIVER")
        async with connected(srv, "PAYREJ", "ocpp1.6") as charger:
            await status16(charger, "Available")
            charger.rec.answers["RemoteStartTransaction"] = "Rejected"
            rid = (await create(api, "PAYREJ")).json()["reservationId"]
            session_id = session_of(fake_stripe, rid)["id"]
            fake_stripe.pay(session_id)
            answer = await api.post(
                "/API/Payments/Confirm", json={"reservationId": rid, "checkoutSessionId": session_id}
            )
            assert answer.json() == {"status": "Rejected"}
            view = await reservation(api, rid)
            assert (view["state"], view["chargerStatus"]) == ("StartRejected", "Rejected")
            assert "Rejected" in view["reason"]
            assert pi_of(fake_stripe, rid)["status"] == "canceled"
            # The connector can be paid for again.
            assert (await create(api, "PAYREJ")).status_code == 200


async def test_payment_window_expiry_expires_the_checkout_session(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with (
        paid_server(server_factory, fake_stripe, pending_timeout_minutes=0.005) as srv,
        srv.api() as api,
    ):
        await srv.add_charge_point("PAYEXP")
        await srv.add_tag("DRIVER")
        async with connected(srv, "PAYEXP", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "PAYEXP")).json()["reservationId"]
            view = await wait_state(srv, api, rid, "Expired")
            assert "payment window" in view["reason"]
            await srv.wait_for(lambda: session_of(fake_stripe, rid)["status"] == "expired")
