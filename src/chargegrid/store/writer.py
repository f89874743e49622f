"""Group commit for the OCPP edge: many chargers' writes share one database transaction.

A charger is answered only after what it reported is committed, and with `synchronous=FULL` every
commit costs a disk flush. Committing each message alone caps a node at a few hundred messages a
second; here each lane takes every write that queued up while its previous commit was in flight,
runs them one after another in one session, and commits once. An idle node adds no delay (a lone
write commits at once); a busy one gets fewer, larger commits.

Writes of one charger always go to the same lane, so they are applied in the order they arrived.
If any write in a batch fails, the batch is rolled back and each of its writes is retried alone, so
one bad message never costs another charger its data. SQLite gets one lane (it has one writer);
PostgreSQL several, each on its own connection.
"""

from __future__ import annotations

import asyncio
import logging
import operator
import sqlite3
import zlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import await_only

from chargegrid.background import raise_if_stopping

log = logging.getLogger("chargegrid.writer")

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[Any]]
_Item = tuple[Work, "asyncio.Future[Any]"]


def defer(db: AsyncSession, statement: Executable, row: dict[str, Any]) -> None:
    """Queue a row for `statement`, executed with every other row queued in this transaction just before
    it commits (one executemany per statement instead of one round trip per OCPP message)."""
    db.info.setdefault(_DEFERRED, {}).setdefault(statement, []).append(row)


def defer_many(db: AsyncSession, statement: Executable, rows: list[dict[str, Any]]) -> None:
    """`defer` for many rows at once."""
    db.info.setdefault(_DEFERRED, {}).setdefault(statement, []).extend(rows)


_DEFERRED = "chargegrid.deferred"


@event.listens_for(Session, "before_commit")
def _flush_deferred(session: Session) -> None:
    # Every session, not only the writer's: a queued row can never be lost by a commit that forgot it.
    deferred: dict[Executable, list[dict[str, Any]]] = session.info.pop(_DEFERRED, {})
    if not deferred:
        return
    connection = session.connection()
    here = _sqlite_here(connection)
    for statement, rows in deferred.items():
        prepared = _prepared(statement, connection.dialect, rows)
        if prepared is None:
            session.execute(statement, rows)
        elif here is not None:
            _executemany_here(here, prepared.sql, prepared.parameters(rows))
        else:
            connection.exec_driver_sql(prepared.sql, prepared.parameters(rows))


def _sqlite_here(connection: Connection) -> sqlite3.Connection | None:
    """SQLite's own connection, to run the deferred rows on this (the event loop's) thread, holding the
    write lock; None on PostgreSQL (asyncpg runs on the event loop already).

    aiosqlite runs each statement on a thread of its connection, and Python's sqlite3 lets go of the GIL
    around every row an executemany steps through. While the event loop is busy, that thread waits for
    the GIL again after each row: up to the interpreter's switch interval (5 ms). Measured, 2,000 rows
    took 17 ms with the loop idle and ~300 ms beside a busy one; in the server the deferred rows of a
    group commit took ~0.5 ms per row at 400 msgs/s, and every charger in the batch waited for them.
    On the event loop's thread nobody else wants the GIL back, so they cost their CPU time only.
    The commit itself (the disk flush) still runs on aiosqlite's thread.

    The statements never wait for SQLite's write lock here (its busy handler would stall the loop): the
    transaction already holds it, or takes it first with BEGIN IMMEDIATE on aiosqlite's thread.
    """
    if connection.dialect.name != "sqlite":
        return None
    adapted = connection.connection.dbapi_connection
    aio: Any = getattr(adapted, "driver_connection", None)
    raw = getattr(aio, "_conn", None)  # aiosqlite keeps the sqlite3 connection there
    if not isinstance(raw, sqlite3.Connection):
        return None
    if not raw.in_transaction:  # pysqlite begins only before a data change: no write lock taken yet
        try:
            await_only(aio.execute("BEGIN IMMEDIATE"))
        except sqlite3.Error as error:
            raise DBAPIError.instance("BEGIN IMMEDIATE", (), error, sqlite3.Error) from error
    return raw


def _executemany_here(raw: sqlite3.Connection, sql: str, parameters: list[tuple[Any, ...]]) -> None:
    try:
        raw.executemany(sql, parameters)
    except sqlite3.Error as error:  # as SQLAlchemy raises it, so callers catch IntegrityError etc.
        raise DBAPIError.instance(sql, parameters, error, sqlite3.Error) from error


