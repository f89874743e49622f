"""The ``chargegrid simulate`` subcommand: argparse wiring around :class:`~chargegrid.sim.fleet.Fleet`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable

from chargegrid.sim.charger import ChargerOptions
from chargegrid.sim.fleet import SCENARIOS, VERSIONS, Fleet, FleetOptions
from chargegrid.sim.progress import report_progress, summary

DESCRIPTION = """\
Simulate N OCPP charging stations in one process against a central system.

Each station connects to URL/<id> (ids are PREFIX0001, PREFIX0002, ...), sends BootNotification and
StatusNotification, heartbeats at the interval the server asks for (or --heartbeat), and answers the
server's commands: Reset (reboots and reconnects), UnlockConnector, Set/ClearChargingProfile,
Get/ChangeConfiguration (1.6), Get/SetVariables (2.0.1), ChangeAvailability, ClearCache, DataTransfer,
TriggerMessage, and remote start/stop, which really start and stop a transaction with meter values.
Unknown commands get a CallError NotImplemented.

Scenarios: idle (boot, status, heartbeats), charging (every station repeatedly authorises, charges for
--session-seconds with meter values every --meter-interval seconds, stops, pauses --pause-seconds),
mixed (every third station charges, the others idle).

Progress (connected, booted, messages/s, errors) is printed on stderr every second, a summary at the end.
Exit code: 0 when every station booted at least once, 1 otherwise, 2 on bad arguments.
"""

EPILOG = """\
examples:
  chargegrid simulate --count 10                          # 10 idle 1.6 chargers on ws://127.0.0.1:8081/OCPP
  chargegrid simulate --count 1000 --version 2.0.1 --scenario mixed --rate 200
  chargegrid simulate --url ws://csms.example:8081/OCPP --count 5 --password s3cret --duration 60
"""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """Add the ``simulate`` subcommand to the chargegrid CLI."""
    p = subparsers.add_parser(
        "simulate",
        help="simulate many OCPP charging stations against a central system",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    p.set_defaults(func=run_command)


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--url",
        default="ws://127.0.0.1:8081/OCPP",
        help="websocket base URL; the station id is appended (default: %(default)s)",
    )
    p.add_argument(
        "--count", "-n", type=_positive(int), default=1, help="number of stations (default: %(default)s)"
    )
    p.add_argument(
        "--version",
        "-v",
        choices=list(VERSIONS),
        default="1.6",
        help="OCPP version spoken (default: %(default)s)",
    )
    p.add_argument("--id-prefix", default="sim", help="station id prefix (default: %(default)s)")
    p.add_argument("--start-index", type=int, default=1, help="number of the first station (default: 1)")
    p.add_argument(
        "--password", default=None, help="HTTP Basic auth password (user = station id); none by default"
    )
    p.add_argument("--scenario", choices=SCENARIOS, default="idle", help="behaviour (default: %(default)s)")
    p.add_argument(
        "--rate",
        type=_positive(float),
        default=100.0,
        help="new connections per second while ramping up (default: %(default)s)",
    )
    p.add_argument(
        "--concurrency",
        type=_positive(int),
        default=200,
        help="websocket handshakes in flight at once (default: %(default)s)",
    )
    p.add_argument(
        "--duration", type=float, default=0.0, help="seconds to run, then stop; 0 = until Ctrl-C (default: 0)"
    )
    p.add_argument(
        "--heartbeat",
        type=_positive(float),
        default=None,
        help="heartbeat interval in seconds, overriding the server's (default: the server's)",
    )
    p.add_argument(
        "--connectors",
        type=_positive(int),
        default=1,
        help="connectors (1.6) or EVSEs (2.0.1) per station (default: %(default)s)",
    )
    p.add_argument(
        "--meter-interval",
        type=_positive(float),
        default=5.0,
        help="seconds between meter values during a transaction (default: %(default)s)",
    )
    p.add_argument(
        "--session-seconds",
        type=_positive(float),
        default=60.0,
        help="scenario charging: length of a charging session (default: %(default)s)",
    )
    p.add_argument(
        "--pause-seconds",
        type=_positive(float),
        default=15.0,
        help="scenario charging: pause between sessions (default: %(default)s)",
    )
    p.add_argument("--id-tag", default="SIMTAG01", help="id tag used for local starts (default: %(default)s)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress line, only the summary")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")


def options_from_args(args: argparse.Namespace) -> FleetOptions:
    charger = ChargerOptions(
        url=args.url,
        password=args.password,
        connectors=args.connectors,
        heartbeat_interval=args.heartbeat,
        meter_interval=args.meter_interval,
        session_seconds=args.session_seconds,
        pause_seconds=args.pause_seconds,
        id_tag=args.id_tag,
    )
    return FleetOptions(
        count=args.count,
        version=args.version,
        id_prefix=args.id_prefix,
        start_index=args.start_index,
        scenario=args.scenario,
        rate=args.rate,
        concurrency=args.concurrency,
        charger=charger,
    )


async def simulate(args: argparse.Namespace) -> int:
    fleet = Fleet(options_from_args(args))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, fleet.stop)
    progress = None if args.quiet else loop.create_task(report_progress(fleet.stats))
    start = time.monotonic()
    try:
        stats = await fleet.run(args.duration if args.duration > 0 else None)
    finally:
        if progress is not None:
            progress.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await progress
            sys.stderr.write("\n")
    elapsed = time.monotonic() - start
    if args.json:
        p50, p99 = stats.percentile(50), stats.percentile(99)
        print(
            json.dumps(
                {
                    "chargers": stats.chargers,
                    "ever_booted": stats.ever_booted,
                    "sent": stats.sent,
                    "received": stats.received,
                    "answered": stats.answered,
                    "tx_started": stats.tx_started,
                    "tx_stopped": stats.tx_stopped,
                    "reconnects": stats.reconnects,
                    "errors": stats.errors,
                    "elapsed_s": round(elapsed, 3),
                    "p50_ms": p50,
                    "p99_ms": p99,
                    "last_error": stats.last_error,
                }
            )
        )
    else:
        print(summary(stats, elapsed), file=sys.stderr)
    return 0 if stats.ever_booted >= stats.chargers else 1


def run_command(args: argparse.Namespace) -> int:
    """Entry point used as ``func`` by the chargegrid CLI."""
    try:
        import uvloop  # optional: a faster event loop when installed
    except ImportError:  # pragma: no cover
        return int(asyncio.run(simulate(args)))
    return int(uvloop.run(simulate(args)))
