"""A node that stops cleanly hands its chargers over, and how a cluster failure looks over HTTP.

Hand-over (SIGTERM, or the end of the app's lifespan): leave the cluster registry, so no node routes to
this one any more, then close every charger's websocket with 1001 (going away) so it reconnects,
through the load balancer, to another node. Pending writes are flushed afterwards by the app's stop.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import Request
from fastapi.responses import JSONResponse

from chargegrid.cluster.forwarding import ClusterUnavailable
from chargegrid.services import Services

log = logging.getLogger("chargegrid.cluster")


async def hand_over(services: Services) -> None:
    if services.cluster is not None:
        await services.cluster.leave()
    sessions = list(services.registry)
    if sessions:
        log.info("closing %d charger connections (1001) so they reconnect to another node", len(sessions))
    for session in sessions:
        session.rpc.close()
    # All at once: each close waits for the charger's closing handshake, and a silent charger must not
    # hold up the others' hand-over.
    await asyncio.gather(
        *(session.close(1001, "central system shutting down") for session in sessions), return_exceptions=True
    )


async def cluster_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """Registered on the app: a command for a charger on another node while Redis is unreachable."""
    assert isinstance(exc, ClusterUnavailable)
    return JSONResponse({"detail": str(exc)}, status_code=503)
