"""Charger simulator: many light OCPP charging stations in one asyncio process.

Used by the README demo (`chargegrid simulate`), by the end-to-end tests and by `bench/`.
The public pieces: :class:`~chargegrid.sim.fleet.Fleet` (N chargers with a staggered start),
:class:`~chargegrid.sim.v16.ChargerV16` and :class:`~chargegrid.sim.v201.ChargerV201` (one station each).
"""

from chargegrid.sim.charger import ChargerOptions, SimCharger
from chargegrid.sim.fleet import Fleet, FleetOptions, charger_class
from chargegrid.sim.stats import SimStats

__all__ = ["ChargerOptions", "Fleet", "FleetOptions", "SimCharger", "SimStats", "charger_class"]
