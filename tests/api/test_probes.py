"""Probes: /health and /metrics describe the running node."""

from __future__ import annotations

import httpx

from tests.support.chargers import connected
from tests.support.server import RunningServer


async def test_health_and_metrics(server: RunningServer) -> None:
    await server.add_charge_point("PROBED")
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        health = await client.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        node = health.json()["node"]
        assert node == server.services.node_id and health.json()["redis"] == "not configured"
        async with connected(server, "PROBED", "ocpp2.0.1"):
            text = (await client.get("/metrics")).text
            assert f'chargegrid_connected_chargers{{node="{node}",protocol="ocpp2.0.1"}} 1.0' in text
            assert 'chargegrid_ocpp_frames_total{direction="in",type="CALL"}' in text
            assert (await client.get("/health")).json()["connectedChargers"] == 1
