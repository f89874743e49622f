"""Websocket keepalive pings for every charger of a node from one task, not one task per connection.

`websockets` keeps each connection alive with a task of its own that sleeps between pings: with tens of
thousands of idle chargers those sleeping tasks were ~1.7 KiB of each charger's ~21 KiB (measured with
`bench/run.py`: 21.5 → 19.7 KiB per idle charger at 19,900 with pings off). Here one loop per node walks a
queue ordered by due time (every connection has the same interval, so appending keeps it ordered), sends
each due connection its ping, and gives the ping a short-lived task only while its pong is awaited. A
charger that does not answer within the timeout is closed with 1011 "keepalive ping timeout", as
`websockets` does.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque

from websockets.asyncio.connection import Connection
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.protocol import State

log = logging.getLogger("chargegrid.edge")


class Keepalive:
    """Ping each added connection every `interval` seconds; close it when no pong came within `timeout`."""

    def __init__(self, interval: float, timeout: float | None) -> None:
        self.interval = interval
        self.timeout = timeout
        self._tick = min(1.0, interval / 4)  # how late a ping may be
        self._due: deque[tuple[float, weakref.ref[Connection]]] = deque()
        self._pinging: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    def add(self, connection: Connection) -> None:
        loop = asyncio.get_running_loop()
        self._due.append((loop.time() + self.interval, weakref.ref(connection)))
        if self._task is None:
            self._task = loop.create_task(self._run(), name="keepalive")

    def stop(self) -> None:
        """The node stops: no more pings (its connections are being closed)."""
        for task in (self._task, *self._pinging):
            if task is not None:
                task.cancel()
        self._task = None
        self._due.clear()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._due:
            await asyncio.sleep(self._tick)
            now = loop.time()
            while self._due and self._due[0][0] <= now:
                _due, ref = self._due.popleft()
                connection = ref()
                if connection is None or connection.protocol.state is not State.OPEN:
                    continue  # gone: it leaves the queue here
                self._due.append((now + self.interval, ref))
                task = loop.create_task(self._ping(connection))
                self._pinging.add(task)
                task.add_done_callback(self._pinging.discard)
        self._task = None

    async def _ping(self, connection: Connection) -> None:
        try:
            pong = await connection.ping()
            if self.timeout is None:
                return
            try:
                async with asyncio.timeout(self.timeout):
                    await pong
            except TimeoutError:
                log.info("closing a websocket that did not answer a ping within %g s", self.timeout)
                async with connection.send_context():
                    connection.protocol.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
        except ConnectionClosed:
            pass  # closed meanwhile, or by the timeout above
        except Exception:
            log.exception("keepalive ping failed")
