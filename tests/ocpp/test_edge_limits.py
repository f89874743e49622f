"""The port's limits against connections that only hold resources: silent sockets, slowloris heads,
oversized and endless headers, upgraded sockets that never boot, too many sockets from one address."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.support.chargers import connected
from tests.support.databases import temporary_database
from tests.support.server import RunningServer, run_server

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def edge_server(tmp_path: Path) -> Any:
    @asynccontextmanager
    async def start(**edge: Any) -> AsyncIterator[RunningServer]:
        async with temporary_database("sqlite", tmp_path) as url:
            async with run_server(url, tmp_path, edge={"handshake_timeout_seconds": 1, **edge}) as srv:
                yield srv

    def factory(**edge: Any) -> AbstractAsyncContextManager[RunningServer]:
        return start(**edge)

    return factory


def now() -> float:
    return asyncio.get_running_loop().time()


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sent until it closed the socket; fails if it is still open after `seconds`."""
    return await asyncio.wait_for(reader.read(), seconds)


HEAD = (
    "GET /OCPP/CP-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


async def test_silent_and_slow_handshakes_are_closed(
    edge_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with edge_server() as srv:
        with caplog.at_level(logging.INFO, "chargegrid.edge"):
            silent = [await asyncio.open_connection("127.0.0.1", srv.port) for _ in range(50)]
            slow_reader, slow_writer = await asyncio.open_connection("127.0.0.1", srv.port)
            started = now()

            async def drip() -> None:  # slowloris: a header line every 200 ms, never the blank line
                slow_writer.write(HEAD.encode())
                for n in range(40):
                    await asyncio.sleep(0.2)
                    slow_writer.write(f"X-Drip-{n}: 1\r\n".encode())

            dripping = asyncio.create_task(drip())
            assert await closed_within(slow_reader, 4) == b""
            for reader, _ in silent:
                assert await closed_within(reader, 4) == b""
            assert now() - started < 3
            dripping.cancel()
            for _, writer in [*silent, (slow_reader, slow_writer)]:
                writer.close()
            await srv.wait_for(lambda: caplog.text.count("request head not complete within 1 s") >= 51)
        # The port still serves: HTTP and a real charger.
        async with srv.api() as api:
            assert (await api.get("/health")).status_code == 200


async def test_oversized_header_line_gets_431_at_once(
    edge_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with edge_server() as srv:
        with caplog.at_level(logging.INFO, "chargegrid.edge"):
            # The whole 64 KB header, and one whose line never ends: both answered before any timeout.
            for tail in ("\r\n\r\n", ""):
                reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
                started = now()
                writer.write((HEAD + "Sec-WebSocket-Protocol: " + "ocpp1.6," * 8192 + tail).encode())
                answer = await closed_within(reader, 2)
                assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]
                assert b"longer than 8192 bytes" in answer
                assert now() - started < 1
                writer.close()
            assert "refused connection from 127.0.0.1: request line or header longer than" in caplog.text


async def test_too_many_headers_get_431_at_once(edge_server: Any) -> None:
    async with edge_server() as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write((HEAD + "".join(f"X-H{n}: {n}\r\n" for n in range(2000)) + "\r\n").encode())
        answer = await closed_within(reader, 2)
        assert answer.startswith(b"HTTP/1.1 431 ") and b"more than 100 header lines" in answer
        writer.close()
        # A browser-sized head is fine, on HTTP as on OCPP.
        async with srv.api(headers={f"X-Extra-{n}": "x" * 100 for n in range(40)}) as api:
            assert (await api.get("/health")).status_code == 200


async def test_socket_without_boot_notification_is_closed(
    edge_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with edge_server(boot_timeout_seconds=0.5) as srv:
        await srv.add_charge_point("MUTE")
        await srv.add_charge_point("TALKER")
        with caplog.at_level(logging.INFO, "chargegrid.edge"):
            async with connected(srv, "TALKER") as charger:
                mute = await srv.connect("MUTE")
                with pytest.raises(websockets.ConnectionClosed) as info:
                    await asyncio.wait_for(mute.recv(), 3)
                assert info.value.rcvd is not None and info.value.rcvd.code == 1008
                assert "BootNotification" in info.value.rcvd.reason
                await srv.wait_for(lambda: "MUTE" not in srv.services.registry)
                # The charger that booted stays, past the same wait.
                await asyncio.sleep(0.6)
                assert "TALKER" in srv.services.registry and charger.id == "TALKER"
            closed = "closing charge point 'MUTE' from 127.0.0.1: no BootNotification within 0.5 s"
            assert closed in caplog.text


async def test_sockets_per_address_are_capped(edge_server: Any, caplog: pytest.LogCaptureFixture) -> None:
    async with edge_server(max_connections_per_address=3) as srv:
        for n in range(4):
            await srv.add_charge_point(f"CAP-{n}")
        # HTTP requests come and go without using up the allowance.
        async with srv.api() as api:
            for _ in range(5):
                assert (await api.get("/health")).status_code == 200
        with caplog.at_level(logging.INFO, "chargegrid.edge"):
            held = [await srv.connect(f"CAP-{n}") for n in range(3)]
            with pytest.raises((OSError, websockets.InvalidHandshake, EOFError, asyncio.TimeoutError)):
                await srv.connect("CAP-3")
            assert "3 sockets already open from this address" in caplog.text
            with pytest.raises(httpx.HTTPError):
                async with srv.api() as api:
                    await api.get("/health")
            await held[0].close()
            await srv.wait_for(lambda: "CAP-0" not in srv.services.registry)
            fourth = await srv.connect("CAP-3")
            assert "CAP-3" in srv.services.registry
            for ws in [*held[1:], fourth]:
                await ws.close()


async def test_a_charger_that_stops_answering_pings_is_closed(edge_server: Any) -> None:
    """One keepalive loop pings every charger: one that answers stays, one whose pong never comes is
    closed with 1011 once the ping interval and timeout (both the setting) have passed."""
    async with edge_server(ping_interval_seconds=0.3) as srv:
        await srv.add_charge_point("SILENT")
        await srv.add_charge_point("TALKER")
        async with connected(srv, "TALKER") as charger:  # websockets answers pings by itself
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
            writer.write(
                (HEAD.replace("CP-1", "SILENT") + "Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n").encode()
            )
            await srv.wait_for(lambda: "SILENT" in srv.services.registry)
            started = now()
            sent = await closed_within(reader, 5)  # read, but never answered
            assert sent.startswith(b"HTTP/1.1 101")
            assert b"\x89\x04" in sent  # a ping frame (4 random bytes) came first
            assert b"\x88" in sent and b"\x03\xf3keepalive ping timeout" in sent  # close 1011 with the reason
            assert 0.3 <= now() - started < 3
            writer.close()
            await srv.wait_for(lambda: "SILENT" not in srv.services.registry)
            await asyncio.sleep(0.7)  # past two more intervals
            assert "TALKER" in srv.services.registry and charger.id == "TALKER"
