"""OCPP-J RPC over one websocket: frames, message ids, one outstanding server CALL, timeouts, CallErrors.

Why our own session and not `ocpp.ChargePoint`: measured, its jsonschema validation costs 70-300 µs a
message (ours: ~5 µs with the same schemas compiled by fastjsonschema), a `call()` from inside a handler
deadlocks (it reads answers in the loop that runs the handler; we run each incoming CALL in its own task),
a late answer after a timeout is taken by the next call (we match answers by id and drop strays), invalid
JSON gets no reply (we answer RpcFrameworkError/FormationViolation), and its 1.6 errors use 2.0.1 codes
(we spell errors per version, see `versions.error_code`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import orjson

from chargegrid.metrics import count_frame
from chargegrid.ocpp import schemas
from chargegrid.ocpp.versions import ErrorKind, OcppVersion, error_code

log = logging.getLogger("chargegrid.rpc")

CALL, CALLRESULT, CALLERROR = 2, 3, 4

Payload = dict[str, Any]
Handler = Callable[[str, Payload], Awaitable[Payload]]
SendText = Callable[[str], Awaitable[None]]
FrameHook = Callable[[str, int, str, str | None, str, str | None], None]
# What to do once the CALL being handled in this task has been answered (see `after_answer`).
_FOLLOW_UPS: contextvars.ContextVar[list[Callable[[], Awaitable[None]]]] = contextvars.ContextVar(
    "follow_ups"
)


class CallError(Exception):
    """Raised by a handler to answer the charger's CALL with a CALLERROR."""

    def __init__(self, kind: ErrorKind, description: str, details: Payload | None = None) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description
        self.details = details or {}


