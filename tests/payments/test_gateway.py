"""The Stripe gateway against the local Stripe stand-in (real HTTP, Stripe's wire format)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from chargegrid.payments.gateway import (
    PaymentGatewayError,
    StripeGateway,
    WebhookSignatureError,
    capture_idempotency_key,
    checkout_idempotency_key,
)
from tests.fakes.stripe_api import FakeStripe

RID = "3f2c8a4e-9b1d-4c6f-8e2a-7d5b1c0e9f43"
SECRET = "whsec_test_chargegrid"
OK_URL = "https://csms.example/pay/return?reservation=" + RID
CANCEL_URL = "https://csms.example/pay/cancel?reservation=" + RID


async def _create(gateway: StripeGateway, rid: str = RID, amount: int = 3920) -> str:
    session = await gateway.create_checkout_session(
        rid, amount, "Charging at station42/1", OK_URL, CANCEL_URL
    )
    return session.id


async def _authorised_pi(gateway: StripeGateway, fake: FakeStripe) -> str:
    session_id = await _create(gateway)
    fake.pay(session_id)
    info = await gateway.retrieve_checkout_session(session_id)
    assert info.payment_intent_id is not None
    return info.payment_intent_id


# ------------------------------------------------------------------ checkout
async def test_create_sends_a_manual_capture_session_for_the_reservation(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    session = await gateway.create_checkout_session(RID, 3920, "Charging at station42/1", OK_URL, CANCEL_URL)

    assert session.id.startswith("cs_test_")
    assert session.url.startswith("https://checkout.stripe.com/")
    [req] = fake_stripe.requests_to("/v1/checkout/sessions", "POST")
    assert req.idempotency_key == checkout_idempotency_key(RID)
    assert req.headers["Authorization"] == f"Bearer {fake_stripe.api_key}"
    form = dict(req.form)
    assert form["mode"] == "payment"
    assert form["payment_intent_data[capture_method]"] == "manual"
    assert form["line_items[0][price_data][unit_amount]"] == "3920"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][quantity]"] == "1"
    assert form["metadata[reservation_id]"] == RID
    assert form["payment_intent_data[metadata][reservation_id]"] == RID
    assert form["success_url"] == OK_URL and form["cancel_url"] == CANCEL_URL
    assert len(req.params["line_items"]) == 1


async def test_create_is_idempotent_per_reservation(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    first = await _create(gateway)
    again = await _create(gateway)
    assert first == again
    assert len(fake_stripe.sessions) == 1
    assert fake_stripe.requests_to("/v1/checkout/sessions", "POST")[1].replayed


async def test_create_with_another_amount_for_the_same_reservation_is_rejected(
    gateway: StripeGateway,
) -> None:
    await _create(gateway, amount=3920)
    with pytest.raises(PaymentGatewayError) as exc:
        await _create(gateway, amount=4000)
    assert exc.value.kind == "rejected"


async def test_open_session_does_not_authorise(gateway: StripeGateway) -> None:
    info = await gateway.retrieve_checkout_session(await _create(gateway))
    assert (info.status, info.payment_status, info.payment_intent_id, info.pi_status) == (
        "open",
        "unpaid",
        None,
        None,
    )
    assert info.amount_total == 3920 and info.amount_capturable == 0
    assert not info.authorises(RID, 3920)


async def test_paid_session_authorises_exactly_the_hold(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    session_id = await _create(gateway)
    fake_stripe.pay(session_id)

    info = await gateway.retrieve_checkout_session(session_id)

    assert (info.status, info.payment_status, info.pi_status) == ("complete", "unpaid", "requires_capture")
    assert info.payment_intent_id is not None and info.payment_intent_id.startswith("pi_")
    assert (info.amount, info.amount_capturable, info.reservation_id) == (3920, 3920, RID)
    assert info.authorises(RID, 3920)
    assert not info.authorises(RID, 3921)
    assert not info.authorises("another-reservation", 3920)
    [get] = [r for r in fake_stripe.requests_to("/v1/checkout/sessions/", "GET")][-1:]
    assert get.params["expand"] == ["payment_intent"]


# ------------------------------------------------------------------- capture
async def test_capture_exact_amount_once(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    pi_id = await _authorised_pi(gateway, fake_stripe)
    key = capture_idempotency_key(RID)

    captured = await gateway.capture(pi_id, 1234, key)
    again = await gateway.capture(pi_id, 1234, key)  # e.g. a repeated StopTransaction

    assert (captured.status, captured.amount_received, captured.amount_capturable) == ("succeeded", 1234, 0)
    assert again == captured
    reqs = fake_stripe.requests_to(f"/v1/payment_intents/{pi_id}/capture")
    assert [dict(r.form) for r in reqs] == [{"amount_to_capture": "1234"}] * 2
    assert [r.idempotency_key for r in reqs] == [key, key]
    assert [r.replayed for r in reqs] == [False, True]
    assert fake_stripe.payment_intents[pi_id]["amount_received"] == 1234


async def test_capture_more_than_the_hold_is_rejected(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    pi_id = await _authorised_pi(gateway, fake_stripe)
    with pytest.raises(PaymentGatewayError) as exc:
        await gateway.capture(pi_id, 3921, "k1")
    assert (exc.value.kind, exc.value.code, exc.value.http_status) == ("rejected", "amount_too_large", 400)


# ------------------------------------------------------------ cancel / expire
async def test_cancel_releases_the_hold(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    pi_id = await _authorised_pi(gateway, fake_stripe)

    released = await gateway.cancel_payment_intent(pi_id, "requested_by_customer")

    assert (released.status, released.amount_capturable, released.reservation_id) == ("canceled", 0, RID)
    assert fake_stripe.events[-1]["type"] == "payment_intent.canceled"
    assert fake_stripe.payment_intents[pi_id]["cancellation_reason"] == "requested_by_customer"
    with pytest.raises(PaymentGatewayError) as exc:
        await gateway.capture(pi_id, 1000, "k")
    assert (exc.value.kind, exc.value.code) == ("rejected", "payment_intent_unexpected_state")
    with pytest.raises(PaymentGatewayError) as exc:
        await gateway.cancel_payment_intent(pi_id)
    assert exc.value.code == "payment_intent_unexpected_state"


async def test_expire_open_session(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    session_id = await _create(gateway)

    info = await gateway.expire_checkout_session(session_id)

    assert info.status == "expired"
    assert fake_stripe.events[-1]["type"] == "checkout.session.expired"
    with pytest.raises(ValueError):
        fake_stripe.pay(session_id)  # an expired session can no longer be paid


async def test_expire_completed_session_is_rejected(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    session_id = await _create(gateway)
    fake_stripe.pay(session_id)
    with pytest.raises(PaymentGatewayError) as exc:
        await gateway.expire_checkout_session(session_id)
    assert exc.value.kind == "rejected"


async def test_unknown_object_is_rejected(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentGatewayError) as exc:
        await gateway.retrieve_payment_intent("pi_doesnotexist")
    assert (exc.value.kind, exc.value.code, exc.value.http_status) == ("rejected", "resource_missing", 404)


# ------------------------------------------------------------------- failures
async def test_server_error_is_unavailable_and_retry_works(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    pi_id = await _authorised_pi(gateway, fake_stripe)
    fake_stripe.fail_next(1, status=503)

    with pytest.raises(PaymentGatewayError) as exc:
        await gateway.capture(pi_id, 2000, capture_idempotency_key(RID))
    assert (exc.value.kind, exc.value.http_status) == ("unavailable", 503)
    assert fake_stripe.payment_intents[pi_id]["status"] == "requires_capture"  # nothing happened

    captured = await gateway.capture(pi_id, 2000, capture_idempotency_key(RID))
    assert captured.amount_received == 2000


async def test_outage_on_off(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    fake_stripe.set_outage(True, status=500)
    for _ in range(2):
        with pytest.raises(PaymentGatewayError) as exc:
            await _create(gateway)
        assert exc.value.kind == "unavailable"
    fake_stripe.set_outage(False)
    assert (await _create(gateway)).startswith("cs_test_")


async def test_rate_limit_is_unavailable(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    fake_stripe.fail_next(1, status=429)
    with pytest.raises(PaymentGatewayError) as exc:
        await _create(gateway)
    assert exc.value.kind == "unavailable"


async def test_unreachable_stripe_is_unavailable() -> None:
    with FakeStripe() as fake:
        base = fake.base_url
    gw = StripeGateway(fake.api_key, base, "eur")  # nothing listens there any more
    try:
        with pytest.raises(PaymentGatewayError) as exc:
            await _create(gw)
        assert exc.value.kind == "unavailable"
    finally:
        await gw.aclose()


async def test_wrong_api_key_is_auth_and_not_echoed(fake_stripe: FakeStripe) -> None:
    wrong = "sk_test_wrongwrongwrong1234"
    gw = StripeGateway(wrong, fake_stripe.base_url, "eur")
    try:
        with pytest.raises(PaymentGatewayError) as exc:
            await _create(gw)
    finally:
        await gw.aclose()
    assert (exc.value.kind, exc.value.http_status) == ("auth", 401)
    assert "1234" not in str(exc.value) and "sk_test" not in str(exc.value)
    assert fake_stripe.sessions == {}


async def test_concurrent_calls_from_one_event_loop(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    ids = await asyncio.gather(*(_create(gateway, rid=f"r-{i}") for i in range(10)))
    assert len(set(ids)) == 10 == len(fake_stripe.sessions)


# ------------------------------------------------------------------- webhooks
def test_webhook_with_good_signature(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    obj = {
        "id": "cs_test_1",
        "object": "checkout.session",
        "status": "complete",
        "metadata": {"reservation_id": RID},
        "payment_intent": "pi_1",
    }
    body, sig = fake_stripe.signed_event("checkout.session.completed", obj, SECRET, event_id="evt_1")

    event = gateway.parse_webhook(body, sig, SECRET)

    assert (event.id, event.type) == ("evt_1", "checkout.session.completed")
    assert event.object == obj
    json.dumps(event.object)  # plain, storable data


async def test_webhook_for_events_the_stand_in_emitted(
    gateway: StripeGateway, fake_stripe: FakeStripe
) -> None:
    session_id = await _create(gateway)
    fake_stripe.decline(session_id)
    fake_stripe.pay(session_id)
    types = [e["type"] for e in fake_stripe.events]
    assert types == [
        "payment_intent.payment_failed",
        "payment_intent.amount_capturable_updated",
        "checkout.session.completed",
    ]
    completed = fake_stripe.events[-1]["data"]["object"]
    body, sig = fake_stripe.signed_event("checkout.session.completed", completed, SECRET)
    event = gateway.parse_webhook(body, sig, SECRET)
    assert event.object["status"] == "complete" and event.object["metadata"] == {"reservation_id": RID}


def test_webhook_within_tolerance_is_accepted(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    body, sig = fake_stripe.signed_event(
        "payment_intent.canceled", {"id": "pi_1"}, SECRET, int(time.time()) - 200
    )
    assert gateway.parse_webhook(body, sig, SECRET).type == "payment_intent.canceled"


@pytest.mark.parametrize("header", [None, ""])
def test_webhook_missing_signature(
    gateway: StripeGateway, fake_stripe: FakeStripe, header: str | None
) -> None:
    body, _ = fake_stripe.signed_event("payment_intent.canceled", {"id": "pi_1"}, SECRET)
    with pytest.raises(WebhookSignatureError) as exc:
        gateway.parse_webhook(body, header, SECRET)
    assert exc.value.reason == "missing"


def test_webhook_wrong_secret(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    body, sig = fake_stripe.signed_event("payment_intent.canceled", {"id": "pi_1"}, "whsec_other")
    with pytest.raises(WebhookSignatureError) as exc:
        gateway.parse_webhook(body, sig, SECRET)
    assert exc.value.reason == "invalid"
    assert SECRET not in str(exc.value)


def test_webhook_tampered_body(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    body, sig = fake_stripe.signed_event("payment_intent.canceled", {"id": "pi_1", "amount": 100}, SECRET)
    with pytest.raises(WebhookSignatureError) as exc:
        gateway.parse_webhook(body.replace(b"100", b"999"), sig, SECRET)
    assert exc.value.reason == "invalid"


def test_webhook_stale_signature(gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    old = int(time.time()) - 301
    body, sig = fake_stripe.signed_event("payment_intent.canceled", {"id": "pi_1"}, SECRET, old)
    with pytest.raises(WebhookSignatureError) as exc:
        gateway.parse_webhook(body, sig, SECRET)
    assert exc.value.reason == "stale"


def test_webhook_garbage_header(gateway: StripeGateway) -> None:
    with pytest.raises(WebhookSignatureError) as exc:
        gateway.parse_webhook(b"{}", "nonsense", SECRET)
    assert exc.value.reason == "invalid"


def test_webhook_signed_but_not_json(gateway: StripeGateway) -> None:
    from tests.fakes.stripe_api import sign_payload

    with pytest.raises(WebhookSignatureError) as exc:
        gateway.parse_webhook(b"not json", sign_payload(b"not json", SECRET), SECRET)
    assert exc.value.reason == "malformed"


# ---------------------------------------------------- the stand-in's wire format
def test_stand_in_speaks_stripe_wire_format(fake_stripe: FakeStripe) -> None:
    auth = {"Authorization": f"Bearer {fake_stripe.api_key}"}
    form = {
        "mode": "payment",
        "success_url": OK_URL,
        "cancel_url": CANCEL_URL,
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "3920",
        "line_items[0][price_data][product_data][name]": "Charging",
        "payment_intent_data[capture_method]": "manual",
        "metadata[reservation_id]": RID,
    }
    with httpx.Client(base_url=fake_stripe.base_url) as http:
        created = http.post("/v1/checkout/sessions", data=form, headers={**auth, "Idempotency-Key": "k1"})
        assert created.status_code == 200
        session = created.json()
        assert session["object"] == "checkout.session" and session["amount_total"] == 3920

        fake_stripe.pay(session["id"])
        got = http.get(
            f"/v1/checkout/sessions/{session['id']}", params={"expand[]": "payment_intent"}, headers=auth
        )
        pi = got.json()["payment_intent"]
        assert pi["object"] == "payment_intent" and pi["status"] == "requires_capture"

        unauth = http.get(f"/v1/payment_intents/{pi['id']}", headers={"Authorization": "Bearer sk_test_nope"})
        assert unauth.status_code == 401
        assert set(unauth.json()["error"]) >= {"type", "message", "code"}

        reused = http.post(
            "/v1/checkout/sessions", data={**form, "mode": "setup"}, headers={**auth, "Idempotency-Key": "k1"}
        )
        assert reused.status_code == 400 and reused.json()["error"]["type"] == "idempotency_error"

        missing = http.post("/v1/payment_intents/pi_nope/capture", headers=auth)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "resource_missing"
