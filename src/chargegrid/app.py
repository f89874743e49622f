"""Assembly of one Chargegrid node: the ASGI app with every face, and its lifespan (migrate, start, stop)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from pydantic import ValidationError

from chargegrid import __version__
from chargegrid.api import (
    admin_api,
    certificates_installed,
    charging_profiles,
    core_api,
    cost,
    customer_information,
    device_model,
    display_messages,
    firmware,
    integrations_api,
    local_list,
    logs,
    monitoring,
    operator_api,
    payments_api,
    raw_messages,
    reservations,
    sites,
    transaction_status,
)
from chargegrid.api.health import router as health_router
from chargegrid.api.metrics_api import router as metrics_router
from chargegrid.api.outcomes import command_error_handler, invalid_command_values_handler
from chargegrid.api_key import resolve_api_key
from chargegrid.cluster.event_wakeups import EventWakeups
from chargegrid.cluster.forwarding import ClusterUnavailable
from chargegrid.cluster.handover import cluster_unavailable_handler, hand_over
from chargegrid.cluster.jobs import NetworkJobs
from chargegrid.cluster.node import ClusterNode
from chargegrid.config import Settings
from chargegrid.domain import operation_records
from chargegrid.domain.hooks import Hooks
from chargegrid.domain.plausibility import Limits
from chargegrid.events.outbox import TransactionUpdates
from chargegrid.events.service import Events
from chargegrid.logging_setup import install_filters
from chargegrid.ocpp.commands import CommandError, Commands
from chargegrid.ocpp.context import EdgeContext
from chargegrid.ocpp.last_seen import LastSeen
from chargegrid.ocpp.message_log import MessageLog
from chargegrid.ocpp.security_gate import Trust, throttle_from_settings
from chargegrid.ocpp.sessions import SessionRegistry
from chargegrid.security.certificate_authority import CertificateAuthority
from chargegrid.services import Services
from chargegrid.store import migrate
from chargegrid.store.api_keys import KeyUsage
from chargegrid.store.checkpoints import Checkpointer
from chargegrid.store.database import create_engine, session_factory, sqlite_path
from chargegrid.store.writer import BatchedWriter
from chargegrid.ui import routes as ui_routes

log = logging.getLogger("chargegrid")

FACES = (
    core_api,
    device_model,
    transaction_status,
    display_messages,
    monitoring,
    customer_information,
    raw_messages,
    reservations,
    local_list,
    logs,
    firmware,
    cost,
    certificates_installed,
    charging_profiles,
    sites,
    admin_api,
    operator_api,
    payments_api,
    integrations_api,
    ui_routes,
)


def create_app(settings: Settings) -> FastAPI:
    """The node's ASGI app. Serve it with `ocpp.transport.uvicorn_config`: that edge takes `/OCPP/<id>`
    websockets off uvicorn's ASGI websocket layers (see docs/ARCHITECTURE.md)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_filters()
        sqlite_file = sqlite_path(settings.database_url)
        engine = create_engine(settings.database_url, own_checkpoints=sqlite_file is not None)
        checkpointer = Checkpointer(sqlite_file) if sqlite_file is not None else None
        await migrate.upgrade(engine)
        db = session_factory(engine)
        registry = SessionRegistry()
        hooks = Hooks()
        # SQLite has one writer; PostgreSQL takes several lanes (connections) of group commits.
        writer = BatchedWriter(db, lanes=1 if settings.is_sqlite else settings.write_lanes)
        message_log = MessageLog(settings.message_log, db, settings.message_log_retention_days, writer)
        last_seen = LastSeen(db, writer=writer)
        ca = await asyncio.to_thread(
            CertificateAuthority.open, settings.ca.cert_file, settings.ca.key_file, settings.data_dir
        )
        cluster = ClusterNode(settings, registry) if settings.redis.url else None
        commands = Commands(registry, remote=cluster.remote if cluster is not None else None)
        edge = EdgeContext(
            settings=settings,
            db=db,
            registry=registry,
            message_log=message_log,
            writer=writer,
            last_seen=last_seen,
            commands=commands,
            hooks=hooks,
            throttle=throttle_from_settings(settings),
            trust=Trust.from_settings(settings, ca.certificate),
            ca=ca,
            plausibility=Limits(
                max_kw=settings.security.max_connector_kw,
                future_tolerance=timedelta(minutes=settings.security.future_tolerance_minutes),
            ),
            tx_updates=TransactionUpdates(settings.events.transaction_update_interval),
        )
        events = Events(settings, db, writer, registry)
        commands.listeners.append(events.on_command)
        # Reservations, local lists, log/firmware requests and certificates are kept for every face.
        commands.listeners.append(operation_records.listener(writer.run))
        key_usage = KeyUsage(db)
        services = Services(
            settings=settings,
            engine=engine,
            db=db,
            registry=registry,
            commands=commands,
            hooks=hooks,
            edge=edge,
            api_key=resolve_api_key(settings.api_key, settings.data_dir),
            cluster=cluster,
            events=events,
            key_usage=key_usage,
        )
        wakeups: EventWakeups | None = None  # live streams woken by events numbered on other nodes
        if cluster is not None:
            services.jobs = NetworkJobs(cluster.redis, cluster.prefix, cluster.node_id)
            message_log.may_prune = services.jobs.claim
            await cluster.start()
            wakeups = EventWakeups(cluster.redis, cluster.prefix, cluster.node_id, events.numbered_elsewhere)
            events.sequencer.listeners.append(wakeups.numbered)
            wakeups.start()
        app.state.services = services
        app.state.edge = edge
        if checkpointer is not None:
            checkpointer.start()
        message_log.start()
        writer.start()
        last_seen.start()
        events.start()
        key_usage.start()
        stoppers = []
        for face in FACES:
            start = getattr(face, "start", None)
            if start is not None:
                stoppers.append(await start(services))
        log.info(
            "Chargegrid %s ready (database %s)", __version__, engine.url.render_as_string(hide_password=True)
        )
        try:
            yield
        finally:
            for stop in reversed(stoppers):
                if stop is not None:
                    await stop()
            await hand_over(services)
            if wakeups is not None:
                await wakeups.stop()
            if cluster is not None:
                await cluster.stop()
            await key_usage.stop()
            await last_seen.stop()
            await events.stop()
            await writer.stop()
            await message_log.stop()
            if checkpointer is not None:
                await asyncio.to_thread(checkpointer.stop)
            await engine.dispose()

    app = FastAPI(
        title="Chargegrid",
        version=__version__,
        description="Open-source OCPP central system: OCPP.Core-compatible /API, Motown-compatible "
        "operator API, "
        "Stripe payments, events (webhooks, SSE), API keys and the audit log. Authenticate with the "
        "X-API-Key header: the bootstrap key has every scope; keys made with POST /API/Keys have some of "
        "`read` (GET routes, events), `command` (routes that send to a charger), `admin` (charge points, "
        "tags, users, webhooks, keys, audit; includes read) and `payments`. Each operation lists its scope.",
        lifespan=lifespan,
    )
    app.add_exception_handler(CommandError, command_error_handler)
    app.add_exception_handler(ClusterUnavailable, cluster_unavailable_handler)
    app.add_exception_handler(ValidationError, invalid_command_values_handler)
    app.include_router(health_router)
    app.include_router(metrics_router)
    for face in FACES:
        app.include_router(face.router)
    # Catch-alls (e.g. "unknown /API command") go after every face's routes, whatever the face order.
    for face in FACES:
        app.router.routes.extend(getattr(face, "fallback_routes", ()))
    return app
