"""Payments (when Stripe is configured): the reservations with their state and amounts."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.store import payments as payments_store
from chargegrid.ui import auth
from chargegrid.ui.rendering import render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


def _cents(value: int | None, currency: str) -> str:
    return "" if value is None else f"{value / 100:.2f} {currency.upper()}"


@router.get("/ui/payments")
async def payments_page(request: Request, services: ServicesDep) -> Response:
    viewer = await auth.viewer(request)
    if not services.settings.stripe.api_key:
        raise HTTPException(404, "payments are not enabled on this node (set CHARGEGRID_STRIPE__API_KEY)")
    async with services.db() as db:
        reservations = await payments_store.recent(db)
    rows = [
        {
            "r": r,
            "held": _cents(r.amount_authorized_cents or r.max_amount_cents, r.currency),
            "captured": _cents(r.amount_captured_cents, r.currency),
            "cost": _cents(r.final_amount_cents, r.currency),
        }
        for r in reservations
    ]
    return render(request, "payments.html", {"title": N_("Payments"), "rows": rows}, viewer=viewer)
