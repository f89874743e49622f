"""Queries on the people who log into the management UI, and what each role may do."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from chargegrid.store import Db
from chargegrid.store.models import User

# Highest first: admin may do everything, operator sends commands and edits stations and tags but
# manages no users or keys, viewer only reads.
ROLES = ("admin", "operator", "viewer")


def role_at_least(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may (an unknown role may do nothing)."""
    if role not in ROLES:
        return False
    return ROLES.index(role) <= ROLES.index(needed)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role {role!r} is unknown: use one of {', '.join(ROLES)}")
    return role


async def count(db: Db) -> int:
    return int(await db.scalar(select(func.count()).select_from(User)) or 0)


async def count_admins(db: Db) -> int:
    return int(await db.scalar(select(func.count()).select_from(User).where(User.role == "admin")) or 0)


async def list_all(db: Db) -> Sequence[User]:
    return (await db.scalars(select(User).order_by(User.name))).all()


async def get(db: Db, user_id: int) -> User | None:
    return await db.get(User, user_id)


async def by_name(db: Db, name: str) -> User | None:
    return (await db.scalars(select(User).where(User.name == name))).first()


def add(db: Db, name: str, password_hash: str, role: str) -> User:
    user = User(name=name, password_hash=password_hash, role=check_role(role))
    db.add(user)
    return user


async def would_leave_no_admin(db: Db, user: User, new_role: str | None) -> bool:
    """True when removing `user` (new_role None) or demoting it would leave nobody to manage users."""
    if user.role != "admin" or new_role == "admin":
        return False
    return await count_admins(db) <= 1
