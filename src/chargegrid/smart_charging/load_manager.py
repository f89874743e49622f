"""Load management: one allocator run per site whenever something changes, its result sent as profiles.

The allocation itself is `domain.allocator.allocate`; this module keeps each site's live state (the
running sessions, what each was last given and accepted, measured draw, external limits, EV needs),
decides when to re-allocate and sends the result:

- triggers: a session starts or stops, a charger goes offline or comes back, the site changes (API), a
  time-of-day period begins (checked every `TICK` seconds), a 2.x NotifyEVChargingNeeds /
  NotifyChargingLimit / ClearedChargingLimit, and measured draw that leaves room (a session drawing
  well under its limit; at most once per `MEASURED_EVERY` seconds per site). Triggers arriving together
  are handled by one run; runs of a site never overlap.
- sending: each session gets a TxProfile (id `TX_PROFILE_BASE + connector`, Relative, one period,
  amperes per phase; a charger that answers NotSupported to TxProfiles gets a TxDefaultProfile on that
  connector instead). Lowered limits go out first and are confirmed before any raised limit is sent, so
  the sum of the limits the chargers hold never exceeds the site limit at any moment.
- a charger that is offline keeps what it last accepted: that much stays counted as used.
- every charger of a site carries a fallback TxDefaultProfile (connector 0, `site.fallback_current_a`),
  sent after each boot and when the site changes; that much is kept free for each idle connector.

In a cluster one node in the whole network runs a site's allocation: the holder of the site's lock
(`cluster.site_locks`, renewed every `lease/3` seconds while held; a node that dies hands it on within
one lease). Its profiles go through `commands.execute`, which forwards to the node holding each charger.
Triggers on other nodes reach the holder at its next renewal, when it re-reads the site's definition and
running sessions from the database; measured draw of chargers on other nodes is not seen there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time as clock
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chargegrid.background import raise_if_stopping
from chargegrid.cluster.site_locks import SiteLocks
from chargegrid.domain.allocator import DEFAULT_MIN_A, Key, Session, allocate
from chargegrid.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    ProfileKind,
    ProfileRefused,
    Purpose,
    RateUnit,
    Recurrency,
    SchedulePeriod,
)
from chargegrid.domain.meter_values import Reading
from chargegrid.domain.sites import SiteDefinition
from chargegrid.ocpp.commands import CommandError, OutcomeStatus
from chargegrid.services import Services
from chargegrid.smart_charging.profiles import ProfileKeeper
from chargegrid.store import sites as site_store
from chargegrid.store.models import Transaction

log = logging.getLogger("chargegrid.load")

TX_PROFILE_BASE = 8000  # + connector: one TxProfile per connector, replaced at every allocation
FALLBACK_PROFILE_ID = 7999
SITE_STACK_LEVEL = 5  # above the SetChargingLimit default (0)
DEFAULT_MAX_A = 32.0  # a connector of unknown rating
TICK = 30.0  # seconds between checks of the time-of-day limit
MEASURED_EVERY = 5.0  # seconds: the least time between re-allocations triggered by measured draw
SETTLE = 0.05  # seconds to gather triggers that arrive together into one run
RETRY = 1.0  # seconds before a run whose lowered limits were not all accepted is tried again
ACTOR = "load-manager"


@dataclass
class SiteState:
    site: SiteDefinition
    sessions: dict[Key, int] = field(default_factory=dict)  # running transactions, oldest first
    charger_tx: dict[Key, str | None] = field(default_factory=dict)  # 2.x: the station's transaction ids
    installed: dict[Key, float] = field(default_factory=dict)  # what each session's charger accepted
    measured: dict[Key, float] = field(default_factory=dict)  # per phase, from meter values
    external: dict[tuple[str, int | None], float] = field(default_factory=dict)  # NotifyChargingLimit
    ev_max: dict[Key, float] = field(default_factory=dict)  # NotifyEVChargingNeeds
    capacity_a: float = 0.0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    requested_at: float | None = None
    running: bool = False  # a run is under way (its limits are being sent)
    last_measured_run: float = 0.0
    runs: int = 0
    profile_messages: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds from trigger to all limits accepted
    task: asyncio.Task[None] | None = None


class LoadManager:
    def __init__(self, services: Services, keeper: ProfileKeeper) -> None:
        self.services = services
        self.keeper = keeper
        self.sites: dict[str, SiteState] = {}
        self.site_of: dict[str, str] = {}
        self.tx_default_only: set[str] = set()  # chargers that refused a TxProfile
        self._ticker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        cluster = services.cluster
        self.clustered = cluster is not None
        self.locks = (
            SiteLocks(cluster.redis, cluster.prefix, cluster.node_id, cluster.lease_ms)
            if cluster is not None
            else SiteLocks()
        )
        # How often the time-of-day limit is checked and, in a cluster, site locks renewed.
        self.tick_seconds = min(TICK, cluster.lease_ms / 3000) if cluster is not None else TICK

    # ---- life ------------------------------------------------------------------------------

    async def start(self) -> None:
        async with self.services.db() as db:
            sites = await site_store.all_sites(db)
        for site in sites:
            await self._install_site(site, send_fallback=False)
        hooks = self.services.hooks
        hooks.transaction_started.append(self.on_started)
        hooks.transaction_ended.append(self.on_ended)
        hooks.meter_reading.append(self.on_reading)
        hooks.booted.append(self.on_boot)
        hooks.charging_limit.append(self.on_external_limit)
        hooks.ev_charging_needs.append(self.on_ev_needs)
        self.services.registry.listeners.append(self.on_presence)
        self._ticker = asyncio.create_task(self._tick(), name="load-manager-tick")

    async def stop(self) -> None:
        tasks = [s.task for s in self.sites.values() if s.task] + list(self._tasks)
        if self._ticker:
            tasks.append(self._ticker)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for site_id in list(self.sites):  # another node takes them at once
            await self.locks.release(site_id)

    # ---- sites (API) -------------------------------------------------------------------------

    async def put_site(self, site: SiteDefinition) -> None:
        old = self.sites.pop(site.id, None)
        if old is not None:
            if old.task:
                old.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await old.task
            for member in old.site.charge_points:
                self.site_of.pop(member.charge_point_id, None)
        await self._install_site(site, send_fallback=True, previous=old)

    async def delete_site(self, site_id: str) -> None:
        old = self.sites.pop(site_id, None)
        if old is None:
            return
        if old.task:
            old.task.cancel()
        for member in old.site.charge_points:
            self.site_of.pop(member.charge_point_id, None)
        await self.locks.release(site_id)

    async def _install_site(
        self, site: SiteDefinition, *, send_fallback: bool, previous: SiteState | None = None
    ) -> None:
        state = SiteState(site)
        if previous is not None:  # what the chargers hold does not change with the site's definition
            state.installed = {k: v for k, v in previous.installed.items() if site.member(k[0])}
            state.measured, state.external, state.ev_max = (
                previous.measured,
                previous.external,
                previous.ev_max,
            )
        members = [m.charge_point_id for m in site.charge_points]
        for cp in members:
            other = self.site_of.get(cp)
            if other is not None and other != site.id:
                raise ValueError(f"charge point {cp!r} already belongs to site {other!r}")
        async with self.services.db() as db:
            for tx in await site_store.open_transactions(db, members):
                state.sessions[(tx.charge_point_id, tx.connector_id)] = tx.id
                state.charger_tx[(tx.charge_point_id, tx.connector_id)] = tx.charger_transaction_id
        self.sites[site.id] = state
        for cp in members:
            self.site_of[cp] = site.id
        state.task = asyncio.create_task(self._run(state), name=f"load-manager-{site.id}")
        if send_fallback:
            for cp in members:
                if cp in self.services.registry:
                    self._spawn(self._send_fallback(state, cp))
        self.request(site.id)

    def view(self, site_id: str) -> dict[str, Any] | None:
        """What GET /API/Sites/{id} shows: the limit now, the allocation and measured draw."""
        state = self.sites.get(site_id)
        if state is None:
            return None
        members = []
        for member in state.site.charge_points:
            cp = member.charge_point_id
            connectors = [
                {
                    "connectorId": key[1],
                    "transactionId": tx,
                    "allocatedA": state.installed.get(key),
                    "measuredA": state.measured.get(key),
                }
                for key, tx in state.sessions.items()
                if key[0] == cp
            ]
            members.append(
                {
                    "chargePointId": cp,
                    "online": cp in self.services.registry,
                    "allocatedA": round(sum(c["allocatedA"] or 0 for c in connectors), 1),
                    "connectors": connectors,
                }
            )
        return {
            "limitA": round(self._capacity(state), 1),
            "allocatedA": round(sum(state.installed.values()), 1),
            "measuredA": round(sum(state.measured.get(k, 0.0) for k in state.sessions), 1),
            "chargePoints": members,
            "stats": {
                "settled": not state.running and not state.wake.is_set(),
                "reallocations": state.runs,
                "profileMessages": state.profile_messages,
                "lastLatencyMs": round(state.latencies[-1] * 1000, 1) if state.latencies else None,
            },
        }

    def allocation_of(self, charge_point_id: str) -> dict[int, float]:
        """What each connector of the charger holds from the allocator now (accepted by the charger)."""
        state = self._state_of(charge_point_id)
        if state is None:
            return {}
        return {key[1]: amps for key, amps in state.installed.items() if key[0] == charge_point_id}

    # ---- triggers ----------------------------------------------------------------------------

    def settled(self, site_id: str) -> bool:
        """No run under way or asked for: every session holds what the last run gave it."""
        state = self.sites.get(site_id)
        return state is not None and not state.running and not state.wake.is_set()

    def request(self, site_id: str) -> None:
        state = self.sites.get(site_id)
        if state is None:
            return
        if state.requested_at is None:
            state.requested_at = clock.monotonic()
        state.wake.set()

    def _state_of(self, charge_point_id: str) -> SiteState | None:
        site_id = self.site_of.get(charge_point_id)
        return self.sites.get(site_id) if site_id else None

    async def on_started(self, tx: Transaction) -> None:
        state = self._state_of(tx.charge_point_id)
        if state is not None:
            state.sessions[(tx.charge_point_id, tx.connector_id)] = tx.id
            state.charger_tx[(tx.charge_point_id, tx.connector_id)] = tx.charger_transaction_id
            self.request(state.site.id)

    async def on_ended(self, tx: Transaction) -> None:
        state = self._state_of(tx.charge_point_id)
        if state is not None:
            key = (tx.charge_point_id, tx.connector_id)
            state.sessions.pop(key, None)
            state.charger_tx.pop(key, None)
            # Its TxProfile ended with it; the connector is back on the fallback default.
            state.installed.pop(key, None)
            state.measured.pop(key, None)
            state.ev_max.pop(key, None)
            self.request(state.site.id)

    async def on_reading(self, tx: Transaction, reading: Reading) -> None:
        state = self._state_of(tx.charge_point_id)
        if state is None or reading.power_kw is None:
            return
        key = (tx.charge_point_id, tx.connector_id)
        amps = reading.power_kw * 1000 / (state.site.voltage * state.site.phases)
        state.measured[key] = amps
        given = state.installed.get(key)
        now = clock.monotonic()
        # Room to hand on: the session takes clearly less than it was given.
        if given is not None and amps + 2.0 < given and now - state.last_measured_run >= MEASURED_EVERY:
            state.last_measured_run = now
            self.request(state.site.id)

    async def on_presence(self, charge_point_id: str, online: bool) -> None:
        state = self._state_of(charge_point_id)
        if state is not None:
            self.request(state.site.id)

    async def on_boot(self, charge_point_id: str) -> None:
        state = self._state_of(charge_point_id)
        session = self.services.registry.get(charge_point_id)
        if state is None or session is None or session.registration_status != "Accepted":
            return
        # A reboot ended its TxProfiles: what it holds now is the fallback default.
        for key in [k for k in state.installed if k[0] == charge_point_id]:
            state.installed.pop(key)
        self._spawn(self._send_fallback(state, charge_point_id))
        self.request(state.site.id)

    async def on_external_limit(
        self, charge_point_id: str, evse_id: int | None, limit: dict[str, Any] | None
    ) -> None:
        state = self._state_of(charge_point_id)
        if state is None:
            return
        if limit is None:
            state.external.pop((charge_point_id, evse_id), None)
            if evse_id is None:  # cleared for the whole station
                for key in [k for k in state.external if k[0] == charge_point_id]:
                    state.external.pop(key)
        else:
            amps = self._external_amps(state.site, limit)
            if amps is not None:
                state.external[(charge_point_id, evse_id)] = amps
        self.request(state.site.id)

    @staticmethod
    def _external_amps(site: SiteDefinition, payload: dict[str, Any]) -> float | None:
        """The lowest limit of the notification's schedules now, per phase (None: it names none)."""
        lowest: float | None = None
        for schedule in payload.get("chargingSchedule") or []:
            for period in schedule.get("chargingSchedulePeriod") or []:
                value = float(period["limit"])
                if schedule.get("chargingRateUnit") == "W":
                    value = value / (site.voltage * site.phases)
                lowest = value if lowest is None else min(lowest, value)
        return lowest

    async def on_ev_needs(self, charge_point_id: str, evse_id: int, needs: dict[str, Any]) -> bool:
        state = self._state_of(charge_point_id)
        if state is None:
            return False
        ac = needs.get("acChargingParameters") or {}
        dc = needs.get("dcChargingParameters") or {}
        ev_max = ac.get("evMaxCurrent") or dc.get("evMaxCurrent")
        if ev_max:
            state.ev_max[(charge_point_id, evse_id)] = float(ev_max)
        self.request(state.site.id)
        return True

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick_seconds)
            if self.clustered:
                await self._new_sites()
            for state in list(self.sites.values()):
                if self.clustered:
                    # Renew (or take over) the site's lock; the holder catches up with what happened
                    # on other nodes (a run sends only limits that change).
                    if await self.locks.hold(state.site.id):
                        self.request(state.site.id)
                elif abs(self._capacity(state) - state.capacity_a) > 1e-6:
                    self.request(state.site.id)

    # ---- allocation ---------------------------------------------------------------------------

    def _capacity(self, state: SiteState) -> float:
        now = datetime.now(UTC).astimezone(ZoneInfo(state.site.timezone))
        return state.site.limit().at(now)

    async def _run(self, state: SiteState) -> None:
        while True:
            await state.wake.wait()
            state.running = True
            await asyncio.sleep(SETTLE)
            state.wake.clear()
            started, state.requested_at = state.requested_at, None
            before = dict(state.installed)
            try:
                if not await self.locks.hold(state.site.id):
                    continue  # another node of the cluster allocates this site
                if self.clustered and not await self._catch_up(state):
                    return  # the site was deleted on another node
                settled = await self.reallocate(state)
            except Exception:
                raise_if_stopping()
                log.exception("re-allocating site %r failed", state.site.id)
                settled = False
            finally:
                state.running = False
            if state.installed != before:
                await self._announce(state)
            if settled and started is not None:
                state.latencies.append(clock.monotonic() - started)
                del state.latencies[:-1000]

    async def _new_sites(self) -> None:
        """In a cluster: sites created on other nodes, so that this node can take them over."""
        try:
            async with self.services.db() as db:
                sites = await site_store.all_sites(db)
            for site in sites:
                if site.id not in self.sites:
                    await self._install_site(site, send_fallback=False)
        except Exception:  # a site that conflicts or a database hiccup: try again at the next tick
            raise_if_stopping()
            log.exception("reading sites created on other nodes failed")

    async def _catch_up(self, state: SiteState) -> bool:
        """In a cluster: the site's definition and running sessions as the database has them now (they
        may have changed on another node). False when the site no longer exists."""
        async with self.services.db() as db:
            site = await site_store.get(db, state.site.id)
            members = [m.charge_point_id for m in site.charge_points] if site is not None else []
            running = await site_store.open_transactions(db, members)
        if site is None:  # this run's task ends here; the lock goes to nobody
            if self.sites.get(state.site.id) is state:
                del self.sites[state.site.id]
            for member in state.site.charge_points:
                self.site_of.pop(member.charge_point_id, None)
            await self.locks.release(state.site.id)
            return False
        if site != state.site:
            for member in state.site.charge_points:
                self.site_of.pop(member.charge_point_id, None)
            state.site = site
            for cp in members:
                self.site_of[cp] = site.id
        state.sessions = {(tx.charge_point_id, tx.connector_id): tx.id for tx in running}
        state.charger_tx = {
            (tx.charge_point_id, tx.connector_id): tx.charger_transaction_id for tx in running
        }
        for held in (state.installed, state.measured):
            for key in [k for k in held if k not in state.sessions]:
                held.pop(key)
        return True

    async def _announce(self, state: SiteState) -> None:
        """A `site.allocation_changed` event for integrations (never fails the allocator)."""
        view = self.view(state.site.id)
        if self.services.events is None or view is None:
            return
        try:
            await self.services.events.site_allocation_changed(state.site.id, view)
        except Exception:
            log.exception("could not record the allocation of site %r", state.site.id)

    def _sessions(self, state: SiteState, online: set[str]) -> tuple[list[Session], float]:
        """The sessions to allocate, and the capacity left for them."""
        site = state.site
        capacity = self._capacity(state)
        state.capacity_a = capacity
        sessions: list[Session] = []
        busy: dict[str, int] = {}
        for key, _tx in state.sessions.items():
            cp = key[0]
            busy[cp] = busy.get(cp, 0) + 1
            member = site.member(cp)
            if member is None:
                continue
            if cp not in online:  # offline: it keeps what it holds
                capacity -= state.installed.get(key, site.fallback_current_a)
                continue
            most = member.max_current_a or DEFAULT_MAX_A
            for limit_key in ((cp, None), (cp, key[1])):
                if limit_key in state.external:
                    most = min(most, state.external[limit_key])
            if key in state.ev_max:
                most = min(most, state.ev_max[key])
            sessions.append(
                Session(
                    key=key,
                    max_a=most,
                    min_a=member.min_current_a,
                    priority=member.priority,
                    measured_a=state.measured.get(key),
                    previous_a=state.installed.get(key),
                )
            )
        if site.fallback_current_a > 0:  # every idle connector may start at its fallback any moment
            for member in site.charge_points:
                live = self.services.registry.get(member.charge_point_id)
                connectors = len([c for c in live.connectors if c > 0]) if live else 1
                idle = max(0, max(connectors, 1) - busy.get(member.charge_point_id, 0))
                capacity -= idle * site.fallback_current_a
        return sessions, max(0.0, capacity)

    async def reallocate(self, state: SiteState) -> bool:
        """One allocator run and its profiles; True when every charger accepted its new limit."""
        state.runs += 1
        site = state.site
        members = [m.charge_point_id for m in site.charge_points]
        online = {cp for cp in members if cp in self.services.registry}
        online |= await self.services.connected_elsewhere(members)  # held by other cluster nodes
        sessions, capacity = self._sessions(state, online)
        charger_max = {m.charge_point_id: m.max_current_a for m in site.charge_points if m.max_current_a}
        allocation = allocate(capacity, sessions, charger_max_a=charger_max)
        holding = {s.key: state.installed.get(s.key, site.fallback_current_a) for s in sessions}
        lower = [k for k, v in allocation.limits.items() if v < holding[k] - 1e-6]
        higher = [
            k
            for k, v in allocation.limits.items()
            if k not in lower and abs(v - state.installed.get(k, -1)) > 1e-6
        ]
        # Lowered limits first, all confirmed, before anything is raised: the site holds at every moment.
        results = await asyncio.gather(*(self._send(state, k, allocation.limits[k]) for k in lower))
        if not all(results):
            # Try again soon with what the chargers still hold (not at once: a charger may keep refusing).
            asyncio.get_running_loop().call_later(RETRY, self.request, site.id)
            return False
        results = await asyncio.gather(*(self._send(state, k, allocation.limits[k]) for k in higher))
        return all(results)

    async def _send(self, state: SiteState, key: Key, amps: float) -> bool:
        cp, connector = key
        tx_id = state.sessions.get(key)
        if tx_id is None:
            return True
        site = state.site
        tx_default = cp in self.tx_default_only
        profile = self._profile(site, connector, amps, None if tx_default else tx_id)
        charger_tx = state.charger_tx.get(key)
        state.profile_messages += 1
        try:
            outcome = await self.keeper.send(cp, connector, profile, charger_tx, actor=ACTOR)
            if not tx_default and outcome.status is OutcomeStatus.NotSupported:
                self.tx_default_only.add(cp)  # it does not take TxProfiles: limit the connector's default
                state.profile_messages += 1
                default = self._profile(site, connector, amps, None)
                outcome = await self.keeper.send(cp, connector, default, None, actor=ACTOR)
        except (CommandError, ValueError) as exc:  # e.g. a 2.x transaction without its station id
            log.warning("cannot limit %s connector %d: %s", cp, connector, exc)
            return False
        if outcome.status is OutcomeStatus.Accepted and key in state.sessions:
            state.installed[key] = amps
            return True
        return False

    @staticmethod
    def _profile(site: SiteDefinition, connector: int, amps: float, tx_id: int | None) -> ChargingProfile:
        period = SchedulePeriod(start_period=0, limit=amps, number_phases=site.phases)
        if tx_id is None:
            purpose, kind, start = Purpose.TxDefaultProfile, ProfileKind.Absolute, datetime.now(UTC)
        else:
            purpose, kind, start = Purpose.TxProfile, ProfileKind.Relative, None
        return ChargingProfile(
            id=TX_PROFILE_BASE + connector,
            stack_level=SITE_STACK_LEVEL,
            charging_profile_purpose=purpose,
            charging_profile_kind=kind,
            transaction_id=tx_id,
            charging_schedule=(
                ChargingSchedule(
                    start_schedule=start, charging_rate_unit=RateUnit.A, charging_schedule_period=(period,)
                ),
            ),
        )

    async def _send_fallback(self, state: SiteState, charge_point_id: str) -> None:
        await asyncio.sleep(SETTLE)  # after the boot answer went out
        site = state.site
        period = SchedulePeriod(start_period=0, limit=site.fallback_current_a, number_phases=site.phases)
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        profile = ChargingProfile(
            id=FALLBACK_PROFILE_ID,
            stack_level=SITE_STACK_LEVEL,
            charging_profile_purpose=Purpose.TxDefaultProfile,
            charging_profile_kind=ProfileKind.Recurring,
            recurrency_kind=Recurrency.Daily,
            charging_schedule=(
                ChargingSchedule(
                    start_schedule=midnight, charging_rate_unit=RateUnit.A, charging_schedule_period=(period,)
                ),
            ),
        )
        try:
            state.profile_messages += 1
            await self.keeper.set(charge_point_id, 0, profile, actor=ACTOR)
        except ProfileRefused as exc:
            log.warning("no fallback profile for %s: %s", charge_point_id, exc)

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


__all__ = ["DEFAULT_MIN_A", "LoadManager", "SiteState"]
