"""The operator API's running part: commands sent in the background, recorded outcomes, settings pushes.

Commands reach a station only through `services.commands.execute`; their outcomes become the
statuses an operator reads (Offline, Timeout, Failed, or the station's own). Settings are pushed one
station at a time (a lock per station), right away when the station is online and again after each
accepted boot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chargegrid.domain import station_config
from chargegrid.ocpp.commands import ChangeConfiguration, Command, CommandError, Outcome, OutcomeStatus
from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import command_records
from chargegrid.store.batched_reads import BatchedReader
from chargegrid.store.models import utcnow

log = logging.getLogger("chargegrid.operator")

OFFLINE, TIMEOUT, FAILED = "Offline", "Timeout", "Failed"
_NOT_SUPPORTED_CODES = ("NotSupported", "NotImplemented")


@dataclass
class Done:
    """A command's final outcome: the station's status (or Offline/Timeout/Failed), its answer, a note."""

    status: str
    answer: dict[str, Any] | None = None
    message: str | None = None


Remote = Callable[[], Awaitable[Done]]

OPERATOR_ACTOR = "operator-api"


def done_of(outcome: Outcome, timeout: float) -> Done:
    """The operator API's words for an outcome: Offline, Timeout, Failed, or the station's status."""
    status = outcome.status
    if status in (OutcomeStatus.Offline, OutcomeStatus.Disconnected):
        note = outcome.description or "the station is offline"
        return Done(OFFLINE, None, f"{note}; send the command again when the station is online")
    if status is OutcomeStatus.Timeout:
        return Done(TIMEOUT, None, f"the station did not answer within {timeout:g} s")
    if status is OutcomeStatus.CallError:
        return Done(
            FAILED,
            {"errorCode": outcome.error_code, "errorDescription": outcome.description},
            f"the station answered with an error: {outcome.error_code}: {outcome.description}",
        )
    if status is OutcomeStatus.InvalidResponse:
        return Done(FAILED, None, f"the station's answer broke the OCPP schema: {outcome.description}")
    return Done(status.value, outcome.payload)


class OperatorRuntime:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._tasks: set[asyncio.Task[Any]] = set()
        self._push_locks: dict[str, asyncio.Lock] = {}
        # After a boot storm every accepted charger asks at once: one query for all of them.
        self._due_settings: BatchedReader[str, dict[str, str]] = BatchedReader(services.db, _due_settings)

    # ---- talking to a station ---------------------------------------------------------------

    async def send(self, cp_id: str, command: Command, *, actor: str = OPERATOR_ACTOR) -> Done:
        """Run one typed command; every way it can end becomes a status, never an exception."""
        try:
            outcome = await self.services.commands.execute(cp_id, command, actor=actor)
        except CommandError as exc:
            return Done(FAILED, None, str(exc))
        return done_of(outcome, self._timeout())

    def _timeout(self) -> float:
        return self.services.settings.call_timeout

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `work` in the background, keeping a reference so it is neither collected nor forgotten."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("operator background work failed", exc_info=task.exception())

    async def run_command(self, record_id: str, remote: Remote) -> None:
        """Wait for the station's answer and keep it on the command record."""
        try:
            done = await remote()
        except Exception as exc:  # a bug must still close the record, not leave it Pending forever
            log.exception("operator command %s failed", record_id)
            done = Done(FAILED, None, f"the central system could not run the command: {exc}")
        async with self.services.db.begin() as db:
            await command_records.finish(db, record_id, done.status, done.answer, done.message)

    # ---- settings ---------------------------------------------------------------------------

    def schedule_settings_push(self, cp_id: str) -> asyncio.Task[Any]:
        return self.spawn(self.push_settings(cp_id))

    async def push_settings(self, cp_id: str) -> dict[str, str]:
        """Send every setting the station does not have yet; answer each key's outcome (Pending if unsent)."""
        lock = self._push_locks.setdefault(cp_id, asyncio.Lock())
        async with lock:
            due = await self._due_settings.get(cp_id) or {}
            outcomes: dict[str, str] = {}
            for key, value in due.items():
                done = await self.send(cp_id, ChangeConfiguration(key=key, value=value))
                if done.status == OFFLINE:
                    break  # the rest stays Pending until the next boot
                if done.status == TIMEOUT:
                    outcomes[key] = station_config.PENDING
                    continue
                outcome = self._setting_outcome(done)
                outcomes[key] = outcome
                async with self.services.db.begin() as db:
                    cp = await cp_store.get(db, cp_id)
                    if cp is None:
                        break
                    results = station_config.record_setting_result(
                        cp.settings, cp.setting_results, key, value, outcome, utcnow(), done.message
                    )
                    if results is not None:
                        cp.setting_results = results
            for key in due:
                outcomes.setdefault(key, station_config.PENDING)
            return outcomes

    @staticmethod
    def _setting_outcome(done: Done) -> str:
        if done.status != FAILED:
            return station_config.setting_outcome(done.status)
        code = (done.answer or {}).get("errorCode")
        return station_config.NOT_SUPPORTED if code in _NOT_SUPPORTED_CODES else station_config.REJECTED

    async def on_boot(self, cp_id: str) -> None:
        """An accepted boot: push what is pending, after the boot answer went out (never from inside it)."""
        session = self.services.registry.get(cp_id)
        if session is None or session.registration_status != "Accepted":
            return
        # The push starts with a database read, so the handler's answer is on the wire before our CALL.
        self.schedule_settings_push(cp_id)

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _due_settings(db: AsyncSession, cp_ids: list[str]) -> dict[str, dict[str, str]]:
    """The settings each station does not have yet (stations with none left out)."""
    stored = await cp_store.settings_of(db, cp_ids)
    due = {cp_id: station_config.settings_to_push(*both) for cp_id, both in stored.items()}
    return {cp_id: settings for cp_id, settings in due.items() if settings}


_runtimes: dict[int, OperatorRuntime] = {}


def runtime_of(services: Services) -> OperatorRuntime:
    runtime = _runtimes.get(id(services))
    if runtime is None:
        raise RuntimeError("the operator API was not started for these services")
    return runtime


async def start(services: Services) -> Callable[[], Awaitable[None]]:
    runtime = OperatorRuntime(services)
    _runtimes[id(services)] = runtime
    services.hooks.booted.append(runtime.on_boot)

    async def stop() -> None:
        await runtime.stop()
        _runtimes.pop(id(services), None)

    return stop
