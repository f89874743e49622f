"""Password hashing for charger keys (security profile 1) and UI users: argon2id, never stored in clear.

Verifying argon2 costs tens of milliseconds of CPU by design, so the async helpers run it in a worker
thread, and a charger that reconnects with the key it last proved is checked against an in-memory
keyed digest instead (a boot storm of known chargers must not be throttled by the hash).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
_cache_key = secrets.token_bytes(32)
# charge point id → (the stored hash it proved a password against, keyed digest of that password)
_proven: dict[str, tuple[str, bytes]] = {}
_MAX_PROVEN = 100_000


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _digest(password: str) -> bytes:
    return hmac.new(_cache_key, password.encode(), hashlib.sha256).digest()


def cached_charger_key(charge_point_id: str, stored_hash: str, password: str) -> bool:
    """True when this charger already proved this password against this hash (no argon2 work)."""
    known = _proven.get(charge_point_id)
    return known is not None and known[0] == stored_hash and hmac.compare_digest(known[1], _digest(password))


def cached_for(charge_point_id: str, password: str) -> bool:
    """True when this charger proved this password (against whatever hash it had then): lets the edge
    skip failure budgets for a charger it knows, before it has even read the stored hash."""
    known = _proven.get(charge_point_id)
    return known is not None and hmac.compare_digest(known[1], _digest(password))


async def verify_charger_key(charge_point_id: str, stored_hash: str, password: str) -> bool:
    """Check a charger's Basic-auth password against its stored hash (the cache first, then argon2)."""
    if cached_charger_key(charge_point_id, stored_hash, password):
        return True
    ok = await asyncio.to_thread(verify_password, stored_hash, password)
    if ok:
        if len(_proven) >= _MAX_PROVEN and charge_point_id not in _proven:
            _proven.pop(next(iter(_proven)))
        _proven[charge_point_id] = (stored_hash, _digest(password))
    return ok
