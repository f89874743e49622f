"""Meter value normalisation: units, multipliers, phases, locations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chargegrid.domain.meter_values import RawSample, normalise, summarise

T = datetime(2026, 1, 1, tzinfo=UTC)


def test_units_and_multipliers_become_kwh_and_kw() -> None:
    assert normalise(RawSample(T, 12345, "Energy.Active.Import.Register")).value == 12.345  # type: ignore[union-attr]
    assert normalise(RawSample(T, 12.5, "Energy.Active.Import.Register", "kWh")).value == 12.5  # type: ignore[union-attr]
    assert normalise(RawSample(T, 12, "Energy.Active.Import.Register", "Wh", 3)).value == 12.0  # type: ignore[union-attr]
    assert normalise(RawSample(T, 7400, "Power.Active.Import", "W")).value == 7.4  # type: ignore[union-attr]
    assert normalise(RawSample(T, 7.4, "Power.Active.Import", "kW")).unit == "kW"  # type: ignore[union-attr]
    assert normalise(RawSample(T, 230, "Voltage", "V")) is None
    assert normalise(RawSample(T, 1, "Energy.Active.Import.Register", "varh")) is None


def test_summary_sums_phases_and_ignores_ev_side_energy() -> None:
    samples = [
        s
        for s in (
            normalise(RawSample(T, 2000, "Power.Active.Import", "W", phase="L1")),
            normalise(RawSample(T, 2100, "Power.Active.Import", "W", phase="L2")),
            normalise(RawSample(T, 1900, "Power.Active.Import", "W", phase="L3")),
            normalise(RawSample(T + timedelta(seconds=1), 4000, "Energy.Active.Import.Register")),
            normalise(RawSample(T, 80, "SoC", location="EV")),
            normalise(RawSample(T, 99999, "Energy.Active.Import.Register", location="Cable")),
        )
        if s is not None
    ]
    reading = summarise(samples)
    assert (
        reading.power_kw == 6.0
        and reading.energy_kwh == 4.0
        and reading.timestamp == T + timedelta(seconds=1)
    )
