"""Load management end to end: 20 simulated chargers (14 on OCPP 1.6, 6 on 2.0.1) on a 100 A three-phase
site, sessions starting and stopping for ~40 s, against the real server.

The simulated chargers obey the profiles they receive (their metered power follows their limit), so
the test watches what matters from the chargers' side, at every profile they apply:
- the sum of the limits the chargers hold for their sessions never exceeds the site limit;
- the power they draw stays under it;
- every session gets at least its minimum (6 A) whenever the site has room for everyone's minimum;
- capacity freed by an ending session is handed on.
It prints the figures (re-allocation latency, profile messages per session, worst overshoot).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from chargegrid.sim import ChargerOptions, Fleet, FleetOptions
from chargegrid.sim.charger import SimCharger
from chargegrid.sim.profiles import VOLTAGE, ProfileBook
from tests.support.server import RunningServer

SITE_A = 100.0
PHASES = 3
RUN_SECONDS = 40.0
POWER_W = 11_000.0  # each car could take 16 A per phase


@pytest.fixture
def db_kind() -> str:
    return "sqlite"


class Watch:
    """Checks the site from the chargers' side every time one of them applies a profile."""

    def __init__(self, chargers: list[SimCharger]) -> None:
        self.chargers = chargers
        self.worst_limit_a = 0.0
        self.worst_draw_a = 0.0
        self.starved_while_room = 0
        self.checks = 0
        self.worst_at: list[float] = []  # the sessions' limits at the worst moment

    def held_a(self) -> list[float]:
        """Per running session: the limit its charger holds, in A per phase (no profile: all it can take)."""
        held = []
        for charger in self.chargers:
            for c in charger.connectors:
                if c.transaction_id is not None and c.started_wall is not None:
                    limit = charger.profile_book.limit_w(c.id, c.started_wall)
                    watts = POWER_W if limit is None else limit
                    held.append(watts / (VOLTAGE * PHASES))
        return held

    def check(self) -> None:
        self.checks += 1
        held = self.held_a()
        if sum(held) > self.worst_limit_a:
            self.worst_at = [round(a, 1) for a in held]
        self.worst_limit_a = max(self.worst_limit_a, sum(held))
        draw = sum(ch.draw_w(c) for ch in self.chargers for c in ch.connectors) / (VOLTAGE * PHASES)
        self.worst_draw_a = max(self.worst_draw_a, draw)


class WatchedBook(ProfileBook):
    def __init__(self, watch: Watch) -> None:
        super().__init__()
        self.watch = watch

    def set(self, connector: int, profile: dict[str, Any]) -> None:
        super().set(connector, profile)
        self.watch.check()


@contextlib.asynccontextmanager
async def fleet(srv: RunningServer, version: str, count: int, prefix: str) -> AsyncIterator[Fleet]:
    options = ChargerOptions(
        url=srv.ocpp_url, meter_interval=1.0, session_seconds=7.0, pause_seconds=2.0, power_w=POWER_W
    )
    running = Fleet(
        FleetOptions(
            count=count, version=version, id_prefix=prefix, rate=50, scenario="charging", charger=options
        )
    )
    task = asyncio.create_task(running.run())
    try:
        yield running
    finally:
        running.stop()
        await asyncio.wait_for(task, 20)


async def test_twenty_chargers_share_a_100_a_site(server_factory: Any) -> None:
    async with server_factory(unknown_chargers="accept") as srv:
        await srv.add_tag("SIMTAG01")
        ids16 = FleetOptions(count=14, id_prefix="a").ids()
        ids201 = FleetOptions(count=6, id_prefix="b").ids()
        site = {
            "id": "yard",
            "name": "Yard",
            "maxCurrentA": SITE_A,
            "phases": PHASES,
            "chargePoints": ids16 + ids201,
        }
        async with srv.api() as api:
            assert (await api.post("/API/Sites", json=site)).status_code == 201
        manager = srv.services.load_manager
        assert manager is not None
        state = manager.sites["yard"]

        async with fleet(srv, "1.6", 14, "a") as f16, fleet(srv, "2.0.1", 6, "b") as f201:
            chargers = f16.chargers + f201.chargers
            watch = Watch(chargers)
            for charger in chargers:
                charger.profile_book = WatchedBook(watch)
            minimum_met = minimum_due = handed_on = freed = 0
            misses: list[Any] = []
            previous_sessions: set[Any] = set()
            deadline = time.monotonic() + RUN_SECONDS
            while time.monotonic() < deadline:
                await asyncio.sleep(0.25)
                watch.check()
                sessions = set(state.sessions)
                allocated = {k: state.installed.get(k) for k in sessions}
                settled = all(v is not None for v in allocated.values()) and manager.settled("yard")
                if settled and sessions and len(sessions) * 6 <= SITE_A:
                    minimum_due += 1
                    ok = all(v is not None and v >= 6 for v in allocated.values())
                    minimum_met += ok
                    if not ok:
                        misses.append(sorted((k[0], v) for k, v in allocated.items()))
                if previous_sessions - sessions and sessions:
                    freed += 1
                if (
                    settled
                    and sessions
                    and sum(v or 0 for v in allocated.values())
                    >= min(SITE_A - 0.1 * len(sessions), 16 * len(sessions) - 0.1 * len(sessions))
                ):
                    handed_on += 1
                previous_sessions = sessions
            started = f16.stats.tx_started + f201.stats.tx_started
            # (counted before the fleets stop: closing them cuts calls in flight)
            errors = [s.last_error for s in (f16.stats, f201.stats) if s.errors]

        view = manager.view("yard")
        assert view is not None
        latencies = sorted(state.latencies)
        figures = {
            "sessions": started,
            "reallocations": state.runs,
            "profile messages": state.profile_messages,
            "profile messages per session": round(state.profile_messages / max(started, 1), 2),
            "re-allocation latency p50 ms": round(statistics.median(latencies) * 1000, 1),
            "re-allocation latency max ms": round(latencies[-1] * 1000, 1),
            "worst sum of held limits A": round(watch.worst_limit_a, 1),
            "worst draw A": round(watch.worst_draw_a, 1),
            "worst overshoot A": round(max(0.0, watch.worst_limit_a - SITE_A), 1),
            "checks": watch.checks,
            "minimum met (settled samples)": f"{minimum_met}/{minimum_due}",
            "site full when settled (samples)": handed_on,
        }
        print("\nload management figures:", figures)
        assert started >= 40, figures  # sessions really came and went
        assert watch.worst_limit_a <= SITE_A + 1e-6, (figures, str(watch.worst_at))
        assert watch.worst_draw_a <= SITE_A + 1e-6, figures
        assert minimum_due > 0 and minimum_met == minimum_due, (figures, misses)
        assert handed_on > 0 and freed > 0, figures
        assert errors == [], errors
