"""`Commands.execute(charge_point_id, command) -> Outcome`: the one way a face reaches a charger.

The charger's session (here, or on another node through `remote`) gets the command rendered by its
version's dialect; every way the call can end becomes an `Outcome` (never an exception), except a
command that cannot be sent as asked (`CommandError`: nothing was sent). Listeners hear every finished
command with who asked for it (events, audit).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from chargegrid.ocpp import batching
from chargegrid.ocpp.batching import Batch, Limits, Payload, limit_value
from chargegrid.ocpp.commands.base import Command, DialectBug, InvalidCommand
from chargegrid.ocpp.commands.outcome import Outcome, OutcomeStatus
from chargegrid.ocpp.dialects import dialect_for
from chargegrid.ocpp.dialects.table import Rendered
from chargegrid.ocpp.rpc import CallTimeout, ChargerError, InvalidAnswer, SessionClosed
from chargegrid.ocpp.sessions import ChargerSession, SessionRegistry

log = logging.getLogger("chargegrid.commands")


@dataclass(frozen=True)
class CommandRun:
    """A finished command, for listeners: which charger, what, who asked (None: the system), the end."""

    charge_point_id: str
    command: Command
    actor: str | None
    outcome: Outcome


Remote = Callable[[str, Command, str | None], Awaitable[Outcome]]
Listener = Callable[[CommandRun], Awaitable[None]]


async def _call(session: ChargerSession, rendered: Rendered, payload: Payload) -> Payload | Outcome:
    """The charger's answer to one CALL, or the `Outcome` that says why there is none."""
    try:
        return await session.rpc.call(rendered.action, payload)
    except ValueError as exc:  # the payload breaks the version's schema; nothing was sent
        if rendered.caller_payload:
            raise InvalidCommand(str(exc)) from None
        log.error("dialect built an invalid %s for %s: %s", rendered.action, session.version.value, exc)
        raise DialectBug(
            f"Chargegrid built an invalid {rendered.action} for OCPP {session.version.value}; "
            "this is a bug, please report it"
        ) from None
    except CallTimeout:
        return Outcome(OutcomeStatus.Timeout, description=f"no answer to {rendered.action} in time")
    except InvalidAnswer as exc:
        return Outcome(OutcomeStatus.InvalidResponse, description=exc.description)
    except ChargerError as exc:
        return Outcome(OutcomeStatus.CallError, error_code=exc.code, description=exc.description)
    except SessionClosed:
        return Outcome(
            OutcomeStatus.Disconnected,
            description="the charger disconnected before answering; the command may or may not "
            "have been carried out",
        )


async def _limits(session: ChargerSession, batch: Batch) -> Limits:
    if session.read_limit is None:
        return Limits()
    items = limit_value(await session.read_limit(batch.items_limit))
    size = limit_value(await session.read_limit(batch.bytes_limit)) if batch.bytes_limit else None
    return Limits(items, size)


async def _answer(session: ChargerSession, rendered: Rendered) -> Payload | Outcome:
    """The charger's answer; a batched request goes in as many CALLs as the station's limits ask, one
    after the other, and their answers come back merged (see `ocpp/batching.py`)."""
    batch = rendered.batch
    if batch is None:
        return await _call(session, rendered, rendered.payload)
    parts = batching.split(rendered.action, rendered.payload, batch, await _limits(session, batch))
    answers: list[Payload] = []
    for part in parts:
        answer = await _call(session, rendered, part)
        if isinstance(answer, Outcome):
            if not answers:
                return answer
            # What the earlier parts answered is real: keep it with the reason the rest has no answer.
            done = sum(len(p[batch.items]) for p in parts[: len(answers)])
            total = len(rendered.payload[batch.items])
            return replace(
                answer,
                raw=batching.merge(answers, batch),
                description=f"{answer.description} (the charger answered {done} of {total} entries, "
                f"asked in {len(parts)} messages as its limits require)",
            )
        answers.append(answer)
    return batching.merge(answers, batch)


async def run_on_session(session: ChargerSession, command: Command) -> Outcome:
    """Send `command` to a charger connected to this node and read its answer."""
    rendered = dialect_for(session.version).render(command, session.version)
    answer = await _answer(session, rendered)
    if isinstance(answer, Outcome):
        return answer
    status, data = rendered.read(answer)
    if status is None:
        return Outcome(OutcomeStatus.Accepted, data, answer)
    try:
        return Outcome(OutcomeStatus(status), data, answer)
    except ValueError:
        return Outcome(OutcomeStatus.InvalidResponse, data, answer, description=f"unknown status {status!r}")


class Commands:
    """Runs typed commands on chargers connected to this node or, with a cluster, on another node."""

    def __init__(self, registry: SessionRegistry, remote: Remote | None = None) -> None:
        self.registry = registry
        self.remote = remote
        self.listeners: list[Listener] = []

    async def execute(self, charge_point_id: str, command: Command, *, actor: str | None = None) -> Outcome:
        """The command's outcome. Raises `CommandError` (nothing sent) when it cannot be sent as asked."""
        session = self.registry.get(charge_point_id)
        if session is not None:
            outcome = await run_on_session(session, command)
        elif self.remote is not None:
            outcome = await self.remote(charge_point_id, command, actor)
        else:
            outcome = Outcome(
                OutcomeStatus.Offline, description=f"charge point {charge_point_id!r} is not connected"
            )
        run = CommandRun(charge_point_id, command, actor, outcome)
        for listener in self.listeners:
            try:
                await listener(run)
            except Exception:
                log.exception("a command listener failed")
        return outcome
