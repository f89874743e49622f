"""A local stand-in for the parts of the Stripe API that Chargegrid uses.

The real Stripe API is not reachable from tests, so this module runs a real HTTP
server on 127.0.0.1 (random port, background thread) that speaks Stripe's wire
format closely enough for the official ``stripe`` package to talk to it:

* requests are form-encoded with nested brackets (``line_items[0][price_data][unit_amount]=3920``,
  ``metadata[reservation_id]=...``, ``expand[]=x`` and ``expand[0]=x`` both work);
* ``Authorization: Bearer <key>`` is checked (401 with Stripe's error JSON otherwise);
* ``Idempotency-Key`` is honoured: the same key replays the first response, a reused key
  with different parameters is an ``idempotency_error``;
* responses are Stripe JSON objects (``object``, ``cs_test_...``/``pi_...`` ids) and errors are
  ``{"error": {"type", "message", "code", ...}}``.

Endpoints: ``POST /v1/checkout/sessions``, ``GET /v1/checkout/sessions/{id}`` (``expand[]=payment_intent``),
``POST /v1/checkout/sessions/{id}/expire``, ``GET /v1/payment_intents/{id}``,
``POST /v1/payment_intents/{id}/capture``, ``POST /v1/payment_intents/{id}/cancel``.

Test controls are plain methods: :meth:`FakeStripe.pay`, :meth:`FakeStripe.decline`,
:meth:`FakeStripe.expire`, :meth:`FakeStripe.fail_next`, :meth:`FakeStripe.set_outage`,
:attr:`FakeStripe.requests` and :meth:`FakeStripe.signed_event`. Every state change the real
Stripe would announce by webhook is appended to :attr:`FakeStripe.events` (as an unsigned event
dict); tests decide when to deliver it, signed with :meth:`FakeStripe.signed_event`.

It is a stand-in, not a simulator: error codes are the ones Stripe documents where we know them,
and only the fields Chargegrid reads are modelled faithfully.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DEFAULT_API_KEY = "sk_test_chargegrid_fake"

# Stripe's minimum charge amounts for the currencies we use (smallest unit).
_MINIMUM_CHARGE = {"eur": 50, "usd": 50, "gbp": 30, "chf": 50}
_CANCELLABLE_PI_STATES = {
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
}


class StripeFailure(Exception):
    """Raised inside a handler to produce a Stripe error response."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"error": {"type": type_, "message": message, "code": code}}
        if param is not None:
            self.body["error"]["param"] = param


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in received it."""

    method: str
    path: str
    form: list[tuple[str, str]]  # flat, in wire order (query string for GET, body for POST)
    params: dict[str, Any]  # the same, decoded into nested dicts/lists
    idempotency_key: str | None
    headers: dict[str, str] = field(repr=False)
    status: int = 0  # the status the stand-in answered with
    replayed: bool = False  # answered from the idempotency cache


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Decode Stripe-style bracketed form keys into nested dicts and lists.

    ``a[b][0][c]=1`` -> ``{"a": {"b": [{"c": "1"}]}}``; ``a[]=x`` appends to a list.
    Numeric indices become list positions; values stay strings, as on the wire.
    """
    root: dict[str, Any] = {}
    for key, value in pairs:
        m = re.match(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$", key)
        if not m:
            raise StripeFailure(400, f"Invalid parameter name: {key}", code="parameter_unknown", param=key)
        parts: list[str] = [m.group(1), *re.findall(r"\[([^\[\]]*)\]", m.group(2))]
        container: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = None if last else parts[i + 1]
            child_kind: Any = list if nxt is not None and (nxt == "" or nxt.isdigit()) else dict
            if isinstance(container, list):
                if part == "":
                    if last:
                        container.append(value)
                        break
                    container.append(child_kind())
                    container = container[-1]
                    continue
                idx = int(part)
                while len(container) <= idx:
                    container.append(None)
                if last:
                    container[idx] = value
                else:
                    if container[idx] is None:
                        container[idx] = child_kind()
                    container = container[idx]
            else:
                if last:
                    container[part] = value
                else:
                    container = container.setdefault(part, child_kind())
    return root


def _int_param(params: dict[str, Any], name: str, path: str | None = None) -> int:
    raw = params.get(name)
    label = path or name
    if raw is None:
        raise StripeFailure(400, f"Missing required param: {label}.", code="parameter_missing", param=label)
    if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
        raise StripeFailure(400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=label)
    return int(raw)


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


class FakeStripe:
    """The Stripe stand-in. Use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(self, api_key: str = DEFAULT_API_KEY) -> None:
        self.api_key = api_key
        self.sessions: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self.events: list[dict[str, Any]] = []
        self._idempotency: dict[str, tuple[str, str, list[tuple[str, str]], int, bytes]] = {}
        self._fail_remaining = 0
        self._fail_status = 503
        self._outage = False
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeStripe not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeStripe:
        fake = self

        class Handler(_Handler):
            stripe = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-stripe", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ test controls
    def fail_next(self, n: int = 1, status: int = 503) -> None:
        """Answer the next ``n`` requests with ``status`` and an ``api_error`` body, before doing anything."""
        with self._lock:
            self._fail_remaining = n
            self._fail_status = status

    def set_outage(self, on: bool, status: int = 503) -> None:
        """While on, every request fails with ``status`` (nothing is executed or remembered)."""
        with self._lock:
            self._outage = on
            self._fail_status = status

    def requests_to(self, path_prefix: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests whose path starts with ``path_prefix`` (optionally only one method)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path.startswith(path_prefix) and (method is None or r.method == method.upper())
            ]

    def pay(self, session_id: str) -> dict[str, Any]:
        """The customer completes Checkout: the card is authorised but (manual capture) not captured.

        Session: status=complete, payment_status=unpaid, payment_intent=pi_...;
        PaymentIntent: status=requires_capture, amount_capturable=amount.
        Emits ``checkout.session.completed`` and ``payment_intent.amount_capturable_updated``.
        Returns a copy of the session.
        """
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise ValueError(f"session {session_id} is {session['status']}, not open")
            pi = self._ensure_payment_intent(session)
            if pi["capture_method"] == "manual":
                pi.update(status="requires_capture", amount_capturable=pi["amount"])
                self._emit("payment_intent.amount_capturable_updated", pi)
            else:
                pi.update(status="succeeded", amount_received=pi["amount"])
                session["payment_status"] = "paid"
                self._emit("payment_intent.succeeded", pi)
            session["status"] = "complete"
            self._emit("checkout.session.completed", session)
            return copy.deepcopy(session)

    def decline(self, session_id: str, decline_code: str = "card_declined") -> dict[str, Any]:
        """A payment attempt fails; the session stays open (the customer may retry).

        Emits ``payment_intent.payment_failed``. Returns a copy of the PaymentIntent.
        """
        with self._lock:
            session = self._session(session_id)
            pi = self._ensure_payment_intent(session)
            pi.update(
                status="requires_payment_method",
                last_payment_error={"type": "card_error", "code": decline_code, "message": "Declined."},
            )
            self._emit("payment_intent.payment_failed", pi)
            return copy.deepcopy(pi)

    def expire(self, session_id: str) -> dict[str, Any]:
        """Stripe expires an open session on its own (``expires_at`` passed).

        Emits ``checkout.session.expired``."""
        with self._lock:
            return copy.deepcopy(self._expire_session(self._session(session_id)))

    def event(self, type_: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        """An event envelope as Stripe sends it (``{"id": "evt_...", "object": "event", "data": {...}}``)."""
        return {
            "id": event_id or _new_id("evt_test_"),
            "object": "event",
            "api_version": "2025-01-01",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
            "data": {"object": copy.deepcopy(obj)},
        }

    def signed_event(
        self,
        type_: str,
        obj: dict[str, Any],
        secret: str,
        timestamp: int | None = None,
        *,
        event_id: str | None = None,
    ) -> tuple[bytes, str]:
        """A webhook delivery: the JSON body and its ``Stripe-Signature`` header value.

        The header is ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by secret>``, as Stripe signs.
        """
        body = json.dumps(self.event(type_, obj, event_id=event_id), separators=(",", ":")).encode()
        return body, sign_payload(body, secret, timestamp)

    # ---------------------------------------------------------------- internals
    def _emit(self, type_: str, obj: dict[str, Any]) -> None:
        self.events.append(self.event(type_, obj))

    def _session(self, session_id: str) -> dict[str, Any]:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise StripeFailure(
                404, f"No such checkout.session: '{session_id}'", code="resource_missing", param="session"
            ) from None

    def _payment_intent(self, pi_id: str) -> dict[str, Any]:
        try:
            return self.payment_intents[pi_id]
        except KeyError:
            raise StripeFailure(
                404, f"No such payment_intent: '{pi_id}'", code="resource_missing", param="intent"
            ) from None

    def _ensure_payment_intent(self, session: dict[str, Any]) -> dict[str, Any]:
        if session["payment_intent"] is not None:
            return self.payment_intents[session["payment_intent"]]
        pid: dict[str, Any] = session["_payment_intent_data"]
        pi = {
            "id": _new_id("pi_"),
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_capturable": 0,
            "amount_received": 0,
            "capture_method": pid.get("capture_method", "automatic_async"),
            "currency": session["currency"],
            "description": pid.get("description"),
            "metadata": dict(pid.get("metadata") or {}),
            "status": "requires_payment_method",
            "canceled_at": None,
            "cancellation_reason": None,
            "last_payment_error": None,
            "latest_charge": None,
            "created": int(time.time()),
            "livemode": False,
        }
        self.payment_intents[pi["id"]] = pi
        session["payment_intent"] = pi["id"]
        return pi

    def _expire_session(self, session: dict[str, Any]) -> dict[str, Any]:
        if session["status"] != "open":
            raise StripeFailure(400, 'Only Checkout Sessions with a status in ["open"] can be expired.')
        session["status"] = "expired"
        if session["payment_intent"] is not None:
            pi = self.payment_intents[session["payment_intent"]]
            if pi["status"] in _CANCELLABLE_PI_STATES:
                pi.update(status="canceled", canceled_at=int(time.time()), cancellation_reason="abandoned")
        self._emit("checkout.session.expired", session)
        return session

    @staticmethod
    def _public(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}

    def _handle(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Dispatch one authenticated request. Returns (status, JSON object)."""
        parts = path.strip("/").split("/")
        if parts[:3] == ["v1", "checkout", "sessions"]:
            if len(parts) == 3 and method == "POST":
                return 200, self._create_session(params)
            if len(parts) == 4 and method == "GET":
                session = self._public(self._session(parts[3]))
                if "payment_intent" in _expand(params) and session["payment_intent"]:
                    session["payment_intent"] = self._public(self.payment_intents[session["payment_intent"]])
                return 200, session
            if len(parts) == 5 and parts[4] == "expire" and method == "POST":
                return 200, self._public(self._expire_session(self._session(parts[3])))
        if parts[:2] == ["v1", "payment_intents"] and len(parts) >= 3:
            pi = self._payment_intent(parts[2])
            if len(parts) == 3 and method == "GET":
                return 200, self._public(pi)
            if len(parts) == 4 and parts[3] == "capture" and method == "POST":
                return 200, self._capture(pi, params)
            if len(parts) == 4 and parts[3] == "cancel" and method == "POST":
                return 200, self._cancel(pi, params)
        raise StripeFailure(404, f"Unrecognized request URL ({method}: {path}).", code=None)

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = params.get("mode")
        if mode is None:
            raise StripeFailure(400, "Missing required param: mode.", code="parameter_missing", param="mode")
        if mode != "payment":
            raise StripeFailure(400, f"The stand-in only supports mode=payment, not {mode}.", param="mode")
        if "success_url" not in params:
            raise StripeFailure(
                400, "Missing required param: success_url.", code="parameter_missing", param="success_url"
            )
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeFailure(
                400, "Missing required param: line_items.", code="parameter_missing", param="line_items"
            )
        total = 0
        currency: str | None = None
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("price_data"), dict):
                raise StripeFailure(
                    400, "The stand-in needs line_items[].price_data.", param=f"line_items[{i}][price_data]"
                )
            pd = item["price_data"]
            unit = _int_param(pd, "unit_amount", f"line_items[{i}][price_data][unit_amount]")
            qty = _int_param(item, "quantity", f"line_items[{i}][quantity]")
            if not isinstance(pd.get("product_data"), dict) or not pd["product_data"].get("name"):
                raise StripeFailure(
                    400,
                    "Missing required param: line_items[].price_data.product_data.name.",
                    code="parameter_missing",
                    param=f"line_items[{i}][price_data][product_data][name]",
                )
            cur = pd.get("currency")
            if not cur:
                raise StripeFailure(
                    400,
                    "Missing required param: currency.",
                    code="parameter_missing",
                    param=f"line_items[{i}][price_data][currency]",
                )
            if currency is not None and cur != currency:
                raise StripeFailure(400, "All line items must use the same currency.")
            currency = cur
            total += unit * qty
        assert currency is not None
        pid = params.get("payment_intent_data") or {}
        capture_method = pid.get("capture_method", "automatic_async")
        if capture_method not in ("automatic", "automatic_async", "manual"):
            raise StripeFailure(
                400, f"Invalid capture_method: {capture_method}", param="payment_intent_data[capture_method]"
            )
        if total < _MINIMUM_CHARGE.get(currency, 50):
            raise StripeFailure(
                400,
                "The Checkout Session's total amount due must add up to at least the minimum.",
                code="amount_too_small",
            )
        now = int(time.time())
        expires_at = _int_param(params, "expires_at") if "expires_at" in params else now + 24 * 3600
        sid = _new_id("cs_test_")
        session = {
            "id": sid,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "customer": None,
            "expires_at": expires_at,
            "livemode": False,
            "metadata": dict(params.get("metadata") or {}),
            "mode": mode,
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "url": f"https://checkout.stripe.com/c/pay/{sid}",
            "_payment_intent_data": pid,
            "_line_items": items,
        }
        self.sessions[sid] = session
        return self._public(session)

    def _capture(self, pi: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        if pi["status"] != "requires_capture":
            raise StripeFailure(
                400,
                f"This PaymentIntent could not be captured because it has a status of {pi['status']}. "
                "Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
                code="payment_intent_unexpected_state",
            )
        amount = pi["amount_capturable"]
        if "amount_to_capture" in params:
            amount = _int_param(params, "amount_to_capture")
        if amount > pi["amount_capturable"]:
            raise StripeFailure(
                400,
                "The amount to capture must be less than or equal to the amount capturable.",
                code="amount_too_large",
                param="amount_to_capture",
            )
        if amount < _MINIMUM_CHARGE.get(pi["currency"], 50):
            raise StripeFailure(
                400,
                "Amount must be at least the minimum charge amount.",
                code="amount_too_small",
                param="amount_to_capture",
            )
        pi.update(
            status="succeeded", amount_received=amount, amount_capturable=0, latest_charge=_new_id("ch_")
        )
        self._emit("payment_intent.succeeded", pi)
        return self._public(pi)

    def _cancel(self, pi: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        if pi["status"] not in _CANCELLABLE_PI_STATES:
            raise StripeFailure(
                400,
                f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}.",
                code="payment_intent_unexpected_state",
            )
        pi.update(
            status="canceled",
            amount_capturable=0,
            canceled_at=int(time.time()),
            cancellation_reason=params.get("cancellation_reason"),
        )
        self._emit("payment_intent.canceled", pi)
        return self._public(pi)


def _expand(params: dict[str, Any]) -> list[str]:
    raw = params.get("expand")
    if raw is None:
        return []
    if isinstance(raw, list):
        return [str(x) for x in raw]
    return [str(raw)]


def sign_payload(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's ``Stripe-Signature`` header value for ``body``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class _Handler(BaseHTTPRequestHandler):
    stripe: FakeStripe  # set on the per-server subclass
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        fake = self.stripe
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        source = raw if method == "POST" else url.query
        form = parse_qsl(source, keep_blank_values=True)
        idem = self.headers.get("Idempotency-Key")
        headers = {k: v for k, v in self.headers.items()}
        status, body, replayed = self._dispatch(fake, method, url.path, form, idem)
        with fake._lock:
            try:
                params = decode_form(form)
            except StripeFailure:
                params = {}
            fake.requests.append(
                RecordedRequest(method, url.path, form, params, idem, headers, status, replayed)
            )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", _new_id("req_"))
        if idem:
            self.send_header("Idempotency-Key", idem)
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        if status >= 500:
            self.send_header("Stripe-Should-Retry", "true")
        self.end_headers()
        self.wfile.write(body)

    def _dispatch(
        self, fake: FakeStripe, method: str, path: str, form: list[tuple[str, str]], idem: str | None
    ) -> tuple[int, bytes, bool]:
        with fake._lock:
            if fake._outage or fake._fail_remaining > 0:
                if not fake._outage:
                    fake._fail_remaining -= 1
                err = StripeFailure(
                    fake._fail_status, "An unknown error occurred (stand-in outage).", type_="api_error"
                )
                return err.status, json.dumps(err.body).encode(), False

            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer "):
                err = StripeFailure(
                    401,
                    "You did not provide an API key. You need to provide your API key in the "
                    "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
                )
                return err.status, json.dumps(err.body).encode(), False
            key = auth[len("Bearer ") :]
            if not hmac.compare_digest(key.encode(), fake.api_key.encode()):
                masked = key[:8] + "*" * 4 + key[-4:] if len(key) > 12 else "****"
                err = StripeFailure(401, f"Invalid API Key provided: {masked}")
                return err.status, json.dumps(err.body).encode(), False

            if method == "POST" and idem:
                seen = fake._idempotency.get(idem)
                if seen is not None:
                    s_method, s_path, s_form, s_status, s_body = seen
                    if (s_method, s_path, sorted(s_form)) != (method, path, sorted(form)):
                        err = StripeFailure(
                            400,
                            "Keys for idempotent requests can only be used with the same parameters "
                            "they were first used with. Try using a key other than "
                            f"'{idem}' if you meant to execute a different request.",
                            type_="idempotency_error",
                        )
                        return err.status, json.dumps(err.body).encode(), False
                    return s_status, s_body, True

            try:
                status, obj = fake._handle(method, path, decode_form(form))
                body = json.dumps(obj).encode()
            except StripeFailure as e:
                status, body = e.status, json.dumps(e.body).encode()
            if method == "POST" and idem:
                fake._idempotency[idem] = (method, path, list(form), status, body)
            return status, body, False
