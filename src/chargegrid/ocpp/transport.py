"""The node's listening port: TLS, request-head limits, OCPP websockets by `websockets`, HTTP by uvicorn.

Every connection starts in `EdgeProtocol` (uvicorn's `http` protocol class, so uvicorn keeps the socket,
the lifespan, signals and graceful shutdown). It runs the TLS handshake itself (to bound it in time), reads
the first request head under a deadline and size limits, then hands the socket over:

- an upgrade to `/OCPP/<id>` goes to `OcppConnection`, the `websockets` library's own asyncio connection
  (sans-I/O `ServerProtocol` underneath): admission (`ocpp.admission`) runs as its `process_request`,
  then `ocpp.server.serve_charger` runs the session. No ASGI layers per frame: measured, an idle charger
  costs ~16 KiB this way against ~64 KiB under uvicorn's ASGI websocket protocol;
- anything else goes to uvicorn's own HTTP protocol with the bytes read so far: FastAPI sees nothing new.

Refused and closed connections are logged with their reason (never a header value).
"""

from __future__ import annotations

import asyncio
import http
import logging
import os
import ssl
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast
from urllib.parse import unquote

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import OPEN, Event
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from chargegrid.config import Settings, TlsSettings
from chargegrid.ocpp.admission import Admitted, ChargePointLookup, HandshakeRequest, TlsFacts, admit
from chargegrid.ocpp.idle_buffers import shrink_idle_buffers
from chargegrid.ocpp.keepalive import Keepalive
from chargegrid.ocpp.server import LinkClosed, serve_charger
from chargegrid.ocpp.versions import negotiate

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

    from chargegrid.ocpp.context import EdgeContext

log = logging.getLogger("chargegrid.edge")

OCPP_PREFIX = b"/OCPP/"
# OCPP 1.6 Security Whitepaper ed. 2 / 2.0.1 A00.FR.318: ECDHE with AES-GCM for TLS 1.2. TLS 1.3 keeps
# OpenSSL's defaults (all AEAD suites), which set_ciphers does not touch.
TLS12_CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
    )
)
TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}
# A handshake deadline timer firing this late finds the loop overloaded; it then looks again this much later.
LATE_TIMER_SECONDS = 0.25
LATE_GRACE_SECONDS = 1.0


class TlsSource:
    """The server's SSLContext, rebuilt when its files change (checked as connections arrive) or on SIGHUP.

    A new context per load rather than loading into the old one: a replaced key of another type would
    otherwise sit next to the old one. Connections in progress keep the context they started with.
    """

    def __init__(self, settings: TlsSettings) -> None:
        self.settings = settings
        self._files = [p for p in (settings.cert_file, settings.key_file, settings.client_ca_file) if p]
        self._stamp = self._stat()
        self._checked = time.monotonic()
        self.context = self._build()
        self._cipher_ids = self._ids(self.context)

    def _build(self) -> ssl.SSLContext:
        s = self.settings
        assert s.cert_file is not None and s.key_file is not None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.maximum_version = ssl.TLSVersion.TLSv1_3
        context.set_ciphers(TLS12_CIPHERS)
        context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
        context.load_cert_chain(s.cert_file, s.key_file)
        if s.client_ca_file is not None:
            # Asked for, not required: a profile-2 charger has no certificate. One that is sent must verify.
            context.verify_mode = ssl.CERT_OPTIONAL
            context.load_verify_locations(cafile=str(s.client_ca_file))
        return context

    @staticmethod
    def _ids(context: ssl.SSLContext) -> dict[str, int]:
        return {c["name"]: c["id"] & 0xFFFF for c in context.get_ciphers()}

    def _stat(self) -> tuple[tuple[int, int, int], ...]:
        stamps = []
        for path in self._files:
            try:
                st = os.stat(path)
                stamps.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                stamps.append((0, 0, 0))
        return tuple(stamps)

    def reload(self, why: str) -> bool:
        """Load the files again; on a broken file keep serving with the previous certificate."""
        self._stamp = self._stat()
        try:
            context = self._build()
        except (OSError, ssl.SSLError, ValueError) as exc:
            log.error("TLS certificate reload (%s) failed, keeping the previous one: %s", why, exc)
            return False
        self.context, self._cipher_ids = context, self._ids(context)
        log.info("TLS certificate reloaded (%s)", why)
        return True

    def current(self) -> ssl.SSLContext:
        now = time.monotonic()
        if now - self._checked >= self.settings.reload_check_seconds:
            self._checked = now
            if self._stat() != self._stamp:
                self.reload("files changed")
        return self.context

    def facts(self, transport: asyncio.BaseTransport) -> TlsFacts:
        """The ASGI TLS extension for a connection whose TLS handshake completed."""
        ssl_object: ssl.SSLObject | None = transport.get_extra_info("ssl_object")
        chain: list[str] = []
        name: str | None = None
        version = cipher = None
        if ssl_object is not None:
            der = ssl_object.getpeercert(binary_form=True)
            if der:
                from cryptography import x509

                chain = [ssl.DER_cert_to_PEM_cert(der)]
                name = x509.load_der_x509_certificate(der).subject.rfc4514_string()
            version = TLS_VERSIONS.get(ssl_object.version() or "")
            suite = ssl_object.cipher()
            cipher = self._cipher_ids.get(suite[0]) if suite else None
        return TlsFacts(
            tls_used=True,
            client_cert_chain=chain,
            client_cert_name=name,
            client_cert_error=None,
            tls_version=version,
            cipher_suite=cipher,
        )


