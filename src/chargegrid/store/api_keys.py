"""Stored API keys: created with a random secret shown once, looked up by the secret's hash.

Why SHA-256 and not argon2 (which hashes the UI's passwords): a key is 256 random bits, so nobody
can guess it from its hash by trying candidates — the slowness of a password hash protects low-entropy
secrets and would only cost every API request tens of milliseconds here. SHA-256 also gives an exact
value to look up by (an index), where argon2's salted hash would need a scan.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chargegrid.background import raise_if_stopping
from chargegrid.store import Db
from chargegrid.store.integration_models import ApiKey
from chargegrid.store.models import utcnow

log = logging.getLogger("chargegrid.keys")

KEY_PREFIX = "cg_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> tuple[str, str]:
    """(the key to hand out once, its displayable prefix)."""
    ident = secrets.token_hex(4)
    return f"{KEY_PREFIX}{ident}_{secrets.token_urlsafe(32)}", f"{KEY_PREFIX}{ident}"


async def create(
    db: Db,
    name: str,
    scopes: list[str],
    *,
    charge_points: list[str] | None = None,
    sites: list[str] | None = None,
    expires_at: datetime | None = None,
    created_by: str | None = None,
) -> tuple[ApiKey, str]:
    key, prefix = new_key()
    row = ApiKey(
        id=f"k_{uuid.uuid4().hex[:12]}",
        name=name,
        prefix=prefix,
        key_hash=hash_key(key),
        scopes=sorted(set(scopes)),
        charge_points=sorted(set(charge_points)) if charge_points is not None else None,
        sites=sorted(set(sites)) if sites is not None else None,
        expires_at=expires_at,
        created_by=created_by,
        created_at=utcnow(),
    )
    db.add(row)
    await db.flush()
    return row, key


async def by_key(db: Db, key: str) -> ApiKey | None:
    return await db.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))


async def listing(db: Db, *, include_revoked: bool = False) -> Sequence[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return (await db.scalars(query)).all()


async def revoke(db: Db, key_id: str) -> ApiKey | None:
    """Revoke at once (requests check the database each time, so every node refuses it from now on)."""
    row = await db.get(ApiKey, key_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


class KeyUsage:
    """'Last used' of each key, written at most once a minute per node instead of once per request."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], interval: float = 60.0) -> None:
        self._sessions = sessions
        self._interval = interval
        self._seen: dict[str, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def touch(self, key_id: str) -> None:
        self._seen[key_id] = utcnow()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="api-key-usage")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def flush(self) -> None:
        seen, self._seen = self._seen, {}
        if not seen:
            return
        try:
            async with self._sessions.begin() as db:
                for key_id, when in seen.items():
                    await db.execute(
                        update(ApiKey)
                        .where(ApiKey.id == key_id)
                        .values(last_used_at=when)
                        .execution_options(synchronize_session=False)
                    )
        except Exception:
            raise_if_stopping()
            log.exception("could not record when API keys were last used")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.flush()
