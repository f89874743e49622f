"""The store: SQLAlchemy models, queries and migrations. `Db` is the unit of work handed to queries."""

from sqlalchemy.ext.asyncio import AsyncSession as Db

__all__ = ["Db"]
