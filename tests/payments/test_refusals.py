"""What the payment flow refuses: disabled payments, offline and busy chargers, bad tags, confirming an
unpaid, foreign or cancelled session; and cancelling before and after the card was authorised."""

from __future__ import annotations

from ocpp.v16 import call as call16

from chargegrid.domain.payments import reservation_id_tag
from tests.fakes.stripe_api import FakeStripe
from tests.payments.helpers import (
    SECRET,
    ServerFactory,
    create,
    now,
    paid_server,
    pi_of,
    reservation,
    session_of,
    status16,
    status201,
    wait_state,
)
from tests.support.chargers import connected


async def test_payments_off_without_a_stripe_key(server_factory: ServerFactory) -> None:
    async with server_factory() as srv, srv.api() as api:
        answer = await create(api, "ANY")
        assert answer.status_code == 503
        assert "CHARGEGRID_STRIPE__API_KEY" in answer.json()["message"]


async def test_api_key_is_required_except_for_the_webhook(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with (
        paid_server(server_factory, fake_stripe) as srv,
        srv.api(headers={"X-API-Key": "wrong"}) as api,
    ):
        assert (await create(api, "ANY")).status_code == 401
        assert (await api.get("/API/Payments/whatever")).status_code == 401
        webhook = await api.post("/API/Payments/Webhook", content=b"{}")
        assert webhook.status_code == 400  # no signature, but no API key asked for


async def test_offline_busy_and_unknown_are_refused(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("OFF")
        await srv.add_charge_point("BUSY16")
        await srv.add_charge_point("BUSY201")
        await srv.add_tag("DRIVER")
        await srv.add_tag("BLOCKED", blocked=True)
        answer = await create(api, "OFF")
        assert answer.status_code == 404 and "offline" in answer.json()["message"]
        assert (await create(api, "NOSUCH")).status_code == 404
        async with (
            connected(srv, "BUSY16", "ocpp1.6") as c16,
            connected(srv, "BUSY201", "ocpp2.0.1") as c201,
        ):
            assert (await create(api, "BUSY16")).status_code == 409  # status never reported
            for status in ("Charging", "SuspendedEV", "Faulted", "Unavailable", "Reserved"):
                await status16(c16, status)
                answer = await create(api, "BUSY16")
                assert answer.status_code == 409 and status in answer.json()["message"], status
            await status201(c201, "Unavailable")
            assert (await create(api, "BUSY201")).status_code == 409
            await status201(c201, "Faulted")
            assert (await create(api, "BUSY201")).status_code == 409

            # A running transaction makes the connector busy whatever its status says.
            await status16(c16, "Available")
            await c16.call(
                call16.StartTransaction(connector_id=1, id_tag="DRIVER", meter_start=0, timestamp=now())
            )
            answer = await create(api, "BUSY16")
            assert answer.status_code == 409 and "transaction" in answer.json()["message"]

            # Already reserved by another payment.
            await status16(c16, "Preparing", connector=2)
            assert (await create(api, "BUSY16", connector=2)).status_code == 200
            answer = await create(api, "BUSY16", connector=2)
            assert answer.status_code == 409 and "reserved" in answer.json()["message"]

            # Tags.
            await status16(c16, "Available", connector=3)
            assert (await create(api, "BUSY16", connector=3, tag="NOBODY")).status_code == 403
            assert (await create(api, "BUSY16", connector=3, tag="BLOCKED")).status_code == 403
        assert len(fake_stripe.sessions) == 1  # only the one accepted reservation reached Stripe


async def test_confirm_of_unpaid_foreign_or_cancelled_sessions_is_refused(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("CONF")
        await srv.add_tag("DRIVER")
        async with connected(srv, "CONF", "ocpp1.6") as charger:
            await status16(charger, "Available", 1)
            await status16(charger, "Available", 2)
            mine = (await create(api, "CONF", 1)).json()["reservationId"]
            other = (await create(api, "CONF", 2)).json()["reservationId"]
            my_session, other_session = (
                session_of(fake_stripe, mine)["id"],
                session_of(fake_stripe, other)["id"],
            )

            def confirm(rid: str, sid: str):  # type: ignore[no-untyped-def]
                return api.post(
                    "/API/Payments/Confirm", json={"reservationId": rid, "checkoutSessionId": sid}
                )

            unpaid = await confirm(mine, my_session)
            assert unpaid.status_code == 402 and unpaid.json()["status"] == "NotPaid"

            fake_stripe.pay(other_session)
            foreign = await confirm(mine, other_session)  # somebody else's paid session
            assert foreign.status_code == 409 and foreign.json()["status"] == "Mismatch"
            assert (await confirm("no-such-reservation", my_session)).status_code == 404

            cancelled = await api.post(
                "/API/Payments/Cancel", json={"reservationId": mine, "reason": "changed my mind"}
            )
            assert cancelled.json()["status"] == "Cancelled"
            assert (await confirm(mine, my_session)).status_code == 409
            assert not any(a == "RemoteStartTransaction" for a, _ in charger.rec.received)


async def test_cancel_before_authorisation_expires_the_checkout_session(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("CANC1")
        await srv.add_tag("DRIVER")
        async with connected(srv, "CANC1", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "CANC1")).json()["reservationId"]
            answer = await api.post(
                "/API/Payments/Cancel", json={"reservationId": rid, "reason": "checkout_cancelled"}
            )
            assert answer.status_code == 200
            view = answer.json()["reservation"]
            assert (view["state"], view["reason"], view["settlementPending"]) == (
                "Cancelled",
                "checkout_cancelled",
                None,
            )
            assert session_of(fake_stripe, rid)["status"] == "expired"
            # The connector is free again.
            assert (await create(api, "CANC1")).status_code == 200


async def test_cancel_after_authorisation_releases_the_hold(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("CANC2")
        await srv.add_tag("DRIVER")
        async with connected(srv, "CANC2", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "CANC2")).json()["reservationId"]
            session = fake_stripe.pay(session_of(fake_stripe, rid)["id"])
            # Stripe tells us about the payment; the customer has not come back yet.
            body, signature = fake_stripe.signed_event("checkout.session.completed", session, SECRET)
            hook = await api.post(
                "/API/Payments/Webhook", content=body, headers={"Stripe-Signature": signature}
            )
            assert hook.status_code == 200, hook.text
            assert (await reservation(api, rid))["state"] == "Authorized"

            answer = await api.post(
                "/API/Payments/Cancel", json={"reservationId": rid, "reason": "driver left"}
            )
            assert answer.json()["status"] == "Cancelled"
            assert pi_of(fake_stripe, rid)["status"] == "canceled"
            view = await reservation(api, rid)
            assert (view["amountCapturedCents"], view["settlementPending"]) == (0, None)
            # The reservation's tag no longer works, and the reservation cannot be confirmed.
            tag = reservation_id_tag(rid)
            assert (await charger.call(call16.Authorize(id_tag=tag))).id_tag_info["status"] == "Blocked"
            confirm = await api.post(
                "/API/Payments/Confirm", json={"reservationId": rid, "checkoutSessionId": session["id"]}
            )
            assert confirm.status_code == 409


async def test_paid_but_never_confirmed_starts_after_the_grace_period(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe, confirm_grace_seconds=0) as srv, srv.api() as api:
        await srv.add_charge_point("GRACE")
        await srv.add_tag("DRIVER")
        async with connected(srv, "GRACE", "ocpp1.6") as charger:
            await status16(charger, "Preparing")
            rid = (await create(api, "GRACE")).json()["reservationId"]
            session = fake_stripe.pay(session_of(fake_stripe, rid)["id"])
            body, signature = fake_stripe.signed_event("checkout.session.completed", session, SECRET)
            await api.post("/API/Payments/Webhook", content=body, headers={"Stripe-Signature": signature})
            view = await wait_state(srv, api, rid, "StartRequested")
            await srv.wait_for(lambda: any(a == "RemoteStartTransaction" for a, _ in charger.rec.received))
            assert charger.rec.last("RemoteStartTransaction")["id_tag"] == reservation_id_tag(rid)
            assert view["amountAuthorizedCents"] == 3970
