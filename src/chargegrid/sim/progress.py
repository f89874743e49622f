"""Live progress on stderr (one line per second) and the final summary of a simulator run."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from chargegrid.sim.stats import SimStats


def progress_line(s: SimStats, rate: float, elapsed: float) -> str:
    return (
        f"[{elapsed:6.1f}s] chargers {s.chargers}  connected {s.connected}  booted {s.booted}  "
        f"msgs/s {rate:7.1f}  answered {s.answered}  tx {s.tx_started}/{s.tx_stopped}  "
        f"reconnects {s.reconnects}  errors {s.errors}"
        + (f"  auth-rejected {s.auth_rejected}" if s.auth_rejected else "")
    )


async def report_progress(s: SimStats, stream: TextIO = sys.stderr, every: float = 1.0) -> None:
    """Print the progress line until cancelled: in place on a terminal, one line per tick otherwise."""
    tty = stream.isatty()
    start = last_t = time.monotonic()
    last_n = s.sent + s.received
    shown_error = ""
    while True:
        await asyncio.sleep(every)
        now = time.monotonic()
        n = s.sent + s.received
        line = progress_line(s, (n - last_n) / max(now - last_t, 1e-9), now - start)
        last_n, last_t = n, now
        if s.last_error and s.last_error != shown_error:
            shown_error = s.last_error
            stream.write(("\r\x1b[K" if tty else "") + f"  last error: {shown_error[:200]}\n")
        stream.write(("\r\x1b[K" + line) if tty else line + "\n")
        stream.flush()


def summary(s: SimStats, elapsed: float) -> str:
    """A few lines that close a run: totals, rates, call round trips."""
    total = s.sent + s.received
    p50, p99 = s.percentile(50), s.percentile(99)
    lat = "n/a" if p50 is None or p99 is None else f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    lines = [
        f"Simulated {s.chargers} chargers for {elapsed:.1f} s",
        f"  booted (at least once): {s.ever_booted}/{s.chargers}, connected at the end: {s.connected}",
        f"  messages: {s.sent} sent, {s.received} received ({total / max(elapsed, 1e-9):.1f}/s)",
        f"  server commands answered: {s.answered}; "
        f"transactions started {s.tx_started}, stopped {s.tx_stopped}",
        f"  call round trip: {lat}",
        f"  reconnects: {s.reconnects}, errors: {s.errors}",
    ]
    if s.auth_rejected:
        lines.append(
            f"  id tag refused {s.auth_rejected} times: does the server know it? (--id-tag, default SIMTAG01)"
        )
    if s.last_error:
        lines.append(f"  last error: {s.last_error[:300]}")
    return "\n".join(lines)
