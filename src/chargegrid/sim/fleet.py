"""N simulated chargers in one process: staggered connects, bounded handshake concurrency, clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import resource
from dataclasses import dataclass, field, replace

from chargegrid.sim.charger import ChargerOptions, SimCharger
from chargegrid.sim.stats import SimStats
from chargegrid.sim.v16 import ChargerV16
from chargegrid.sim.v201 import ChargerV21, ChargerV201

VERSIONS: dict[str, type[SimCharger]] = {"1.6": ChargerV16, "2.0.1": ChargerV201, "2.1": ChargerV21}
SCENARIOS = ("idle", "charging", "mixed")


def charger_class(version: str) -> type[SimCharger]:
    """The simulated station class for an OCPP version ("1.6", "2.0.1" or "2.1")."""
    try:
        return VERSIONS[version]
    except KeyError:
        raise ValueError(f"unknown OCPP version {version!r}; choose one of {', '.join(VERSIONS)}") from None


def raise_nofile_limit(wanted: int) -> int:
    """Raise RLIMIT_NOFILE's soft limit towards ``wanted`` (capped by the hard limit); return the result."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass(slots=True)
class FleetOptions:
    """What to simulate: how many stations, which version and scenario, and how fast to connect them."""

    count: int = 1
    version: str = "1.6"
    id_prefix: str = "sim"
    start_index: int = 1
    scenario: str = "idle"  # idle | charging | mixed (every third station charges)
    rate: float = 100.0  # new connections started per second
    concurrency: int = 200  # websocket handshakes in flight at once
    charger: ChargerOptions = field(default_factory=ChargerOptions)

    def ids(self) -> list[str]:
        width = max(4, len(str(self.start_index + self.count - 1)))
        first, end = self.start_index, self.start_index + self.count
        return [f"{self.id_prefix}{i:0{width}d}" for i in range(first, end)]


class Fleet:
    """Runs ``opts.count`` stations on the current event loop until :meth:`stop` or the duration ends."""

    def __init__(self, opts: FleetOptions, stats: SimStats | None = None) -> None:
        if opts.scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {opts.scenario!r}; choose one of {', '.join(SCENARIOS)}")
        if opts.count < 1:
            raise ValueError("count must be at least 1")
        if opts.rate <= 0:
            raise ValueError("rate must be positive")
        self.opts = opts
        self.stats = stats or SimStats()
        self.stats.chargers = opts.count
        cls = charger_class(opts.version)
        idle = replace(opts.charger, scenario="idle")
        charging = replace(opts.charger, scenario="charging")
        self.chargers: list[SimCharger] = []
        for n, cp_id in enumerate(opts.ids()):
            if opts.scenario == "mixed":
                o = charging if n % 3 == 0 else idle
            else:
                o = charging if opts.scenario == "charging" else idle
            self.chargers.append(cls(cp_id, o, self.stats))
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.started_all = asyncio.Event()

    def by_id(self, cp_id: str) -> SimCharger:
        return next(c for c in self.chargers if c.cp_id == cp_id)

    async def start(self) -> None:
        """Start every station's task, ``rate`` per second, at most ``concurrency`` handshakes at once."""
        raise_nofile_limit(self.opts.count + 256)
        gate = asyncio.Semaphore(max(1, self.opts.concurrency))
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for n, charger in enumerate(self.chargers):
            if self._stop.is_set():
                break
            self._tasks.append(loop.create_task(charger.run(self._stop, gate)))
            due = t0 + (n + 1) / self.opts.rate
            delay = due - loop.time()
            if delay > 0.005:  # batch tiny sleeps: one wake-up per ~5 ms whatever the rate
                await asyncio.sleep(delay)
        self.started_all.set()

    async def wait_booted(self, within: float) -> bool:
        """Wait until every station is booted (True) or ``within`` seconds passed (False)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        while self.stats.booted < self.opts.count:
            if loop.time() >= end:
                return False
            await asyncio.sleep(0.05)
        return True

    async def run(self, duration: float | None = None) -> SimStats:
        """Start, run for ``duration`` seconds (None: until :meth:`stop`), stop; return the counters."""
        starter = asyncio.get_running_loop().create_task(self.start())
        try:
            if duration is None:
                await self._stop.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), duration)
        finally:
            starter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starter
            await self.shutdown()
        return self.stats

    def stop(self) -> None:
        self._stop.set()

    async def shutdown(self, grace: float = 5.0) -> None:
        """Close every websocket (bounded in time), then cancel what is left."""
        self._stop.set()
        closing = [asyncio.ensure_future(c.close()) for c in self.chargers if c.ws is not None]
        if closing:
            await asyncio.wait(closing, timeout=grace)
        for t in self._tasks:
            t.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace)
