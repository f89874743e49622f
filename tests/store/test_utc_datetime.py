"""Times are stored as naive UTC whatever zone they came in; SQLite's one-step conversion writes exactly the
text SQLAlchemy's own chain would, so comparisons with rows stored before it keep working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Column, Integer, MetaData, Table, TypeDecorator, create_engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from chargegrid.store.models import UTCDateTime

VALUES = [
    datetime(2026, 3, 1, 12, 0, tzinfo=UTC),  # no microseconds: still written with six digits
    datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 7, 1, 23, 30, 15, 500, tzinfo=timezone(timedelta(hours=-5))),  # the next day in UTC
    datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),  # the previous year in UTC
    datetime(2026, 3, 1, 12, 0, 0, 999_999),  # naive: taken as UTC
    datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    datetime.fromisoformat("2026-11-30T23:59:59.123Z"),
]


def test_sqlite_binds_the_text_sqlalchemys_chain_gives() -> None:
    dialect = sqlite.dialect()
    kind = UTCDateTime().dialect_impl(dialect)
    ours = kind.bind_processor(dialect)
    chain = TypeDecorator.bind_processor(kind, dialect)  # the class's conversion, then SQLite's DATETIME
    assert ours is not None and chain is not None
    for value in VALUES:
        assert ours(value) == chain(value), value


def test_other_databases_get_naive_utc() -> None:
    dialect = postgresql.asyncpg.dialect()
    for value in VALUES:
        want = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
        assert UTCDateTime().process_bind_param(value, dialect) == want, value


def test_sqlite_round_trip_and_comparisons() -> None:
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    with engine.begin() as db:
        db.execute(insert(table), [{"id": i, "at": v} for i, v in enumerate(VALUES)])
        for i, value in enumerate(VALUES):
            stored = db.execute(select(table.c.at).where(table.c.id == i)).scalar_one()
            expected = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            assert stored == expected
            later = db.execute(select(table.c.id).where(table.c.at > value)).scalars().all()
            assert sorted(later) == sorted(j for j, v in enumerate(VALUES) if _utc(v) > _utc(value))


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
