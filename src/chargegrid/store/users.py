"""Queries on the people who log into the management UI."""

from __future__ import annotations

from sqlalchemy import func, select

from chargegrid.store import Db
from chargegrid.store.models import User

ROLES = ("admin", "user")


async def count(db: Db) -> int:
    return int(await db.scalar(select(func.count()).select_from(User)) or 0)


async def get(db: Db, user_id: int) -> User | None:
    return await db.get(User, user_id)


async def by_name(db: Db, name: str) -> User | None:
    return (await db.scalars(select(User).where(User.name == name))).first()


def add(db: Db, name: str, password_hash: str, role: str) -> User:
    if role not in ROLES:
        raise ValueError(f"role {role!r} is unknown: use one of {', '.join(ROLES)}")
    user = User(name=name, password_hash=password_hash, role=role)
    db.add(user)
    return user