class EdgeListener:
    """What every connection of one listening port shares: the app, settings, TLS, per-address counts."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limits = settings.edge
        self.tls = TlsSource(settings.tls) if settings.tls.enabled else None
        self._per_address: dict[str, int] = {}
        self.handler_tasks: set[asyncio.Task[None]] = set()
        self.serving = True
        self._lookup: ChargePointLookup | None = None
        ping = settings.edge.ping_interval_seconds
        self.keepalive = Keepalive(ping, ping) if ping else None

    @property
    def edge(self) -> EdgeContext:
        ctx: EdgeContext = self.app.state.edge  # type: ignore[attr-defined]
        return ctx

    @property
    def lookup(self) -> ChargePointLookup:
        if self._lookup is None:  # the database exists once the app's lifespan has started
            self._lookup = ChargePointLookup(self.edge.db)
        return self._lookup

    def protocol_class(self) -> type[EdgeProtocol]:
        """uvicorn's `http` protocol class for this listener (uvicorn instantiates it per connection)."""
        return type("BoundEdgeProtocol", (EdgeProtocol,), {"listener": self})

    # ---- the per-address cap ---------------------------------------------------------------

    def take(self, remote: str) -> bool:
        count = self._per_address.get(remote, 0) + 1
        cap = self.limits.max_connections_per_address
        if cap and count > cap:
            return False
        self._per_address[remote] = count
        return True

    def release(self, remote: str) -> None:
        count = self._per_address.get(remote, 0) - 1
        if count > 0:
            self._per_address[remote] = count
        else:
            self._per_address.pop(remote, None)

    # ---- websockets' Server interface, as far as ServerConnection uses it -------------------

    def is_serving(self) -> bool:
        return self.serving

    def handler(self, connection: ServerConnection) -> Coroutine[Any, Any, None]:
        # The connection's own coroutine becomes the task (one coroutine frame less per charger); it
        # leaves `handler_tasks` itself when it ends.
        assert isinstance(connection, OcppConnection)
        return connection.run()


def refused(remote: str, reason: str) -> None:
    log.info("refused connection from %s: %s", remote, reason)


def _select_subprotocol(protocol: ServerProtocol, offered: Sequence[Subprotocol]) -> Subprotocol | None:
    # Admission already chose with the same rule; the handshake only echoes that choice.
    version = negotiate(list(offered))
    return Subprotocol(version.value) if version is not None else None


