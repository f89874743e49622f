"""The Stripe gateway: the only module in Chargegrid that imports ``stripe``.

It turns the few Stripe calls the payment flow needs into small typed results and
turns every Stripe failure into :class:`PaymentGatewayError` with a ``kind`` callers can act on:

* ``unavailable`` - network error, 5xx, rate limit: nothing is known to have happened; retry later
  (with the same idempotency key where one is used);
* ``rejected``    - Stripe understood and refused (invalid state, amount too large, ...): do not retry as is;
* ``auth``        - the API key is wrong or lacks permission: an operator has to fix the settings.

Calls are asynchronous (``stripe.StripeClient`` ``*_async`` methods over httpx). The API base address
is configurable so tests can point the gateway at a local stand-in. The client does not retry on
its own (``max_network_retries=0`` by default): retries are the caller's policy. Neither the API key
nor the webhook secret ever appears in an exception message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import stripe
from stripe.params.checkout import SessionCreateParams

log = logging.getLogger(__name__)

GatewayErrorKind = Literal["unavailable", "rejected", "auth"]
CancellationReason = Literal["abandoned", "requested_by_customer", "duplicate", "fraudulent"]


class PaymentGatewayError(Exception):
    """A Stripe call failed. ``kind`` says whether to retry; ``code`` is Stripe's error code, if any."""

    def __init__(
        self,
        kind: GatewayErrorKind,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind: GatewayErrorKind = kind
        self.message = message
        self.code = code
        self.http_status = http_status


class WebhookSignatureError(ValueError):
    """A webhook could not be authenticated. ``reason`` is missing, invalid, stale or malformed."""

    def __init__(self, reason: Literal["missing", "invalid", "stale", "malformed"], message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    expires_at: int | None = None


@dataclass(frozen=True)
class SessionInfo:
    """What Chargegrid needs to know about a Checkout Session and its PaymentIntent."""

    id: str
    status: str  # open | complete | expired
    payment_status: str  # unpaid (also when authorised for manual capture) | paid | no_payment_required
    amount_total: int  # the session's total, in the smallest currency unit
    currency: str
    reservation_id: str | None  # from the session's metadata
    payment_intent_id: str | None  # None until the customer submits payment
    pi_status: str | None  # e.g. requires_capture, canceled, succeeded
    amount: int  # the PaymentIntent's amount (amount_total while there is no PaymentIntent)
    amount_capturable: int  # 0 unless the PaymentIntent is authorised

    def authorises(self, reservation_id: str, amount_cents: int) -> bool:
        """True when this session is a completed, uncaptured authorisation of exactly ``amount_cents``
        for ``reservation_id`` - the condition for starting a charge."""
        return (
            self.status == "complete"
            and self.reservation_id == reservation_id
            and self.pi_status == "requires_capture"
            and self.amount == amount_cents
            and self.amount_capturable == amount_cents
        )


@dataclass(frozen=True)
class PaymentIntentInfo:
    id: str
    status: str
    amount: int
    amount_capturable: int
    amount_received: int
    reservation_id: str | None  # from the PaymentIntent's metadata


@dataclass(frozen=True)
class WebhookEvent:
    """A verified Stripe event. ``object`` is ``data.object`` as a plain, JSON-serialisable dict."""

    id: str
    type: str
    object: dict[str, Any]
    created: int


def checkout_idempotency_key(reservation_id: str) -> str:
    return f"chargegrid-checkout-{reservation_id}"


def capture_idempotency_key(reservation_id: str) -> str:
    return f"chargegrid-capture-{reservation_id}"


class StripeGateway:
    """Stripe calls for the payment flow. One instance per application; close it with :meth:`aclose`."""

    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        currency: str = "eur",
        *,
        max_network_retries: int = 0,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.currency = currency.lower()
        self._http = stripe.HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=max_network_retries,
        )

    async def aclose(self) -> None:
        await self._http.close_async()

    # ----------------------------------------------------------------- checkout
    async def create_checkout_session(
        self,
        reservation_id: str,
        amount_cents: int,
        description: str,
        success_url: str,
        cancel_url: str,
        *,
        expires_at: int | None = None,
    ) -> CheckoutSession:
        """A Checkout Session that authorises (manual capture) ``amount_cents`` for one reservation.

        Idempotent per reservation: asking again for the same reservation returns the same session.
        ``expires_at`` (unix time, 30 min to 24 h ahead) defaults to Stripe's 24 h.
        """
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": self.currency,
                        "unit_amount": amount_cents,
                        "product_data": {"name": description},
                    },
                }
            ],
            "payment_intent_data": {
                "capture_method": "manual",
                "description": description,
                "metadata": {"reservation_id": reservation_id},
            },
            "metadata": {"reservation_id": reservation_id},
            "client_reference_id": reservation_id,
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if expires_at is not None:
            params["expires_at"] = expires_at
        async with _translated("create checkout session"):
            session = await self._client.v1.checkout.sessions.create_async(
                params, {"idempotency_key": checkout_idempotency_key(reservation_id)}
            )
        if not session.url:
            raise PaymentGatewayError("rejected", "Stripe returned a Checkout Session without a URL")
        return CheckoutSession(id=session.id, url=session.url, expires_at=session.expires_at)

    async def retrieve_checkout_session(self, session_id: str) -> SessionInfo:
        """The session with its PaymentIntent expanded."""
        async with _translated("retrieve checkout session"):
            session = await self._client.v1.checkout.sessions.retrieve_async(
                session_id, {"expand": ["payment_intent"]}
            )
        return _session_info(session)

    async def expire_checkout_session(self, session_id: str) -> SessionInfo:
        """Expire an open session so it can no longer be paid (Stripe rejects this once it is complete)."""
        async with _translated("expire checkout session"):
            session = await self._client.v1.checkout.sessions.expire_async(session_id)
        return _session_info(session)

    # ----------------------------------------------------------- payment intents
    async def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        async with _translated("retrieve payment intent"):
            pi = await self._client.v1.payment_intents.retrieve_async(payment_intent_id)
        return _pi_info(pi)

    async def capture(
        self, payment_intent_id: str, amount_cents: int, idempotency_key: str
    ) -> PaymentIntentInfo:
        """Capture exactly ``amount_cents`` of an authorised PaymentIntent; the rest is released.

        Retrying with the same ``idempotency_key`` can never capture twice.
        """
        async with _translated("capture payment"):
            pi = await self._client.v1.payment_intents.capture_async(
                payment_intent_id,
                {"amount_to_capture": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        return _pi_info(pi)

    async def cancel_payment_intent(
        self, payment_intent_id: str, reason: CancellationReason = "abandoned"
    ) -> PaymentIntentInfo:
        """Release an authorisation (hold). Stripe rejects this once captured or already cancelled."""
        async with _translated("cancel payment intent"):
            pi = await self._client.v1.payment_intents.cancel_async(
                payment_intent_id, {"cancellation_reason": reason}
            )
        return _pi_info(pi)

    # ------------------------------------------------------------------ webhooks
    def parse_webhook(self, body: bytes, signature_header: str | None, secret: str) -> WebhookEvent:
        """Verify ``Stripe-Signature`` (HMAC-SHA256, 300 s tolerance) and return the event.

        Raises :class:`WebhookSignatureError` when the header is missing, does not match, is too old,
        or the body is not a Stripe event.
        """
        if not signature_header:
            raise WebhookSignatureError("missing", "Stripe-Signature header missing")
        try:
            event = self._client.construct_event(body, signature_header, secret)
        except stripe.SignatureVerificationError:
            # Distinguish "right signature, too old" from "wrong signature" by re-checking without
            # the time window; the event is rejected either way.
            try:
                stripe.WebhookSignature.verify_header(body, signature_header, secret, tolerance=None)
            except stripe.SignatureVerificationError:
                raise WebhookSignatureError("invalid", "Stripe-Signature does not match") from None
            raise WebhookSignatureError("stale", "Stripe-Signature timestamp outside tolerance") from None
        except (ValueError, UnicodeDecodeError):
            raise WebhookSignatureError("malformed", "webhook body is not a Stripe event") from None
        try:
            obj = event.data.object.to_dict(for_json=True)
            return WebhookEvent(id=event.id, type=event.type, object=obj, created=event.created)
        except (AttributeError, KeyError) as e:
            raise WebhookSignatureError("malformed", "webhook body is not a Stripe event") from e


def _session_info(session: stripe.checkout.Session) -> SessionInfo:
    pi_ref = session.payment_intent
    pi = pi_ref if isinstance(pi_ref, stripe.PaymentIntent) else None
    pi_id = pi.id if pi is not None else pi_ref if isinstance(pi_ref, str) else None
    metadata = session.metadata.to_dict() if session.metadata is not None else {}
    return SessionInfo(
        id=session.id,
        status=str(session.status),
        payment_status=str(session.payment_status),
        amount_total=session.amount_total or 0,
        currency=str(session.currency),
        reservation_id=metadata.get("reservation_id"),
        payment_intent_id=pi_id,
        pi_status=pi.status if pi is not None else None,
        amount=pi.amount if pi is not None else session.amount_total or 0,
        amount_capturable=pi.amount_capturable if pi is not None else 0,
    )


def _pi_info(pi: stripe.PaymentIntent) -> PaymentIntentInfo:
    metadata = pi.metadata.to_dict() if pi.metadata is not None else {}
    return PaymentIntentInfo(
        id=pi.id,
        status=pi.status,
        amount=pi.amount,
        amount_capturable=pi.amount_capturable,
        amount_received=pi.amount_received,
        reservation_id=metadata.get("reservation_id"),
    )


class _translated:
    """``async with _translated("what"):`` maps Stripe exceptions to :class:`PaymentGatewayError`."""

    def __init__(self, action: str) -> None:
        self.action = action

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if exc is None or not isinstance(exc, stripe.StripeError):
            return
        raise _to_gateway_error(self.action, exc) from None


def _to_gateway_error(action: str, err: stripe.StripeError) -> PaymentGatewayError:
    status = err.http_status
    kind: GatewayErrorKind
    if isinstance(err, stripe.AuthenticationError | stripe.PermissionError):
        # Stripe echoes (a masked form of) the key in these messages: do not pass them on.
        kind, detail = "auth", "Stripe refused the API key"
    elif isinstance(err, stripe.APIConnectionError):
        kind, detail = "unavailable", "cannot reach Stripe"
    elif isinstance(err, stripe.RateLimitError) or status is None or status >= 500:
        kind, detail = "unavailable", err.user_message or "Stripe is unavailable"
    else:
        kind, detail = "rejected", err.user_message or type(err).__name__
    log.warning("Stripe %s failed (%s, HTTP %s, code %s)", action, kind, status, err.code)
    return PaymentGatewayError(kind, f"{action}: {detail}", code=err.code, http_status=status)
