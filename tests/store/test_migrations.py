"""The schema comes from the Alembic migrations, on SQLite and PostgreSQL, and upgrading twice is harmless."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from chargegrid.store.database import create_engine
from chargegrid.store.migrate import upgrade
from chargegrid.store.models import Base


async def test_migrations_create_every_table_and_are_idempotent(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        await upgrade(engine)
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
    finally:
        await engine.dispose()


def test_migrate_command(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "chargegrid", "migrate", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2] / "src")},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "m.db").stat().st_size > 0