class ChargerError(Exception):
    """The charger answered our CALL with a CALLERROR (or with a payload that breaks the schema)."""

    def __init__(self, code: str, description: str, details: Any = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details


class InvalidAnswer(ChargerError):
    """The charger's answer to our CALL breaks the OCPP schema (or is not a JSON object)."""


class CallTimeout(Exception):
    """The charger did not answer within the call timeout."""


class SessionClosed(Exception):
    """The websocket closed before the charger answered."""


class RpcSession:
    """One charger's RPC state. The edge feeds received text frames to `feed()`."""

    def __init__(
        self,
        version: OcppVersion,
        send: SendText,
        handle: Handler,
        *,
        call_timeout: float,
        validate_schemas: bool = True,
        on_frame: FrameHook | None = None,
    ) -> None:
        self.version = version
        self._send = send
        self._handle = handle
        self.call_timeout = call_timeout
        self._validate = validate_schemas
        self._on_frame = on_frame
        self._call_lock = asyncio.Lock()  # FIFO: commands queue behind the outstanding CALL
        self._pending: dict[str, tuple[str, asyncio.Future[Payload]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = False

    # ---- frames from the charger -------------------------------------------------------------

    def feed(self, text: str) -> None:
        """Take one text frame from the charger. Synchronous, so that the transport can call it from its
        data callback as the frame is parsed: a CALL gets a task of its own, an answer resolves its
        waiting call, and a broken frame's CallError is sent from a task."""
        try:
            frame = orjson.loads(text)
        except orjson.JSONDecodeError:
            self.spawn(self.send_error("-1", ErrorKind.rpc_framework, "message is not valid JSON"))
            return
        if not isinstance(frame, list) or not frame:
            self.spawn(self.send_error("-1", ErrorKind.rpc_framework, "message is not a JSON array"))
            return
        message_id = frame[1] if len(frame) > 1 and isinstance(frame[1], str) else "-1"
        kind = frame[0]
        if kind == CALL:
            if len(frame) != 4 or message_id == "-1" or not isinstance(frame[2], str):
                self.spawn(
                    self.send_error(
                        message_id, ErrorKind.rpc_framework, "CALL must be [2, messageId, action, payload]"
                    )
                )
                return
            self.spawn(self._answer_call(message_id, frame[2], frame[3], text))
        elif kind == CALLRESULT and len(frame) == 3:
            self._resolve(message_id, frame[2], None, text)
        elif kind == CALLERROR and len(frame) in (4, 5):
            self._resolve(message_id, None, frame, text)
        elif kind in (CALLRESULT, CALLERROR):
            self.spawn(
                self.send_error(message_id, ErrorKind.rpc_framework, f"malformed message of type {kind}")
            )
        else:
            self.spawn(
                self.send_error(
                    message_id, ErrorKind.message_type_not_supported, f"unknown message type {kind!r}"
                )
            )

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in a task of its own, kept referenced until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def after_answer(self, follow_up: Callable[[], Awaitable[None]]) -> None:
        """From inside a handler: run `follow_up` once the answer to the CALL being handled has been
        sent (e.g. CertificateSigned after SignCertificate's Accepted), not before it."""
        _FOLLOW_UPS.get().append(follow_up)

    async def _answer_call(self, message_id: str, action: str, payload: Any, raw: str) -> None:
        self._hook("in", CALL, message_id, action, raw, None)
        follow_ups: list[Callable[[], Awaitable[None]]] = []
        _FOLLOW_UPS.set(follow_ups)  # this task's own context: one list per CALL
        try:
            if not isinstance(payload, dict):
                raise CallError(ErrorKind.format, "payload must be a JSON object")
            if not schemas.known_action(self.version, action):
                raise CallError(ErrorKind.not_implemented, f"unknown action {action!r}")
            if self._validate:
                try:
                    schemas.validate(self.version, action, payload)
                except schemas.SchemaViolation as exc:
                    raise CallError(exc.kind, f"{action}: {exc}") from None
            response = await self._handle(action, payload)
            if self._validate:
                try:
                    schemas.validate(self.version, action, response, response=True)
                except schemas.SchemaViolation as exc:
                    log.error("our %s answer breaks the schema: %s: %r", action, exc, response)
                    raise CallError(
                        ErrorKind.internal, "the central system built an invalid answer"
                    ) from None
        except CallError as exc:
            await self.send_error(message_id, exc.kind, exc.description, exc.details, action)
            return
        except Exception:
            log.exception("handler for %s failed", action)
            await self.send_error(
                message_id, ErrorKind.internal, f"{action} could not be processed", None, action
            )
            return
        out = orjson.dumps([CALLRESULT, message_id, response]).decode()
        self._hook("out", CALLRESULT, message_id, action, out, None)
        await self._safe_send(out)
        for follow_up in follow_ups:
            try:
                await follow_up()
            except Exception:
                log.exception("follow-up of %s failed", action)

    async def send_error(
        self,
        message_id: str,
        kind: ErrorKind,
        description: str,
        details: Payload | None = None,
        action: str | None = None,
    ) -> None:
        code = error_code(self.version, kind)
        out = orjson.dumps([CALLERROR, message_id, code, description[:255], details or {}]).decode()
        self._hook("out", CALLERROR, message_id, action, out, code)
        await self._safe_send(out)

    async def _safe_send(self, text: str) -> None:
        if self.closed:
            return
        try:
            await self._send(text)
        except Exception as exc:  # the socket went away while we answered
            log.debug("send failed: %s", exc)

    def _resolve(self, message_id: str, payload: Any, error: list[Any] | None, raw: str) -> None:
        entry = self._pending.pop(message_id, None)
        if entry is None:
            log.info("dropping answer to unknown or timed-out message id %r", message_id)
            self._hook("in", CALLERROR if error else CALLRESULT, message_id, None, raw, "unexpected")
            return
        action, future = entry
        if error is not None:
            code = str(error[2])
            self._hook("in", CALLERROR, message_id, action, raw, code)
            details = error[4] if len(error) > 4 else None
            future.set_exception(ChargerError(code, str(error[3]), details))
            return
        self._hook("in", CALLRESULT, message_id, action, raw, None)
        if not isinstance(payload, dict):
            future.set_exception(InvalidAnswer("FormatViolation", "the charger's answer is not an object"))
            return
        if self._validate:
            try:
                schemas.validate(self.version, action, payload, response=True)
            except schemas.SchemaViolation as exc:
                future.set_exception(InvalidAnswer(error_code(self.version, exc.kind), f"{action}: {exc}"))
                return
        future.set_result(payload)

    # ---- CALLs to the charger ---------------------------------------------------------------

    async def call(self, action: str, payload: Payload, timeout: float | None = None) -> Payload:
        """Send a CALL and return the charger's answer payload.

        Raises ValueError (payload breaks the schema: our caller's mistake, nothing sent), CallTimeout,
        ChargerError, SessionClosed. Only one CALL is outstanding per charger; others wait their turn.
        """
        if self._validate:
            try:
                schemas.validate(self.version, action, payload)
            except schemas.SchemaViolation as exc:
                raise ValueError(f"{action} for OCPP {self.version.value}: {exc}") from None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (timeout if timeout is not None else self.call_timeout)
        try:
            async with asyncio.timeout_at(deadline):
                async with self._call_lock:
                    if self.closed:
                        raise SessionClosed("the charger disconnected")
                    message_id = uuid.uuid4().hex
                    future: asyncio.Future[Payload] = loop.create_future()
                    self._pending[message_id] = (action, future)
                    out = orjson.dumps([CALL, message_id, action, payload]).decode()
                    self._hook("out", CALL, message_id, action, out, None)
                    try:
                        try:
                            await self._send(out)
                        except Exception as exc:
                            raise SessionClosed(f"the charger disconnected ({exc})") from None
                        return await future
                    finally:
                        self._pending.pop(message_id, None)
        except TimeoutError:
            raise CallTimeout(f"no answer to {action} within the call timeout") from None

    def close(self) -> None:
        """The websocket is gone: fail every waiting call at once instead of at their timeout."""
        self.closed = True
        for _action, future in self._pending.values():
            if not future.done():
                future.set_exception(SessionClosed("the charger disconnected"))
        self._pending.clear()

    def _hook(
        self,
        direction: str,
        message_type: int,
        message_id: str,
        action: str | None,
        raw: str,
        result: str | None,
    ) -> None:
        count_frame(direction, message_type, result)
        if self._on_frame is not None:
            self._on_frame(direction, message_type, message_id, action, raw, result)
