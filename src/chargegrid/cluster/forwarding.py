"""Commands carried between the nodes of a cluster: a command for a charger that another node holds runs
there, and its outcome (or error) comes back to the asking node.

Keys (under the `redis.key_prefix` setting, `P`; who holds which charger is `cluster/node.py`):
- `P:inbox:<node>`: the node's request list: commands to run on one of its chargers, and "close your
  session of X" when X connected elsewhere. The node pops it (BLPOP), so a request reaches it at once.
- `P:replies:<node>`: the outcomes of the commands a node forwarded, each tagged with its request id;
  one task per node pops them and wakes the waiting caller (no Redis connection held per waiting call).

The asking node looks the holder up and queues the request in one Lua script (one round trip). Only
the holder talks to a charger, so OCPP's one-outstanding-CALL-per-charger rule (the session's call lock)
holds across the cluster. A holder that dies while a command waits is noticed (its lease) and the command
answers Disconnected; a holder that answers too late finds the asker gone (the request's deadline).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from chargegrid.background import raise_if_stopping
from chargegrid.ocpp.commands import Command, CommandError, DialectBug, InvalidCommand, UnsupportedCommand
from chargegrid.ocpp.commands.catalog import command_from_json, command_to_json
from chargegrid.ocpp.commands.execute import run_on_session
from chargegrid.ocpp.commands.outcome import Outcome, OutcomeStatus

if TYPE_CHECKING:
    from chargegrid.cluster.node import ClusterNode

log = logging.getLogger("chargegrid.cluster")

# A command error raised on the holder comes back as the same class, by name.
COMMAND_ERRORS: dict[str, type[CommandError]] = {
    cls.__name__: cls for cls in (InvalidCommand, UnsupportedCommand, DialectBug, CommandError)
}
# How much longer than the call timeout the asking node waits for the holder's own Timeout answer
# (the request's trip through Redis is added to the charger's wait on the holder).
REPLY_GRACE_SECONDS = 1.0
# How often a waiting caller checks that the holder is still alive.
LIVENESS_CHECK_SECONDS = 0.5

# Look up the live holder and, unless it is the asking node, queue the request in its inbox: one round
# trip for a forwarded command. ARGV: node-key prefix, inbox prefix, the request, asking node, inbox TTL ms.
_ROUTE = """
local node = redis.call('GET', KEYS[1])
if not node or redis.call('EXISTS', ARGV[1] .. node) == 0 then return false end
if node ~= ARGV[4] then
  redis.call('RPUSH', ARGV[2] .. node, ARGV[3])
  redis.call('PEXPIRE', ARGV[2] .. node, ARGV[5])
