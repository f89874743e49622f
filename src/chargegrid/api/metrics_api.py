"""/metrics: the Prometheus exposition of this node (traffic counters + connected chargers at scrape time)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from chargegrid.metrics import REGISTRY
from chargegrid.ocpp.sessions import SessionRegistry


class _Sessions(Collector):
    def __init__(self, registry: SessionRegistry, node: str) -> None:
        self.registry = registry
        self.node = node

    def collect(self) -> Iterator[GaugeMetricFamily]:
        by_version = Tally(session.version.value for session in self.registry)
        gauge = GaugeMetricFamily(
            "chargegrid_connected_chargers", "Chargers connected to this node", labels=["node", "protocol"]
        )
        for version, count in sorted(by_version.items()):
            gauge.add_metric([self.node, version], count)
        yield gauge
        info = GaugeMetricFamily("chargegrid_node", "The node that answered this scrape", labels=["node"])
        info.add_metric([self.node], 1)
        yield info


router = APIRouter(tags=["probes"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    # The session gauge reads this app's registry (tests run several apps in one process).
    sessions = CollectorRegistry(auto_describe=False)
    services = request.app.state.services
    sessions.register(_Sessions(services.registry, services.node_id))
    return Response(generate_latest(REGISTRY) + generate_latest(sessions), media_type=CONTENT_TYPE_LATEST)
