"""One numbering round of the outbox: committed events without a `position` get the next ones, in `seq`
order, on the node that holds the sequencer's lease (why positions and not `seq`: `events/sequencer.py`).

PostgreSQL does a round in one statement, sent outside a transaction block (its own transaction, one
round trip): "is anything waiting? take or renew the lease; number what is waiting above the highest
position". A round was five statements in a transaction (~6 round trips) on the node that holds the lease,
once per event committed there: measured as ~4 ms of each REST → other node → charger round trip when the
asking node held it (bench/RESULTS.md, session 5); one statement took ~7 ms CPU and ~6 ms p50 off each
such call on a slow machine (session 6).

Why one statement is as safe as the five:
- The lease's UPDATE holds its row lock until the statement's transaction ends, so rounds commit one
  after another, and a node that does not hold the lease changes nothing ("waiting" > 0, "held" 0).
- The numbering reads one snapshot, taken when the statement starts, maybe before the lease's row lock
  is granted. A round of another node that committed in between would make that snapshot stale; but
  PostgreSQL re-checks an UPDATE's condition against the newest row version of anything updated since
  the snapshot, so the lease is then granted only if it is still ours or expired, which a committed round
  of another node made false (it renewed the lease). What is left, two rounds of one owner at once (the
  loop runs one at a time; clocks apart by more than the lease's length), cannot give a position twice
  or take one back: the numbering UPDATE re-checks `position IS NULL` against the newest version too (a
  row the other round numbered is left as it is), and the unique index on `position` rejects the whole
  round if its stale top collides (it is tried again at the next tick).
- An idle round updates nothing, so PostgreSQL writes and flushes nothing for it.

SQLite has a single writer; it keeps the stepwise round in an ordinary transaction (the one-statement
form needs a data-modifying WITH, which SQLite has not), with a read-only look first when the caller does
not know that something is waiting, so an idle node does not commit (and fsync) at every tick.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from sqlalchemy import Integer, Select, Table, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chargegrid.store import leases
from chargegrid.store.integration_models import OutboxEvent, WorkerLease
from chargegrid.store.models import utcnow

_OUTBOX = cast(Table, OutboxEvent.__table__)
_LEASES = cast(Table, WorkerLease.__table__)


def _postgresql_round() -> Select[bool, int, int]:
    """One row: waiting (is any row unnumbered), held (the lease was taken or renewed: 1, or 0), numbered
    (how many rows got a position)."""
    waiting = exists(select(_OUTBOX.c.seq).where(_OUTBOX.c.position.is_(None)))
    lease = (
        update(_LEASES)
        .where(
            _LEASES.c.name == bindparam("lease"),
            or_(_LEASES.c.owner == bindparam("owner"), _LEASES.c.until < bindparam("now")),
            waiting,  # an idle round writes nothing, so it costs PostgreSQL no flush
        )
        .values(owner=bindparam("owner"), until=bindparam("until"))
        .returning(_LEASES.c.name)
        .cte("lease")
    )
    top = select(func.coalesce(func.max(_OUTBOX.c.position), 0)).scalar_subquery()
    numbered = (
        select(_OUTBOX.c.seq, (top + func.row_number().over(order_by=_OUTBOX.c.seq)).label("position"))
        .where(_OUTBOX.c.position.is_(None), exists(select(lease.c.name)))
        .order_by(_OUTBOX.c.seq)
        .limit(bindparam("batch", type_=Integer))
        .cte("numbered")
    )
    done = (
        update(_OUTBOX)
        .values(position=numbered.c.position)
        # Re-checked against the newest row version: a row that another round numbered stays as it is.
        .where(_OUTBOX.c.seq == numbered.c.seq, _OUTBOX.c.position.is_(None))
        .returning(_OUTBOX.c.seq)
        .cte("done")
    )
    return select(
        waiting.label("waiting"),
        select(func.count()).select_from(lease).scalar_subquery().label("held"),
        select(func.count()).select_from(done).scalar_subquery().label("numbered"),
    )


_PG_ROUND = _postgresql_round()
_ANY_WAITING = select(_OUTBOX.c.seq).where(_OUTBOX.c.position.is_(None)).limit(1)
_PENDING = (
    select(_OUTBOX.c.seq)
    .where(_OUTBOX.c.position.is_(None))
    .order_by(_OUTBOX.c.seq)
    .limit(bindparam("batch", type_=Integer))
)
_TOP = select(func.max(_OUTBOX.c.position))
_SET_POSITION = update(_OUTBOX).where(_OUTBOX.c.seq == bindparam("b_seq")).values(position=bindparam("b_pos"))


async def number(
    engine: AsyncEngine, lease: str, owner: str, ttl: float, batch: int, *, known_waiting: bool = False
) -> int | None:
    """Number up to `batch` committed rows that have no position: how many got one (0: none waited), or
    None when some wait but another node holds `lease`. `known_waiting`: the caller just committed events
    (SQLite then skips its read-only look)."""
    if engine.dialect.name == "postgresql":
        now = utcnow()
        params = {
            "lease": lease,
            "owner": owner,
            "now": now,
            "until": now + timedelta(seconds=ttl),
            "batch": batch,
        }
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            waiting, held, numbered = (await autocommit.execute(_PG_ROUND, params)).one()
        return None if waiting and not held else int(numbered)
    async with engine.begin() as connection:
        if not known_waiting and (await connection.execute(_ANY_WAITING)).first() is None:
            return 0  # nothing was written: the commit is free
        return await _stepwise(connection, lease, owner, ttl, batch)


async def _stepwise(
    connection: AsyncConnection, lease: str, owner: str, ttl: float, batch: int
) -> int | None:
    if not await leases.take(connection, lease, owner, ttl):
        return None
    pending = (await connection.scalars(_PENDING, {"batch": batch})).all()
    if not pending:
        return 0
    top = await connection.scalar(_TOP) or 0
    await connection.execute(
        _SET_POSITION, [{"b_seq": seq, "b_pos": top + i} for i, seq in enumerate(pending, 1)]
    )
    return len(pending)