def _plain_response(status: int, text: str) -> bytes:
    body = (text + "\n").encode()
    phrase = http.HTTPStatus(status).phrase
    return (
        f"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def _feed_tls_layer(raw: asyncio.Transport, edge: asyncio.Protocol, data: bytes) -> None:
    """Give bytes read before start_tls to the TLS protocol that start_tls put on `raw`.

    Both loops' SSL protocols are buffered protocols; before their `connection_made` they only store the
    bytes in the TLS object's incoming buffer, which the handshake then reads.
    """
    tls_layer = cast(asyncio.BufferedProtocol, raw.get_protocol())
    if tls_layer is edge or raw.is_closing():
        return  # start_tls failed before taking the socket, or the connection is already gone
    view = memoryview(data)
    while view:
        buffer = memoryview(tls_layer.get_buffer(len(view)))
        size = min(len(buffer), len(view))
        buffer[:size] = view[:size]
        tls_layer.buffer_updated(size)
        view = view[size:]


class EdgeProtocol(asyncio.Protocol):
    """A new connection until its first request head is read; then OCPP websocket or uvicorn HTTP."""

    listener: ClassVar[EdgeListener]

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.config = config
        self.server_state = server_state
        self.app_state = app_state
        self.loop = _loop or asyncio.get_event_loop()
        self.transport: asyncio.Transport | None = None
        self.remote = "?"
        self.buffer = bytearray()
        self.tls_pending = False
        self.finished = False  # handed over or closed: nothing more to do here
        self.counted = False
        self.deadline: asyncio.TimerHandle | None = None
        self.deadline_at = 0.0
        self.late_rearms = 0
        self.tls_facts: TlsFacts | None = None
        self.tls_task: asyncio.Task[None] | None = None

    # ---- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but they have its methods.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.remote = str(peer[0]) if peer else "?"
        listener = self.listener
        if not listener.take(self.remote):
            refused(
                self.remote,
                f"{listener.limits.max_connections_per_address} sockets already open from this address",
            )
            self.finished = True
            transport.abort()
            return
        self.counted = True
        self.server_state.connections.add(self)
        timeout = listener.limits.handshake_timeout_seconds
        self.deadline_at = self.loop.time() + timeout
        self.deadline = self.loop.call_at(self.deadline_at, self._too_slow)
        if listener.tls is not None:
            # Meant to keep the ClientHello unread until start_tls takes the socket over, but neither loop
            # honours it here: uvloop (0.23, `UVBaseTransport._call_connection_made`) starts reading right
            # after `connection_made` returns, as asyncio does before Python 3.12 (CPython gh-103607).
            # Bytes read before the task below runs land in `data_received`; `_start_tls` passes them on.
            transport.pause_reading()
            self.tls_pending = True
            self.tls_task = self.loop.create_task(
                # Our deadline closes slow handshakes; asyncio's own is only the backstop.
                self._start_tls(transport, listener.tls.current(), timeout + LATE_GRACE_SECONDS * 10)
            )

    async def _start_tls(self, raw: asyncio.Transport, context: ssl.SSLContext, timeout: float) -> None:
        # The ClientHello (or part of it) may already sit in `buffer` (see `connection_made`). Dropped, the
        # handshake waits for bytes the client already sent: stuck until our deadline (under a connect
        # burst, up to half the wss:// connections). start_tls swaps in its TLS protocol synchronously and
        # schedules that protocol's `connection_made`, then resumes reading; this callback, scheduled
        # first, runs before both, so the bytes reach the TLS layer first and in order.
        if self.buffer:
            early, self.buffer = bytes(self.buffer), bytearray()
            self.loop.call_soon(_feed_tls_layer, raw, self, early)
        try:
            secured = await self.loop.start_tls(
                raw, self, context, server_side=True, ssl_handshake_timeout=timeout
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError, RuntimeError) as exc:
            if not self.finished:
                refused(self.remote, f"TLS handshake failed: {getattr(exc, 'reason', None) or exc}")
            self._close(raw)
            return
        if self.finished or secured is None:
            if secured is not None:
                secured.abort()
            return
        self.transport = secured
        self.tls_pending = False
        self.tls_facts = self.listener.tls.facts(secured) if self.listener.tls else None
        if self.buffer:
            self._consume()

    def data_received(self, data: bytes) -> None:
        if self.finished:
            return
        self.buffer += data
        if not self.tls_pending:
            self._consume()

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._close(None)

    def shutdown(self) -> None:
        """uvicorn stops: a connection still in its handshake is simply closed."""
        self.listener.serving = False
        self._close(self.transport)

    # ---- the request head ----------------------------------------------------------------------

    def _consume(self) -> None:
        end = self.buffer.find(b"\r\n\r\n")
        head = self.buffer if end < 0 else memoryview(self.buffer)[: end + 2]
        problem = self._head_problem(bytes(head), complete=end >= 0)
        if problem is not None:
            status, reason = problem
            refused(self.remote, reason)
            self._answer(status, f"{http.HTTPStatus(status).phrase}: {reason}.")
            return
        if end < 0:
            return
        if self.deadline is not None:
            self.deadline.cancel()
        request_line, _, rest = bytes(head).partition(b"\r\n")
        parts = request_line.split(b" ")
        target = parts[1] if len(parts) == 3 else b""
        if target.startswith(OCPP_PREFIX) and b"websocket" in rest.lower():
            self._to_websocket(target)
        else:
            self._to_http()

    def _head_problem(self, head: bytes, complete: bool) -> tuple[int, str] | None:
        limits = self.listener.limits
        lines = head.split(b"\r\n")
        if not complete:
            # The last line is still arriving: judge its length so far, and the count of finished lines.
            if len(lines[-1]) > limits.max_header_line_bytes:
                return 431, f"request line or header longer than {limits.max_header_line_bytes} bytes"
            lines = lines[:-1]
        elif lines and lines[-1] == b"":
            lines = lines[:-1]
        if len(lines) - 1 > limits.max_headers:
            return 431, f"more than {limits.max_headers} header lines"
        for line in lines:
            if len(line) > limits.max_header_line_bytes:
                return 431, f"request line or header longer than {limits.max_header_line_bytes} bytes"
        if len(head) > limits.max_head_bytes:
            return 431, f"request head larger than {limits.max_head_bytes} bytes"
        return None

    def _too_slow(self) -> None:
        if self.finished:
            return
        now = self.loop.time()
        if now - self.deadline_at > LATE_TIMER_SECONDS and self.late_rearms < 10:
            # The timer itself ran late: the loop is behind (a connection storm), and libuv runs timers
            # before reading sockets, so this client's head may be waiting unread. Judge it once the
            # loop has caught up, not now.
            self.late_rearms += 1
            self.deadline_at = now + LATE_GRACE_SECONDS
            self.deadline = self.loop.call_at(self.deadline_at, self._too_slow)
            return
        what = "TLS handshake" if self.tls_pending else "request head"
        refused(
            self.remote, f"{what} not complete within {self.listener.limits.handshake_timeout_seconds:g} s"
        )
        self._close(self.transport)
        if self.transport is not None:
            self.transport.abort()

    def _answer(self, status: int, text: str) -> None:
        transport = self.transport
        self._close(None)
        if transport is not None:
            transport.write(_plain_response(status, text))
            transport.close()

    def _close(self, transport: asyncio.BaseTransport | None) -> None:
        """Forget this connection here (idempotent); close `transport` if given."""
        self.finished = True
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        self.server_state.connections.discard(self)
        if self.counted:
            self.counted = False
            self.listener.release(self.remote)
        if transport is not None and not transport.is_closing():
            transport.close()

    def _leave(self) -> tuple[asyncio.Transport, bytes]:
        """Hand the socket over: this object keeps nothing, the per-address count moves to the new owner."""
        assert self.transport is not None
        transport, data = self.transport, bytes(self.buffer)
        self.finished = True
        self.server_state.connections.discard(self)
        self.counted = False
        self.buffer = bytearray()
        return transport, data

    # ---- hand-overs ---------------------------------------------------------------------------

    def _to_http(self) -> None:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol

        transport, data = self._leave()
        proto = AutoHTTPProtocol(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.app_state, _loop=self.loop
        )
        listener, remote = self.listener, self.remote
        lost = proto.connection_lost

        def connection_lost(exc: Exception | None) -> None:
            try:
                lost(exc)
            finally:
                listener.release(remote)

        proto.connection_lost = connection_lost  # type: ignore[method-assign]
        transport.set_protocol(proto)
        proto.connection_made(transport)
        proto.data_received(data)

    def _to_websocket(self, target: bytes) -> None:
        transport, data = self._leave()
        listener = self.listener
        path = unquote(target.partition(b"?")[0].decode("latin-1"))
        settings = listener.settings
        ping = settings.edge.ping_interval_seconds or None
        protocol = ServerProtocol(
            select_subprotocol=_select_subprotocol,
            max_size=settings.max_message_size,
        )
        connection = OcppConnection(
            protocol,
            listener,
            charge_point_id=path[len(OCPP_PREFIX) :],
            remote=self.remote,
            tls=self.tls_facts,
            server_state=self.server_state,
            ping_interval=ping,  # pinged by the listener's one `Keepalive`, not a task per connection
            ping_timeout=ping,
        )
        transport.set_protocol(connection)
        connection.connection_made(transport)
        connection.data_received(data)


class _Peer:
    """What `OcppConnection` adds to `websockets`' connection, in one object with slots.

    `websockets`' connection object already sets 27 instance attributes. CPython (3.11) keeps an
    instance's attributes in a compact values array shared with its class only up to 29 names; one more
    and every instance gets a dict of its own (measured: ~330 → ~1,650 bytes per connection, per idle
    charger). So the connection gets one attribute, this, instead of six.
    """

    __slots__ = ("admitted", "charge_point_id", "queued", "remote", "server_state", "take", "tls")

    def __init__(self, charge_point_id: str, remote: str, tls: TlsFacts | None, server_state: Any) -> None:
        self.charge_point_id = charge_point_id
        self.remote = remote
        self.tls = tls  # for admission only: dropped after it
        self.server_state = server_state
        self.admitted: Admitted | None = None  # admission's verdict, until the session takes it
        self.take: Callable[[str], None] | None = None  # the session's frame sink (`deliver_to`)
        self.queued = 0  # messages handed to websockets' own queue that `receive` has not returned yet


class OcppConnection(ServerConnection):
    """One charger's websocket (the `websockets` library's connection) and the `Link` its session uses."""

    def __init__(
        self,
        protocol: ServerProtocol,
        listener: EdgeListener,
        *,
        charge_point_id: str,
        remote: str,
        tls: TlsFacts | None,
        server_state: Any,
        ping_interval: float | None,
        ping_timeout: float | None,
    ) -> None:
        super().__init__(
            protocol,
            listener,  # type: ignore[arg-type]
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
        )
        self.peer = _Peer(charge_point_id, remote, tls, server_state)

    @property
    def listener(self) -> EdgeListener:
        return cast(EdgeListener, self.server)  # the `server` given to ServerConnection

    @property
    def remote(self) -> str:
        return self.peer.remote

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.peer.server_state.connections.add(self)
        super().connection_made(transport)
        shrink_idle_buffers(self)  # its queues exist now; no frame has arrived yet

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            super().connection_lost(exc)
        finally:
            if self in self.peer.server_state.connections:
                self.peer.server_state.connections.discard(self)
                self.listener.release(self.remote)

    def shutdown(self) -> None:
        """uvicorn stops: tell the charger we are going away (handshakes still running get 503)."""
        self.listener.serving = False
        if self.listener.keepalive is not None:
            self.listener.keepalive.stop()
        task = self.loop.create_task(self.close(1001, "central system shutting down"))
        self.listener.handler_tasks.add(task)
        task.add_done_callback(self.listener.handler_tasks.discard)

    def start_keepalive(self) -> None:
        if self.listener.keepalive is not None:
            self.listener.keepalive.add(self)

    # ---- Link ----------------------------------------------------------------------------------

    def deliver_to(self, take: Callable[[str], None] | None) -> None:
        self.peer.take = take

    def process_event(self, event: Event) -> None:
        """websockets calls this from `data_received` for each parsed event (the hook its own client and
        server connections override to take the handshake). A complete text frame goes to the session's
        `take` right here instead of through the message queue that `recv()` reads: that saved a future,
        a wake-up of the session's task and the queue's bookkeeping per message. Everything else (the
        handshake request, control frames, binary and fragmented messages, text that is not UTF-8) takes
        the library's own path, as does a text frame while an earlier message still waits in that queue
        (so the order of messages holds)."""
        take = self.peer.take
        if take is not None and type(event) is Frame:
            if event.opcode is Opcode.TEXT and event.fin and not self.peer.queued:
                try:
                    text = str(event.data, "utf-8")
                except UnicodeDecodeError:
                    pass  # `recv()` fails the connection with 1007 as websockets does
                else:
                    try:
                        take(text)
                    except Exception:  # the transport's callback must not raise
                        log.exception("OCPP frame from %s could not be handled", self.remote)
                    return
            if event.fin and event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                self.peer.queued += 1
        super().process_event(event)

    async def receive(self) -> str | bytes:
        try:
            message = await self.recv()
        except ConnectionClosed:
            raise LinkClosed from None
        self.peer.queued = max(0, self.peer.queued - 1)
        return message

    # `send(text)` and `close(code, reason)` are ServerConnection's own.

    # ---- life ----------------------------------------------------------------------------------

    async def _admit(self, _connection: ServerConnection, request: Request) -> Response | None:
        headers = {name.lower(): value for name, value in request.headers.raw_items()}
        offered = [
            token.strip()
            for value in request.headers.get_all("Sec-WebSocket-Protocol")
            for token in value.split(",")
            if token.strip()
        ]
        extensions: dict[str, Any] = {"tls": self.peer.tls} if self.peer.tls is not None else {}
        handshake = HandshakeRequest(self.peer.charge_point_id, offered, headers, self.remote, extensions)
        verdict = await admit(self.listener.edge, handshake, self.listener.lookup)
        if isinstance(verdict, Admitted):
            self.peer.admitted = verdict
            return None
        refused(self.remote, f"{verdict.status} {verdict.text[:160]}")
        response = self.protocol.reject(verdict.status, verdict.text + "\n")
        for name, value in verdict.headers.items():
            response.headers[name] = value
        return response

    async def run(self) -> None:
        """The connection's one task: handshake (admission), then the charger's session."""
        try:
            await self.handshake(self._admit, server_header=None)
            if self.protocol.state is not OPEN or self.peer.admitted is None:
                if self.protocol.handshake_exc is not None:
                    refused(self.remote, f"websocket handshake failed: {self.protocol.handshake_exc}")
                self.transport.abort()
                return
            # Admission has read the head: an idle charger need not keep its headers (~3 KiB) or TLS facts
            # for days. websockets only checks that a request was received. The headers are emptied in
            # place: the protocol's parser still holds this Request (a local of its suspended generator
            # for the connection's life; tracemalloc: ~2.5 KiB per charger).
            assert self.request is not None
            self.request.headers.clear()
            self.request = Request(self.request.path, Headers())
            self.response = None
            admitted, self.peer.admitted, self.peer.tls = self.peer.admitted, None, None
            self.start_keepalive()
            async with self:
                await serve_charger(self.listener.edge, admitted, self.remote, self)
        except Exception:
            log.exception("OCPP connection from %s failed", self.remote)
            self.transport.abort()
        finally:
            self.listener.handler_tasks.discard(asyncio.current_task())


def uvicorn_config(
    app: ASGIApp, settings: Settings, *, host: str, port: int, **options: Any
) -> tuple[uvicorn.Config, EdgeListener]:
    """The uvicorn configuration that serves `app` behind the edge on host:port (TLS if configured)."""
    import uvicorn

    listener = EdgeListener(app, settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=listener.protocol_class(),
        lifespan="on",
        ws_max_size=settings.max_message_size,
        ws_per_message_deflate=False,
        **options,
    )
    return config, listener


def tls_files_exist(settings: TlsSettings) -> list[Path]:
    """The configured TLS files that are missing (start-up refuses to run without them)."""
    files = (settings.cert_file, settings.key_file, settings.client_ca_file)
    return [p for p in files if p and not p.is_file()]
