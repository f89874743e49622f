"""CPU the OCPP message log costs per exchange, apart from the rest of the server.

The closed loop (`bench/run.py`) measures the whole server, where the log is a few per cent and this
machine's noise is as large; this drives the log alone the way the edge does (a CALL in and its answer out
through the recorder, then the rows written through the group commit's writer into a migrated SQLite or
PostgreSQL database) and prints the process CPU per exchange of each part, the best of `--repeats`.

    python bench/message_log_cost.py [--exchanges 20000] [--repeats 5] [--database-url URL]
    python bench/message_log_cost.py --one-row-estimate   # the storage side of one row per exchange

Run it from the worktree whose code is measured (its `src` first on the path), under the bench lock.
`--one-row-estimate` compares, in plain sqlite3, inserting two rows per exchange into the table as it is
with one wider row per exchange (the answer's columns added): what a one-row log would save in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from pathlib import Path

_CALL = (
    '[2,"{id}","MeterValues",{{"connectorId":1,"transactionId":7,"meterValue":[{{"timestamp":'
    '"2026-12-01T03:00:00Z","sampledValue":[{{"value":"1234.5","measurand":'
    '"Energy.Active.Import.Register","unit":"Wh"}}]}}]}}]'
)
_ANSWER = '[3,"{id}",{{}}]'


async def _log_cost(url: str, exchanges: int, repeats: int) -> tuple[float, float]:
    from chargegrid.config import MessageLogLevel
    from chargegrid.ocpp.message_log import MessageLog
    from chargegrid.store.database import create_engine, session_factory
    from chargegrid.store.migrate import upgrade
    from chargegrid.store.writer import BatchedWriter

    engine = create_engine(url)
    await upgrade(engine)
    writer = BatchedWriter(session_factory(engine), lanes=1)
    writer.start()
    calls = [(f"m{n}", _CALL.format(id=f"m{n}"), _ANSWER.format(id=f"m{n}")) for n in range(exchanges)]
    best_record = best_write = float("inf")
    try:
        for _ in range(repeats):
            log = MessageLog(MessageLogLevel.all, session_factory(engine), 0, writer)
            record = log.recorder("BENCH")
            assert record is not None
            started = time.process_time()
            for message_id, call, answer in calls:
                record("in", 2, message_id, "MeterValues", call, None)
                record("out", 3, message_id, "MeterValues", answer, None)
            recorded = time.process_time()
            await log.flush()
            written = time.process_time()
            best_record = min(best_record, recorded - started)
            best_write = min(best_write, written - recorded)
    finally:
        await writer.stop()
        await engine.dispose()
    return best_record / exchanges * 1e6, best_write / exchanges * 1e6


_TABLE = """CREATE TABLE message_log (id INTEGER PRIMARY KEY, timestamp DATETIME NOT NULL,
 charge_point_id VARCHAR(48) NOT NULL, direction VARCHAR(3) NOT NULL, message_type INTEGER NOT NULL,
 message_id VARCHAR(64) NOT NULL, action VARCHAR(50), payload TEXT NOT NULL, result VARCHAR(100){extra});
 CREATE INDEX ix_ml_cp_time ON message_log (charge_point_id, timestamp)"""
_ANSWER_COLUMNS = ", answer_timestamp DATETIME, answer_type INTEGER, answer_payload TEXT"


def _one_row_estimate(exchanges: int, repeats: int) -> tuple[float, float]:
    """Best µs per exchange of: two rows per exchange, one row with the answer's columns."""
    stamp = "2026-12-01 03:00:00.123456"
    two = []
    one = []
    for n in range(exchanges):
        call, answer = _CALL.format(id=f"m{n}"), _ANSWER.format(id=f"m{n}")
        two.append((stamp, "BENCH", "in", 2, f"m{n}", "MeterValues", call, None))
        two.append((stamp, "BENCH", "out", 3, f"m{n}", "MeterValues", answer, None))
        one.append((stamp, "BENCH", "in", 2, f"m{n}", "MeterValues", call, None, stamp, 3, answer))
    columns = "timestamp, charge_point_id, direction, message_type, message_id, action, payload, result"
    best = {"two": float("inf"), "one": float("inf")}
    with tempfile.TemporaryDirectory() as folder:
        for name, rows, extra in (("two", two, ""), ("one", one, _ANSWER_COLUMNS)):
            for attempt in range(repeats):
                path = Path(folder) / f"{name}-{attempt}.db"
                db = sqlite3.connect(path, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_TABLE.format(extra=extra))
                names = columns + (", answer_timestamp, answer_type, answer_payload" if extra else "")
                sql = f"INSERT INTO message_log ({names}) VALUES ({', '.join('?' * len(rows[0]))})"
                started = time.process_time()
                db.execute("BEGIN IMMEDIATE")
                for start in range(0, len(rows), 2000):  # the size of one ride on the group commit
                    db.executemany(sql, rows[start : start + 2000])
                db.execute("COMMIT")
                best[name] = min(best[name], time.process_time() - started)
                db.close()
    return best["two"] / exchanges * 1e6, best["one"] / exchanges * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exchanges", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--one-row-estimate", action="store_true")
    args = parser.parse_args()
    if args.one_row_estimate:
        two, one = _one_row_estimate(args.exchanges, args.repeats)
        print(f"sqlite3 insert, µs CPU per exchange: two rows {two:.2f}, one row {one:.2f}")
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{os.path.join(folder, 'log.db')}"
        record, write = asyncio.run(_log_cost(url, args.exchanges, args.repeats))
    print(
        f"µs CPU per exchange (2 frames): record {record:.2f}, write {write:.2f}, total {record + write:.2f}"
    )


if __name__ == "__main__":
    main()
