"""Python's cyclic garbage collector, tuned for a server process that holds thousands of live sockets.

With the interpreter's defaults (a young-generation collection every 700 new container objects) a node
under load spent much of its time in the collector: each collection walks the young objects, and the
objects of a message in flight (futures, frames, dicts of the payload) live long enough at a few thousand
messages a second to be promoted, so the older generations - with every charger's session, the code and
the caches of start-up - were walked again and again. Measured with `bench/run.py` (SQLite, 1,000
chargers, closed loop, one process): 4,598 msgs/s with the defaults, 6,275 with the thresholds below and
the start-up heap frozen (CPU per message 0.21 → 0.15 ms); the 10,000-charger boot storm 47 → ~40 s.

Reference counting still frees almost everything at once; the collector is only for cycles, so running it
less often costs a little memory for a short while, not a leak. Only `chargegrid serve` applies this, not
the app as a library (tests run many apps in one process).
"""

from __future__ import annotations

import gc

# A young collection per 50,000 new container objects (default 700); the middle generation every 20 of
# those, the oldest every 10 of the middle (and, as always, only once it has grown by a quarter).
THRESHOLDS = (50_000, 20, 10)


def tune() -> None:
    """Set the collection thresholds: call once, early in the server process."""
    gc.set_threshold(*THRESHOLDS)


def freeze_startup_heap() -> None:
    """After start-up: collect once, then keep everything alive now out of every later collection.

    Imported modules, compiled schemas and statement caches are never garbage; without this each full
    collection walks them again.
    """
    gc.collect()
    gc.freeze()
