"""A real HTTP receiver for webhook tests: a Starlette app under uvicorn on a loopback port.

It records every delivery (body, headers, the status it answered) and answers what the test sets:
`receiver.fail = 503` makes it refuse until set back to None.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from chargegrid.events import signing


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.body)
        return event


@dataclass
class Receiver:
    port: int = 0
    fail: int | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def accepted(self) -> list[dict[str, Any]]:
        """The events the receiver acknowledged, in the order they arrived."""
        return [d.event for d in self.deliveries if d.answered < 300]

    def signatures_valid(self, secret: str) -> bool:
        return all(signing.verify(secret, d.body, d.headers["chargegrid-signature"]) for d in self.deliveries)

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not predicate():
            if loop.time() > end:
                types = [d.event["type"] for d in self.deliveries]
                raise AssertionError(f"the receiver did not get what was expected; it got {types}")
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), 0.2)

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        status = self.fail or 200
        self.deliveries.append(Delivery(body, {k.lower(): v for k, v in request.headers.items()}, status))
        self.arrived.set()
        return Response(status_code=status)


@contextlib.asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hook", receiver._hook, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    receiver.port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
