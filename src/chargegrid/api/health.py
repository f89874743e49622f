"""Probes: /health answers when the node is up and its database reachable."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["probes"])


@router.get("/health", summary="Liveness and database reachability")
async def health(request: Request) -> JSONResponse:
    services = request.app.state.services
    try:
        async with services.db() as db:
            await db.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse({"status": "unhealthy", "database": str(exc)[:200]}, status_code=503)
    return JSONResponse({"status": "ok", "connectedChargers": len(services.registry)})
