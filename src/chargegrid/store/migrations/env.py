"""Alembic environment: runs on the connection handed over by `chargegrid.store.migrate`."""

from __future__ import annotations

from alembic import context

from chargegrid.store import (  # noqa: F401  (registers their tables)
    command_models,
    device_model_tables,
    operation_models,
    payment_models,
)
from chargegrid.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via chargegrid.store.migrate
    raise RuntimeError("run migrations with `chargegrid migrate`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
