"""Admin resources under /API (JSON, X-API-Key): ChargePoints, ChargeTags, Transactions, SecurityEvents and
Certificates.

Used by the management UI and by operators' scripts. Each resource lives in its own module; this one
gathers their routers into the face's `router`. Conventions for all of them: unknown id → 404,
duplicate id → 409, a field that breaks its rule → 422 naming the field (FastAPI's validation answer).
"""

from __future__ import annotations

from fastapi import APIRouter

from chargegrid.api import admin_charge_points, admin_charge_tags, admin_security, admin_transactions

router = APIRouter()
router.include_router(admin_charge_points.router)
router.include_router(admin_charge_tags.router)
router.include_router(admin_transactions.router)
router.include_router(admin_security.router)
