"""Assembly of one Chargegrid node: the ASGI app with every face, and its lifespan (migrate, start, stop)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from pydantic import ValidationError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from chargegrid import __version__
from chargegrid.api import admin_api, core_api, operator_api, payments_api, raw_messages
from chargegrid.api.health import router as health_router
from chargegrid.api.metrics_api import router as metrics_router
from chargegrid.api.outcomes import command_error_handler, invalid_command_values_handler
from chargegrid.api_key import resolve_api_key
from chargegrid.config import Settings
from chargegrid.domain.hooks import Hooks
from chargegrid.domain.plausibility import Limits
from chargegrid.logging_setup import install_filters
from chargegrid.ocpp.commands import CommandError, Commands
from chargegrid.ocpp.context import EdgeContext
from chargegrid.ocpp.last_seen import LastSeen
from chargegrid.ocpp.message_log import MessageLog
from chargegrid.ocpp.security_gate import Trust, throttle_from_settings
from chargegrid.ocpp.server import ocpp_endpoint
from chargegrid.ocpp.sessions import SessionRegistry
from chargegrid.security.certificate_authority import CertificateAuthority
from chargegrid.services import Services
from chargegrid.store import migrate
from chargegrid.store.database import create_engine, session_factory
from chargegrid.store.writer import BatchedWriter
from chargegrid.ui import routes as ui_routes

log = logging.getLogger("chargegrid")

FACES = (core_api, raw_messages, admin_api, operator_api, payments_api, ui_routes)
OCPP_PREFIX = "/OCPP/"


class OcppFirst:
    """The node's ASGI app: `/OCPP/<id>` websockets go straight to the OCPP edge, everything else to FastAPI.

    A charger's connection lives for days; passing it through FastAPI's middleware stack would keep a
    dozen suspended frames per charger (measured: several KiB each of thousands of idle connections)
    for nothing, since no HTTP middleware applies to OCPP frames.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"].startswith(OCPP_PREFIX):
            scope["app"] = self.app
            scope["path_params"] = {"charge_point_id": scope["path"][len(OCPP_PREFIX) :]}
            await ocpp_endpoint(WebSocket(scope, receive, send))
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings) -> OcppFirst:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_filters()
        engine = create_engine(settings.database_url)
        await migrate.upgrade(engine)
        db = session_factory(engine)
        registry = SessionRegistry()
        hooks = Hooks()
        message_log = MessageLog(settings.message_log, db, settings.message_log_retention_days)
        # SQLite has one writer; PostgreSQL takes several lanes (connections) of group commits.
        last_seen = LastSeen(db)
        writer = BatchedWriter(db, lanes=1 if settings.is_sqlite else settings.write_lanes)
        ca = await asyncio.to_thread(
            CertificateAuthority.open, settings.ca.cert_file, settings.ca.key_file, settings.data_dir
        )
        edge = EdgeContext(
            settings=settings,
            db=db,
            registry=registry,
            message_log=message_log,
            writer=writer,
            last_seen=last_seen,
            hooks=hooks,
            throttle=throttle_from_settings(settings),
            trust=Trust.from_settings(settings, ca.certificate),
            ca=ca,
            plausibility=Limits(
                max_kw=settings.security.max_connector_kw,
                future_tolerance=timedelta(minutes=settings.security.future_tolerance_minutes),
            ),
        )
        services = Services(
            settings=settings,
            engine=engine,
            db=db,
            registry=registry,
            commands=Commands(registry),
            hooks=hooks,
            edge=edge,
            api_key=resolve_api_key(settings.api_key, settings.data_dir),
        )
        app.state.services = services
        app.state.edge = edge
        message_log.start()
        writer.start()
        last_seen.start()
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
            for session in registry:
                session.rpc.close()
                await session.close(1001, "central system shutting down")
            await last_seen.stop()
            await writer.stop()
            await message_log.stop()
            await engine.dispose()

    app = FastAPI(
        title="Chargegrid",
        version=__version__,
        description="Open-source OCPP central system: OCPP.Core-compatible /API, Motown-compatible "
        "operator API, "
        "Stripe payments. Authenticate with the X-API-Key header.",
        lifespan=lifespan,
    )
    app.add_exception_handler(CommandError, command_error_handler)
    app.add_exception_handler(ValidationError, invalid_command_values_handler)
    app.include_router(health_router)
    app.include_router(metrics_router)
    for face in FACES:
        app.include_router(face.router)
    # Catch-alls (e.g. "unknown /API command") go after every face's routes, whatever the face order.
    for face in FACES:
        app.router.routes.extend(getattr(face, "fallback_routes", ()))
    return OcppFirst(app)
