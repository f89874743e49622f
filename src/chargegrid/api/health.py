"""Probes: /health says which node answered, and whether its database and (in a cluster) Redis answer.

A database that does not answer makes the node unhealthy (503). Redis that does not answer leaves it
`degraded` but serving (200): the node keeps its own chargers; only commands for other nodes fail.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from chargegrid.api.dependencies import ServicesDep

router = APIRouter(tags=["probes"])


@router.get("/health", summary="Which node answered; database and Redis reachability")
async def health(services: ServicesDep) -> JSONResponse:
    answer: dict[str, Any] = {
        "status": "ok",
        "node": services.node_id,
        "connectedChargers": len(services.registry),
        "database": "ok",
        "redis": "not configured",
    }
    if services.cluster is not None:
        problem = await services.cluster.ping()
        answer["redis"] = problem or "ok"
        if problem:
            answer["status"] = "degraded"
    try:
        async with services.db() as db:
            await db.execute(text("SELECT 1"))
    except Exception as exc:
        answer.update(status="unhealthy", database=str(exc)[:200])
        return JSONResponse(answer, status_code=503)
    return JSONResponse(answer)