class _Prepared:
    """A deferred statement compiled once per dialect and set of columns, with its bind processors.

    `session.execute(statement, rows)` builds a dict of every bind parameter for each row before it
    applies the type processors (measured: ~12 % of the server's CPU under load went to that, for rows
    whose values are already complete); here each row becomes the driver's tuple directly, through the
    same processors, and the driver's executemany gets the SQL SQLAlchemy itself would have sent.
    """

    __slots__ = ("_get", "_processors", "sql")

    def __init__(self, sql: str, keys: tuple[str, ...], processors: list[tuple[int, Callable[[Any], Any]]]):
        self.sql = sql
        self._get = operator.itemgetter(*keys)
        self._processors = processors

    def parameters(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        get, processors = self._get, self._processors
        out: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(get(row))
            for index, process in processors:
                values[index] = process(values[index])
            out.append(tuple(values))
        return out


_PREPARED: dict[tuple[Executable, str, frozenset[str]], _Prepared | None] = {}


def _prepared(statement: Executable, dialect: Dialect, rows: list[dict[str, Any]]) -> _Prepared | None:
    """The prepared form of `statement` for these rows, or None when only SQLAlchemy's own path is right
    (rows with different columns, Python-side defaults to compute, RETURNING, expanding parameters)."""
    keys = frozenset(rows[0])
    if any(row.keys() != keys for row in rows):
        return None
    cache_key = (statement, dialect.name, keys)
    if cache_key in _PREPARED:
        return _PREPARED[cache_key]
    prepared: _Prepared | None = None
    if isinstance(statement, ClauseElement):
        compiled = statement.compile(dialect=dialect, column_keys=sorted(keys), for_executemany=True)
        if (
            isinstance(compiled, SQLCompiler)
            and compiled.positional
            and compiled.positiontup is not None
            and set(compiled.positiontup) <= keys
            and not compiled.insert_prefetch
            and not compiled.update_prefetch
            and not compiled.effective_returning
            and not compiled.literal_execute_params
            and not compiled.post_compile_params
        ):
            order = tuple(compiled.positiontup)
            processors = compiled._bind_processors
            steps = [(i, processors[key]) for i, key in enumerate(order) if key in processors]
            if len(order) > 1 and all(callable(step) for _i, step in steps):
                prepared = _Prepared(compiled.string, order, steps)  # type: ignore[arg-type]
    if len(_PREPARED) >= 512:  # statements built per call would otherwise grow it without end
        _PREPARED.clear()
    _PREPARED[cache_key] = prepared
    return prepared


class WriterClosed(RuntimeError):
    """The node is shutting down; the write was not applied."""


class BatchedWriter:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, lanes: int = 1, max_batch: int = 256
    ) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._queues: list[asyncio.Queue[_Item]] = [asyncio.Queue() for _ in range(max(1, lanes))]
        self._workers: list[asyncio.Task[None]] = []
        # Called as each batch forms: a write that rides along (see `add_rider`), or None.
        self._riders: list[Callable[[], _Item | None]] = []
        self.batches = 0
        self.writes = 0

    def add_rider(self, rider: Callable[[], _Item | None]) -> None:
        """Let `rider` add a write of its own to each batch as it forms (or return None): for rows nobody
        waits for, such as the message log's, which so are spread over the commits that happen anyway
        instead of arriving as one large write every second (every charger in that batch waited for it).
        The rider owns the future it hands over; a failed batch retries its write alone, like any other."""
        self._riders.append(rider)

    def start(self) -> None:
        self._workers = [
            asyncio.create_task(self._drain(q), name=f"writer-{i}") for i, q in enumerate(self._queues)
        ]

    @property
    def running(self) -> bool:
        return bool(self._workers)

    async def stop(self) -> None:
        workers, self._workers = self._workers, []  # a write after this runs in a transaction of its own
        for worker in workers:
            worker.cancel()
        for worker in workers:
            try:
                await worker
            except asyncio.CancelledError:
                pass
        for queue in self._queues:
            while not queue.empty():
                _work, future = queue.get_nowait()
                if not future.done():
                    future.set_exception(WriterClosed("the central system is shutting down"))

    async def run(self, key: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Apply `work` in a committed transaction and return its result (raises what `work` raised)."""
        if not self._workers:  # not started (scripts, tests of the store): a transaction of its own
            async with self._sessions.begin() as db:
                return await work(db)
        lane = zlib.crc32(key.encode()) % len(self._queues) if len(self._queues) > 1 else 0
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queues[lane].put_nowait((work, future))
        return await future

    async def _drain(self, queue: asyncio.Queue[_Item]) -> None:
        while True:
            # One batch per call, so nothing of it (its work, their results and the rows they hold)
            # stays referenced by this frame while the next write is awaited on an idle node.
            await self._one_batch(queue, await queue.get())

    async def _one_batch(self, queue: asyncio.Queue[_Item], first: _Item) -> None:
        batch = [first]
        while len(batch) < self._max_batch and not queue.empty():
            batch.append(queue.get_nowait())
        for rider in self._riders:
            item = rider()
            if item is not None:
                batch.append(item)
        try:
            await self._apply(batch)
            raise_if_stopping()  # a cancel that came out of the database as an error
        except asyncio.CancelledError:
            for _work, future in batch:
                if not future.done():
                    future.set_exception(WriterClosed("the central system is shutting down"))
            raise
        except Exception:  # the database itself failed (commit, connection)
            raise_if_stopping()
            log.exception("a batch of %d writes failed; retrying them one by one", len(batch))
            await self._one_by_one(batch)

    async def _apply(self, batch: list[_Item]) -> None:
        results: list[Any] = []
        failure: Exception | None = None
        async with self._sessions() as db:
            try:
                for work, _future in batch:
                    results.append(await work(db))
                await db.commit()
            except Exception as exc:
                await db.rollback()
                failure = exc
        if failure is not None:
            if len(batch) == 1:
                _settle(batch[0][1], error=failure)
            else:  # find the culprit: everyone else still gets their write applied
                await self._one_by_one(batch)
            return
        self.batches += 1
        self.writes += len(batch)
        for (_work, future), result in zip(batch, results, strict=True):
            _settle(future, result)

    async def _one_by_one(self, batch: list[_Item]) -> None:
        for work, future in batch:
            if future.done():
                continue
            try:
                async with self._sessions.begin() as db:
                    result = await work(db)
            except Exception as exc:
                _settle(future, error=exc)
            else:
                _settle(future, result)


def _settle(future: asyncio.Future[Any], result: Any = None, error: BaseException | None = None) -> None:
    if future.done():  # the waiting handler was cancelled (its charger went away)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
