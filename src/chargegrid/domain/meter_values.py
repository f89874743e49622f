"""Meter value normalisation: whatever unit and multiplier the charger used, energy in kWh, power in kW."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
SOC = "SoC"
KEPT = frozenset({ENERGY, POWER, SOC})

_SCALE = {"wh": 0.001, "kwh": 1.0, "w": 0.001, "kw": 1.0, "percent": 1.0, "%": 1.0}
_DEFAULT_UNIT = {ENERGY: "Wh", POWER: "W", SOC: "Percent"}
_NORMAL_UNIT = {ENERGY: "kWh", POWER: "kW", SOC: "Percent"}


@dataclass(frozen=True)
class RawSample:
    """One sampled value as the edge read it from any OCPP version."""

    timestamp: datetime
    value: float
    measurand: str
    unit: str | None = None
    multiplier: int = 0  # 2.x unitOfMeasure.multiplier: value × 10^multiplier
    phase: str | None = None
    context: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class Sample:
    timestamp: datetime
    measurand: str
    value: float
    unit: str
    phase: str | None
    context: str | None
    location: str | None


def normalise(raw: RawSample) -> Sample | None:
    """The sample in kWh / kW / %, or None for measurands we do not keep or units we cannot convert."""
    if raw.measurand not in KEPT:
        return None
    unit = (raw.unit or _DEFAULT_UNIT[raw.measurand]).lower()
    scale = _SCALE.get(unit)
    if scale is None:
        return None
    value = raw.value * (10.0**raw.multiplier) * scale
    return Sample(
        raw.timestamp,
        raw.measurand,
        round(value, 6),
        _NORMAL_UNIT[raw.measurand],
        raw.phase,
        raw.context,
        raw.location,
    )


@dataclass
class Reading:
    """The figures a connector shows: meter (kWh), power (kW), state of charge (%)."""

    energy_kwh: float | None = None
    power_kw: float | None = None
    soc: float | None = None
    timestamp: datetime | None = None


def summarise(samples: list[Sample]) -> Reading:
    """Latest energy/power/SoC of a batch. Power given only per phase is summed; outlet meters win."""
    reading = Reading()
    phase_power: dict[str, float] = {}
    for s in samples:
        if s.location not in (None, "Outlet", "Inlet"):
            continue  # EV / Cable / Body readings are not the meter
        if reading.timestamp is None or s.timestamp >= reading.timestamp:
            reading.timestamp = s.timestamp
        if s.measurand == ENERGY and s.phase in (None, "N"):
            reading.energy_kwh = s.value
        elif s.measurand == POWER:
            if s.phase in (None, "N"):
                reading.power_kw = s.value
            else:
                phase_power[s.phase.split("-")[0]] = s.value
        elif s.measurand == SOC:
            reading.soc = s.value
    if reading.power_kw is None and phase_power:
        reading.power_kw = round(sum(phase_power.values()), 6)
    return reading