end
return node
"""


class ClusterUnavailable(Exception):
    """This node cannot reach the cluster (Redis); the message says why. HTTP 503."""


class Forwarding:
    """This node's side of the command carrying: asks other nodes, serves their requests."""

    def __init__(self, node: ClusterNode) -> None:
        self.node = node
        self.redis = node.redis
        self._route = self.redis.register_script(_ROUTE)
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._handlers: set[asyncio.Task[None]] = set()

    def cancel_handlers(self) -> None:
        for task in list(self._handlers):
            task.cancel()

    async def send(self, node: str, message: dict[str, Any]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.rpush(self.node.inbox_key(node), json.dumps(message))
        pipe.pexpire(self.node.inbox_key(node), self.node.lease_ms * 4)  # a dead node's inbox goes away
        await pipe.execute()

    async def remote(self, cp_id: str, command: Command, actor: str | None) -> Outcome:
        """`Commands.remote`: run `command` on the node that holds `cp_id` and return its outcome."""
        try:
            return await self._remote(cp_id, command, actor)
        except (RedisError, OSError) as exc:
            self.node.lost_redis(exc)
            here = self.node.node_id
            raise ClusterUnavailable(
                f"cannot reach charge point {cp_id!r}: it is not connected to this node ({here}) "
                f"and the cluster is unreachable (Redis: {exc})"
            ) from None

    async def _remote(self, cp_id: str, command: Command, actor: str | None) -> Outcome:
        request_id = uuid.uuid4().hex
        waiting = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = waiting
        try:
            return await self._forward(cp_id, command, actor, request_id, waiting)
        finally:
            self._waiting.pop(request_id, None)

    async def _forward(
        self,
        cp_id: str,
        command: Command,
        actor: str | None,
        request_id: str,
        waiting: asyncio.Future[dict[str, Any]],
    ) -> Outcome:
        timeout = self.node.settings.call_timeout
        request = {
            "type": "call",
            "cp": cp_id,
            "command": command_to_json(command),
            "actor": actor,
            "id": request_id,
            "reply": self.node.replies_key(self.node.node_id),
            "deadline": time.time() + timeout,
        }
        routed = await self._route(
            keys=[self.node.cp_key(cp_id)],
            args=[
                self.node.node_key(""),
                self.node.inbox_key(""),
                json.dumps(request),
                self.node.node_id,
                self.node.lease_ms * 4,
            ],
        )
        node = str(routed) if routed else None
        if node is None or node == self.node.node_id:
            return Outcome(
                OutcomeStatus.Offline, description=f"charge point {cp_id!r} is not connected to the cluster"
            )
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout + REPLY_GRACE_SECONDS
        while (left := end - loop.time()) > 0:
            with contextlib.suppress(TimeoutError):
                reply = await asyncio.wait_for(asyncio.shield(waiting), min(LIVENESS_CHECK_SECONDS, left))
                return _read_reply(reply)
            if await self.node.holder(cp_id) != node:  # the holder died, or the charger left it
                return Outcome(
                    OutcomeStatus.Disconnected,
                    description=f"charge point {cp_id!r} or its node {node} went away before answering; "
                    "the command may or may not have been carried out",
                )
        return Outcome(OutcomeStatus.Timeout, description=f"no answer from charge point {cp_id!r} in time")

    async def serve_inbox(self) -> None:
        await self._pop_each(self.node.inbox_key(self.node.node_id), self._dispatch)

    async def serve_replies(self) -> None:
        await self._pop_each(self.node.replies_key(self.node.node_id), self._deliver)

    async def _pop_each(self, key: str, handle: Callable[[str | bytes], None]) -> None:
        """Pop the list `key` for ever (BLPOP: each entry arrives at once) and hand each entry on."""
        while True:
            try:
                popped = await self.redis.blpop([key], timeout=1)
            except (RedisError, OSError) as exc:
                raise_if_stopping()
                self.node.lost_redis(exc)
                await asyncio.sleep(1)
                continue
            if popped is not None:
                handle(popped[1])

    def _dispatch(self, request: str | bytes) -> None:
        task = asyncio.create_task(self._handle(json.loads(request)))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    def _deliver(self, text: str | bytes) -> None:
        reply = json.loads(text)
        waiting = self._waiting.get(reply.pop("id"))
        if waiting is not None and not waiting.done():  # else the caller gave up (Timeout)
            waiting.set_result(reply)

    async def _handle(self, message: dict[str, Any]) -> None:
        cp_id = message["cp"]
        if message["type"] == "close":
            try:
                moved = (
                    await self.redis.get(self.node.cp_key(cp_id)) != self.node.node_id
                )  # not back here meanwhile
            except (RedisError, OSError) as exc:
                self.node.lost_redis(exc)
                return  # the lease refresh settles it when Redis is back
            if moved:
                await self.node.close_local(cp_id, f"connected to node {message['by']}")
            return
        if time.time() > message["deadline"]:
            return  # the asking node has given up (answered Timeout); do not act behind its back
        reply: dict[str, Any]
        session = self.node.registry.get(cp_id)
        if session is None:
            outcome = Outcome(OutcomeStatus.Offline, description=f"charge point {cp_id!r} is not connected")
            reply = {"outcome": outcome.to_json()}
        else:
            try:
                outcome = await run_on_session(session, command_from_json(message["command"]))
                reply = {"outcome": outcome.to_json()}
            except CommandError as exc:
                reply = {"error": type(exc).__name__, "message": str(exc)}
            except Exception as exc:  # e.g. a command this node's version does not know: say so, do not hang
                log.exception("node %s could not run a forwarded command for %r", self.node.node_id, cp_id)
                message_text = (
                    f"node {self.node.node_id} could not run the command ({type(exc).__name__}); see its log"
                )
                reply = {"error": DialectBug.__name__, "message": message_text}
        pipe = self.redis.pipeline(transaction=False)
        pipe.rpush(message["reply"], json.dumps({"id": message["id"], **reply}))
        pipe.pexpire(message["reply"], self.node.lease_ms * 4)
        try:
            await pipe.execute()
        except (
            RedisError,
            OSError,
        ) as exc:  # the asker sees no answer: Timeout, as for a lost charger answer
            self.node.lost_redis(exc)


def _read_reply(reply: dict[str, Any]) -> Outcome:
    if "error" in reply:
        raise COMMAND_ERRORS.get(reply["error"], CommandError)(reply["message"])
    return Outcome.from_json(reply["outcome"])
