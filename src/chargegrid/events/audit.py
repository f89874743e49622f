"""The audit log: who did what (a UI user, an API key, the bootstrap key), to which charge point, with
what outcome. Faces call `record` in the same transaction as the change, so the log and the change are
committed together or not at all. An entry is a deferred row of that transaction (`store.writer.defer`):
in a group commit, many commands' entries go in one executemany instead of one ORM insert each."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert

from chargegrid.events.actors import Caller
from chargegrid.store import Db
from chargegrid.store.integration_models import AuditEntry
from chargegrid.store.models import utcnow
from chargegrid.store.writer import defer


def record(
    db: Db,
    caller: Caller,
    action: str,
    *,
    charge_point_id: str | None = None,
    target: str | None = None,
    outcome: str | None = None,
    details: dict[str, Any] | None = None,
    when: datetime | None = None,
) -> None:
    """Add one entry. `action` is "<resource>.<verb>" (e.g. "charge_tag.update") or "command.<Name>";
    `details` must hold no secrets (passwords and keys are never passed here)."""
    defer(
        db,
        _INSERT,
        {
            "time": when or utcnow(),
            "actor_kind": caller.kind.value,
            "actor_id": caller.id,
            "actor_name": caller.name,
            "action": action,
            "charge_point_id": charge_point_id,
            "target": target,
            "outcome": outcome,
            "details": details,
        },
    )


_INSERT = insert(cast(Table, AuditEntry.__table__))


SECRET_FIELDS = frozenset({"password", "secret", "key"})


def changes(fields: dict[str, Any]) -> dict[str, Any]:
    """The changed fields of a request body for `details`, with secrets replaced by "(changed)"."""
    return {name: "(changed)" if name in SECRET_FIELDS else value for name, value in fields.items()}


_SECRET_WORDS = re.compile(r"password|secret|authorizationkey|token|certificate|pem|csr", re.IGNORECASE)
_LARGEST = 2000


def _words(value: Any) -> list[str]:
    """Every field name and text in a JSON-like value."""
    if isinstance(value, dict):
        return [w for k, v in value.items() for w in (str(k), *_words(v))]
    if isinstance(value, list | tuple):
        return [w for v in value for w in _words(v)]
    return [value] if isinstance(value, str) else []


def command_parameters(values: dict[str, Any]) -> dict[str, Any]:
    """A command's parameters for the log, or less: a command that names anything secret-looking
    (AuthorizationKey, BasicAuthPassword, a certificate...) anywhere, or a raw message, is logged by name
    only; a very large one (a long local list) by its size."""
    kind = values.get("kind")
    if kind == "RawMessage":
        return {"kind": kind, "action": values.get("action"), "payload": "(not logged)"}
    if any(_SECRET_WORDS.search(word) for word in _words(values)):
        return {"kind": kind, "parameters": "(hidden: they may hold a secret)"}
    size = len(json.dumps(values, default=str))
    if size > _LARGEST:
        return {"kind": kind, "parameters": f"({size} characters, not logged)"}
    return values


def as_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "time": entry.time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "actor": {"kind": entry.actor_kind, "id": entry.actor_id, "name": entry.actor_name},
        "action": entry.action,
        "chargePointId": entry.charge_point_id,
        "target": entry.target,
        "outcome": entry.outcome,
        "details": entry.details,
    }
