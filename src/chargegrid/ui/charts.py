"""Line charts drawn by the server as SVG: power (kW) and energy (kWh) of a charging session.

The page embeds the SVG elements directly (no script, no inline style), so the strict CSP holds and
the chart shows even with JavaScript off. Power is scaled on the left axis, energy on the right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 56, 12, 28


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    label: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    power_points: str = ""
    energy_points: str = ""
    left_ticks: list[Tick] = field(default_factory=list)
    right_ticks: list[Tick] = field(default_factory=list)
    time_ticks: list[Tick] = field(default_factory=list)
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not self.power_points and not self.energy_points


def _nice_top(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def session_chart(
    power: Sequence[tuple[datetime, float]],
    energy: Sequence[tuple[datetime, float]],
    time_label: object,
) -> Chart:
    """The chart of one session; `time_label(datetime)` writes the time axis in the reader's zone."""
    chart = Chart()
    times = [t for t, _ in power] + [t for t, _ in energy]
    if not times:
        return chart
    start, end = min(times), max(times)
    span = max((end - start).total_seconds(), 1.0)
    plot_w = chart.plot_right - chart.plot_left
    plot_h = chart.plot_bottom - chart.plot_top
    power_top = _nice_top(max((v for _, v in power), default=0.0))
    energy_top = _nice_top(max((v for _, v in energy), default=0.0))

    def x(when: datetime) -> float:
        return round(chart.plot_left + (when - start).total_seconds() / span * plot_w, 1)

    def y(value: float, top: float) -> float:
        return round(chart.plot_bottom - max(value, 0.0) / top * plot_h, 1)

    chart.power_points = " ".join(f"{x(t)},{y(v, power_top)}" for t, v in power)
    chart.energy_points = " ".join(f"{x(t)},{y(v, energy_top)}" for t, v in energy)
    for i in range(5):
        fraction = i / 4
        height = round(chart.plot_bottom - fraction * plot_h, 1)
        chart.left_ticks.append(Tick(chart.plot_left - 6, height, f"{power_top * fraction:g}"))
        chart.right_ticks.append(Tick(chart.plot_right + 6, height, f"{energy_top * fraction:g}"))
    for i in range(3):
        when = start + (end - start) * (i / 2)
        label = str(time_label(when))  # type: ignore[operator]
        if not chart.time_ticks or chart.time_ticks[-1].label != label:  # a short session: one label
            chart.time_ticks.append(Tick(x(when), chart.plot_bottom + 18, label))
    return chart
