"""SQLite's WAL checkpoints, taken off the group commit's path by a thread of their own.

By default SQLite checkpoints inside the COMMIT that pushes the write-ahead log past 1,000 pages: that
commit copies the log's pages into the database file and, with `synchronous=FULL`, flushes both files
before it returns. On the single writer every charger queued behind that commit waits for it too.
Here every connection of the engine has automatic checkpoints off (`database.create_engine`'s
`own_checkpoints`) and this thread, on a connection of its own, runs a PASSIVE checkpoint: PASSIVE never
takes the write lock, so commits go on while it copies and flushes. It checkpoints every half second
whatever the log holds (a checkpoint with nothing new to copy touches no file). Once a checkpoint has
copied the whole log, the next commit starts writing the log from its beginning again, so the file stays
as small as with SQLite's own checkpoints. Measured (SQLite, 1,000 chargers, open loop, same harness):
p99 at 1,500 / 2,000 / 3,000 msgs/s offered 46 / 68 / 228 ms without this thread, 20 / 18 / 49 with it.

Durability is unchanged: a commit is durable once its log frames are flushed (that is the commit's own
flush); the checkpoint only moves committed pages into the database file, flushing it before the log
is reused (this connection runs with `synchronous=FULL` as well).
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("chargegrid.checkpoints")

# Seconds between checkpoints. A busy node writes SQLite's automatic threshold (1,000 pages) in one to a
# few seconds, so the log stays about as short as with SQLite's own checkpoints.
INTERVAL = 0.5


class Checkpointer:
    """A thread that checkpoints one SQLite database's WAL while the node writes to it."""

    def __init__(self, path: str, *, interval: float = INTERVAL) -> None:
        self._path = path
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # checkpoints that copied pages (for tests and diagnostics)
        self.last_in_log = self.last_copied = 0  # the last checkpoint's frames in the log / copied

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (after one last checkpoint, so a stopped node leaves a short log)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        except sqlite3.Error:
            log.exception("cannot open %s for WAL checkpoints; SQLite's own checkpoints are off", self._path)
            return
        try:
            connection.execute("PRAGMA synchronous=FULL")
            while not self._stop.wait(self._interval):
                self._checkpoint(connection)
            self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            _busy, in_log, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            log.exception("a WAL checkpoint failed; will retry")
            return
        if copied > self.last_copied or in_log < self.last_in_log:
            self.checkpoints += 1
        self.last_in_log, self.last_copied = in_log, copied
        if in_log > copied:
            log.debug("checkpoint copied %d of %d pages (a reader holds the rest)", copied, in_log)
