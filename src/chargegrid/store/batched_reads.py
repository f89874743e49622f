"""Reads of many callers at once: one query for every key asked for while the previous query ran.

In a boot storm thousands of chargers connect within seconds and each needs the same few reads: its record
at the handshake, the settings still to push and the charging profiles to restore after its boot. One
session and one statement per charger queued them on the connection pool and, on SQLite, on aiosqlite's
thread (one hop per statement), and paid the ORM's per-statement cost each time. A `BatchedReader` lets
the callers of one event-loop iteration, and those that come while its query runs, share one query.
A lone caller pays one extra loop iteration.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BatchedReader(Generic[K, V]):
    """`get(key)` answers `read(db, keys)[key]`, or None when `read` did not return the key."""

    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        read: Callable[[AsyncSession, list[K]], Awaitable[Mapping[K, V]]],
        *,
        max_batch: int = 500,
    ) -> None:
        self._db = db
        self._read_many = read
        self._max_batch = max_batch
        self._waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def get(self, key: K) -> V | None:
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        if self._reader is None:
            self._reader = asyncio.create_task(self._read())
        return await future

    async def _read(self) -> None:
        waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        try:
            while self._waiting:
                await asyncio.sleep(0)  # the callers of this loop iteration join the batch
                keys = list(itertools.islice(self._waiting, self._max_batch))
                waiting = {key: self._waiting.pop(key) for key in keys}
                try:
                    async with self._db() as db:
                        found = await self._read_many(db, keys)
                except Exception as exc:  # every caller of the batch hears why
                    _fail(waiting, exc)
                    continue
                for key, futures in waiting.items():
                    for future in futures:
                        if not future.done():
                            future.set_result(found.get(key))
                waiting = {}
            # A dict never shrinks as keys leave it: a fresh one, so the table a boot storm grew
            # (thousands of waiting chargers) is not kept for the node's life.
            self._waiting = {}
        except BaseException as exc:  # cancelled (shutdown): nobody may wait for ever
            _fail(waiting, exc)
            _fail(self._waiting, exc)
            self._waiting = {}
            raise
        finally:
            self._reader = None


def _fail(waiting: Mapping[K, list[asyncio.Future[V | None]]], exc: BaseException) -> None:
    for futures in waiting.values():
        for future in futures:
            if not future.done():
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
