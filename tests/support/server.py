"""A real Chargegrid server for end-to-end tests: the node's edge + uvicorn on a random loopback port, in the
test's loop (TLS when the settings name certificate files)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import uvicorn
import websockets
from websockets.asyncio.client import ClientConnection

from chargegrid.app import create_app
from chargegrid.config import Settings, load_settings
from chargegrid.domain.credentials import hash_password
from chargegrid.ocpp.transport import EdgeListener, uvicorn_config
from chargegrid.services import Services
from chargegrid.store.models import ChargePoint, ChargeTag

API_KEY = "test-api-key"


@dataclass
class RunningServer:
    settings: Settings
    host: str
    port: int
    app: Any
    listener: EdgeListener
    client_ssl: ssl.SSLContext | None = None  # what chargers and API clients trust (TLS servers)

    @property
    def scheme(self) -> str:
        return "s" if self.settings.tls.enabled else ""

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    @property
    def http_url(self) -> str:
        return f"http{self.scheme}://{self.host}:{self.port}"

    @property
    def ocpp_url(self) -> str:
        return f"ws{self.scheme}://{self.host}:{self.port}/OCPP"

    def api(self, **kwargs: Any) -> httpx.AsyncClient:
        headers = {"X-API-Key": API_KEY, **kwargs.pop("headers", {})}
        if self.client_ssl is not None:
            kwargs.setdefault("verify", self.client_ssl)
        return httpx.AsyncClient(base_url=self.http_url, headers=headers, timeout=30, **kwargs)

    async def add_charge_point(
        self,
        cp_id: str,
        *,
        password: str | None = None,
        name: str | None = None,
        registration_status: str = "Accepted",
        **fields: Any,
    ) -> None:
        async with self.services.db.begin() as db:
            db.add(
                ChargePoint(
                    id=cp_id,
                    name=name,
                    registration_status=registration_status,
                    password_hash=hash_password(password) if password else None,
                    **fields,
                )
            )

    async def add_tag(
        self,
        tag_id: str,
        *,
        parent: str | None = None,
        expiry: datetime | None = None,
        blocked: bool = False,
        name: str | None = None,
    ) -> None:
        async with self.services.db.begin() as db:
            db.add(ChargeTag(tag_id=tag_id, parent_tag_id=parent, expiry=expiry, blocked=blocked, name=name))

    async def connect(
        self,
        cp_id: str,
        protocol: str = "ocpp1.6",
        password: str | None = None,
        user: str | None = None,
        **kwargs: Any,
    ) -> ClientConnection:
        headers = {}
        if password is not None:
            token = base64.b64encode(f"{user or cp_id}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        if self.client_ssl is not None:
            kwargs.setdefault("ssl", self.client_ssl)
        return await websockets.connect(
            f"{self.ocpp_url}/{cp_id}",
            subprotocols=[protocol],  # type: ignore[list-item]
            additional_headers=headers,
            open_timeout=10,
            **kwargs,
        )

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        """Poll until predicate() (sync or async) is truthy."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            result = predicate()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            if loop.time() > end:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def run_server(database_url: str, tmp_path: Any, **overrides: Any) -> AsyncIterator[RunningServer]:
    settings = load_settings(database_url=database_url, api_key=API_KEY, data_dir=tmp_path, **overrides)
    app = create_app(settings)
    config, listener = uvicorn_config(app, settings, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server stopped during start-up")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningServer(settings, "127.0.0.1", port, app, listener)
    finally:
        server.should_exit = True
        await asyncio.wait({task}, timeout=15)
        if not task.done():  # say where it hangs: every task's stack
            stacks = io.StringIO()
            for other in asyncio.all_tasks():
                other.print_stack(limit=8, file=stacks)
            task.cancel()
            raise AssertionError(
                f"the server did not stop within 15 s; its tasks:\n{stacks.getvalue()[-12000:]}"
            )
        task.result()
