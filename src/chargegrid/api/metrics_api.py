"""/metrics: the Prometheus exposition of this node (traffic counters; connected chargers and expiring
charger certificates at scrape time)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from chargegrid.api.dependencies import ServicesDep
from chargegrid.metrics import REGISTRY
from chargegrid.ocpp.sessions import SessionRegistry
from chargegrid.store import security as security_store
from chargegrid.store.models import utcnow


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


class _Expiring(Collector):
    """Issued charger certificates that end within the window (CHARGEGRID_SECURITY__CERTIFICATE_EXPIRY_
    WINDOW_DAYS), per charge point: read once per scrape."""

    def __init__(self, counts: Tally[str]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "chargegrid_certificates_expiring",
            "Certificates issued to chargers that expire within the configured window",
            labels=["charge_point_id"],
        )
        for cp_id, count in sorted(self.counts.items()):
            gauge.add_metric([cp_id], count)
        yield gauge


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(services: ServicesDep) -> Response:
    window = timedelta(days=services.settings.security.certificate_expiry_window_days)
    async with services.db() as db:
        expiring = await security_store.expiring(db, utcnow() + window)
    # The gauges read this app's state (tests run several apps in one process).
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_Sessions(services.registry, services.node_id))
    scraped.register(_Expiring(Tally(cert.charge_point_id for cert in expiring)))
    return Response(generate_latest(REGISTRY) + generate_latest(scraped), media_type=CONTENT_TYPE_LATEST)
