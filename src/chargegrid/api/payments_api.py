"""The Stripe payments face: `/API/Payments/...` for driver-facing apps (X-API-Key) and Stripe's webhook.

Routes only translate HTTP to the payment flow in `chargegrid.payments` and back. Amounts are computed
on the server; whatever amount a client sends is ignored (the request models do not even read it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from chargegrid.api.auth import require_scope
from chargegrid.api.dependencies import ServicesDep
from chargegrid.domain.payments import to_decimal
from chargegrid.events.actors import Scope
from chargegrid.payments import checkout, settlement, sweeper, webhooks
from chargegrid.payments.gateway import StripeGateway
from chargegrid.payments.service import PaymentError, PaymentService
from chargegrid.services import Services
from chargegrid.store.payment_models import PaymentReservation

router = APIRouter(prefix="/API/Payments", tags=["payments"])
keyed = [require_scope(Scope.payments)]


class CreateRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    charge_point_id: str = Field(alias="chargePointId", min_length=1, max_length=48)
    connector_id: int = Field(alias="connectorId", ge=1)
    charge_tag_id: str = Field(alias="chargeTagId", min_length=1, max_length=50)


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reservation_id: str = Field(alias="reservationId", min_length=1, max_length=36)
    checkout_session_id: str = Field(alias="checkoutSessionId", min_length=1, max_length=255)


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reservation_id: str = Field(alias="reservationId", min_length=1, max_length=36)
    reason: str | None = Field(default=None, max_length=200)


def _payments(services: Services) -> PaymentService:
    if services.payments is None:
        raise PaymentError(
            503, "PaymentsDisabled", "payments are off: set CHARGEGRID_STRIPE__API_KEY to enable them"
        )
    return services.payments


def _error(e: PaymentError) -> JSONResponse:
    return JSONResponse({"status": e.status, "message": e.message}, status_code=e.http_status)


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def reservation_view(res: PaymentReservation) -> dict[str, Any]:
    return {
        "reservationId": res.id,
        "state": res.state,
        "chargePointId": res.charge_point_id,
        "connectorId": res.connector_id,
        "chargeTagId": res.charge_tag_id,
        "currency": res.currency,
        "pricePerKwh": float(to_decimal(res.price_per_kwh)),
        "sessionFee": float(to_decimal(res.session_fee)),
        "maxEnergyKwh": float(to_decimal(res.max_energy_kwh)),
        "maxAmountCents": res.max_amount_cents,
        "amountAuthorizedCents": res.amount_authorized_cents,
        "amountCapturedCents": res.amount_captured_cents,
        "finalAmountCents": res.final_amount_cents,
        "energyKwh": res.energy_kwh,
        "chargerStatus": res.charger_status,
        "transactionId": res.transaction_id,
        "reason": res.reason,
        "settlementPending": res.settlement,
        "captureAttempts": res.capture_attempts,
        "captureError": res.capture_error,
        "checkoutUrl": res.checkout_url if res.state == "PendingPayment" else None,
        "createdAt": _time(res.created_at),
        "authorizedAt": _time(res.authorized_at),
        "startRequestedAt": _time(res.start_requested_at),
        "chargingAt": _time(res.charging_at),
        "endedAt": _time(res.ended_at),
        "settledAt": _time(res.settled_at),
    }


@router.post("/Create", dependencies=keyed)
async def create(body: CreateRequest, services: ServicesDep) -> Any:
    try:
        res = await checkout.create(
            _payments(services), body.charge_point_id, body.connector_id, body.charge_tag_id
        )
    except PaymentError as e:
        return _error(e)
    return {
        "status": "Redirect",
        "checkoutUrl": res.checkout_url,
        "reservationId": res.id,
        "currency": res.currency,
        "maxAmountCents": res.max_amount_cents,
        "maxEnergyKwh": float(to_decimal(res.max_energy_kwh)),
    }


@router.post("/Confirm", dependencies=keyed)
async def confirm(body: ConfirmRequest, services: ServicesDep) -> Any:
    try:
        status = await _payments(services).confirm(body.reservation_id, body.checkout_session_id)
    except PaymentError as e:
        return _error(e)
    return {"status": status}


@router.post("/Cancel", dependencies=keyed)
async def cancel(body: CancelRequest, services: ServicesDep) -> Any:
    try:
        res = await _payments(services).cancel(body.reservation_id, body.reason)
    except PaymentError as e:
        return _error(e)
    return {"status": res.state, "reservation": reservation_view(res)}


@router.post("/Webhook")
async def webhook(request: Request, services: ServicesDep) -> Any:
    """Stripe's deliveries: no API key, the Stripe-Signature header authenticates them."""
    try:
        service = _payments(services)
    except PaymentError as e:
        return _error(e)
    body = await request.body()
    try:
        return await webhooks.receive(service, body, request.headers.get("Stripe-Signature"))
    except webhooks.WebhookRefused as e:
        return JSONResponse({"status": "Refused", "message": e.message}, status_code=e.http_status)


@router.post(
    "/{reservation_id}/Settle",
    dependencies=keyed,
    summary="Settle a held session",
    description="A session whose meter data was implausible is held, not captured. Settle it as "
    "computed (capture `finalAmountCents`, or release when nothing is owed). 409 when not held.",
)
async def settle_held(reservation_id: str, services: ServicesDep) -> Any:
    try:
        res = await settlement.resolve_hold(_payments(services), reservation_id, release=False)
    except PaymentError as e:
        return _error(e)
    return {"status": res.state, "reservation": reservation_view(res)}


@router.post(
    "/{reservation_id}/Release",
    dependencies=keyed,
    summary="Release a held session",
    description="Release the whole authorisation of a held session (nothing is charged). 409 when not held.",
)
async def release_held(reservation_id: str, services: ServicesDep) -> Any:
    try:
        res = await settlement.resolve_hold(_payments(services), reservation_id, release=True)
    except PaymentError as e:
        return _error(e)
    return {"status": res.state, "reservation": reservation_view(res)}


@router.get("/{reservation_id}", dependencies=keyed)
async def get_reservation(reservation_id: str, services: ServicesDep) -> Any:
    try:
        return reservation_view(await _payments(services).get(reservation_id))
    except PaymentError as e:
        return _error(e)


async def start(services: Services) -> Callable[[], Awaitable[None]] | None:
    """Enable payments when a Stripe key is configured: listen to transactions, run the sweeper."""
    stripe = services.settings.stripe
    if not stripe.api_key:
        return None
    service = PaymentService(services, StripeGateway(stripe.api_key, stripe.api_base, stripe.currency))
    services.payments = service

    async def started(tx: Any) -> None:
        await settlement.on_transaction_started(service, tx)

    async def ended(tx: Any) -> None:
        await settlement.on_transaction_ended(service, tx)

    async def reading(tx: Any, value: Any) -> None:
        await settlement.on_meter_reading(service, tx, value)

    services.hooks.transaction_started.append(started)
    services.hooks.transaction_ended.append(ended)
    services.hooks.meter_reading.append(reading)
    sweep = asyncio.create_task(sweeper.run(service), name="payments-sweeper")

    async def stop() -> None:
        sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweep
        services.payments = None
        await service.aclose()

    return stop
