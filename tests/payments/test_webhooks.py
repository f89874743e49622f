"""Stripe's webhook: signatures checked, each event applied once, reservations never moved backwards."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from sqlalchemy import func, select

from chargegrid.store.models import ChargeTag
from chargegrid.store.payment_models import ProcessedWebhookEvent
from tests.fakes.stripe_api import FakeStripe
from tests.payments.helpers import (
    SECRET,
    ServerFactory,
    create,
    paid_server,
    pi_of,
    reservation,
    session_of,
    status16,
)
from tests.support.chargers import connected
from tests.support.server import RunningServer


async def deliver(api: httpx.AsyncClient, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"Stripe-Signature": signature} if signature is not None else {}
    # No X-API-Key: Stripe does not have one.
    return await api.post("/API/Payments/Webhook", content=body, headers={**headers, "X-API-Key": ""})


async def _count(srv: RunningServer, model: Any, *where: Any) -> int:
    async with srv.services.db() as db:
        return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_bad_missing_and_stale_signatures_are_refused(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        obj = {"id": "cs_test_x", "object": "checkout.session", "metadata": {"reservation_id": "r"}}
        body, good = fake_stripe.signed_event("checkout.session.completed", obj, SECRET)
        _, wrong = fake_stripe.signed_event("checkout.session.completed", obj, "whsec_not_ours")
        stale_body, stale = fake_stripe.signed_event(
            "checkout.session.completed", obj, SECRET, int(time.time()) - 600
        )
        for sent_body, signature, reason in (
            (body, None, "missing"),
            (body, wrong, "invalid"),
            (body.replace(b"cs_test_x", b"cs_test_y"), good, "invalid"),  # tampered
            (stale_body, stale, "stale"),
        ):
            answer = await deliver(api, sent_body, signature)
            assert answer.status_code == 400, reason
            assert reason in answer.json()["message"]
            assert SECRET not in answer.text
        assert await _count(srv, ProcessedWebhookEvent) == 0
        assert (await deliver(api, body, good)).status_code == 200  # unknown reservation: acknowledged


async def test_a_good_event_is_applied_once_even_when_delivered_twice(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("HOOK2")
        await srv.add_tag("DRIVER")
        async with connected(srv, "HOOK2", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "HOOK2")).json()["reservationId"]
            session = fake_stripe.pay(session_of(fake_stripe, rid)["id"])
            body, signature = fake_stripe.signed_event(
                "checkout.session.completed", session, SECRET, event_id="evt_once"
            )
            first, second = await asyncio.gather(deliver(api, body, signature), deliver(api, body, signature))
            assert {first.status_code, second.status_code} == {200}
            assert sorted([first.json()["duplicate"], second.json()["duplicate"]]) == [False, True]
            third = await deliver(api, body, signature)
            assert third.json() == {"received": True, "duplicate": True}

            view = await reservation(api, rid)
            assert (view["state"], view["amountAuthorizedCents"]) == ("Authorized", 3970)
            assert await _count(srv, ProcessedWebhookEvent, ProcessedWebhookEvent.event_id == "evt_once") == 1
            assert await _count(srv, ChargeTag, ChargeTag.parent_tag_id == "DRIVER") == 1


async def test_out_of_order_events_do_not_move_a_reservation_backwards(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("HOOK3")
        await srv.add_tag("DRIVER")
        async with connected(srv, "HOOK3", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "HOOK3")).json()["reservationId"]
            session_id = session_of(fake_stripe, rid)["id"]
            fake_stripe.decline(session_id)
            failed = fake_stripe.events[-1]["data"]["object"]
            assert (
                await deliver(api, *fake_stripe.signed_event("payment_intent.payment_failed", failed, SECRET))
            ).status_code == 200
            view = await reservation(api, rid)
            assert view["state"] == "PendingPayment" and "payment attempt failed" in view["reason"]

            paid = fake_stripe.pay(session_id)
            await deliver(api, *fake_stripe.signed_event("checkout.session.completed", paid, SECRET))
            # A stale "expired" (say, from an earlier attempt) arrives late: the payment stands.
            stale = {**paid, "status": "expired"}
            await deliver(api, *fake_stripe.signed_event("checkout.session.expired", stale, SECRET))
            assert (await reservation(api, rid))["state"] == "Authorized"

            # Cancelled at Stripe (e.g. in the dashboard): the reservation follows, and a late completed
            # event does not bring it back.
            pi = pi_of(fake_stripe, rid)
            await deliver(
                api,
                *fake_stripe.signed_event("payment_intent.canceled", {**pi, "status": "canceled"}, SECRET),
            )
            assert (await reservation(api, rid))["state"] == "Cancelled"
            await deliver(api, *fake_stripe.signed_event("checkout.session.completed", paid, SECRET))
            assert (await reservation(api, rid))["state"] == "Cancelled"


async def test_payment_arriving_after_a_cancel_is_released(
    server_factory: ServerFactory, fake_stripe: FakeStripe
) -> None:
    async with paid_server(server_factory, fake_stripe) as srv, srv.api() as api:
        await srv.add_charge_point("HOOK4")
        await srv.add_tag("DRIVER")
        async with connected(srv, "HOOK4", "ocpp1.6") as charger:
            await status16(charger, "Available")
            rid = (await create(api, "HOOK4")).json()["reservationId"]
            session_id = session_of(fake_stripe, rid)["id"]
            fake_stripe.set_outage(True)  # the cancel cannot reach Stripe: the session stays open
            await api.post("/API/Payments/Cancel", json={"reservationId": rid, "reason": "gone"})
            view = await reservation(api, rid)
            assert (view["state"], view["settlementPending"]) == ("Cancelled", "release")
            assert view["captureError"]
            paid = fake_stripe.pay(session_id)  # ... and the customer pays meanwhile
            fake_stripe.set_outage(False)
            await deliver(api, *fake_stripe.signed_event("checkout.session.completed", paid, SECRET))
            await srv.wait_for(lambda: pi_of(fake_stripe, rid)["status"] == "canceled")

            async def released() -> bool:
                return (await reservation(api, rid))["settlementPending"] is None

            await srv.wait_for(released)
            view = await reservation(api, rid)
            assert (view["state"], view["amountCapturedCents"]) == ("Cancelled", 0)
