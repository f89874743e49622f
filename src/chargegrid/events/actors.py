"""Who asked for something: the bootstrap key, a stored API key, a UI user, or the system itself.

Faces resolve the caller once per request (`api.auth`) and hand it to the audit log and to
`events.command_finished`, so every change and command is attributable.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Scope(enum.StrEnum):
    """What an API key may do. `admin` includes `read`; the bootstrap key has every scope."""

    read = "read"
    command = "command"
    admin = "admin"
    payments = "payments"


class ActorKind(enum.StrEnum):
    bootstrap = "bootstrap"  # CHARGEGRID_API_KEY
    key = "key"  # a stored, named API key
    ui = "ui"  # a person logged into the UI
    system = "system"  # the central system on its own (jobs, sweeper)


@dataclass(frozen=True)
class Caller:
    kind: ActorKind
    name: str
    id: str | None = None
    scopes: frozenset[Scope] = frozenset(Scope)
    # None: every charge point (site). A set: only those; for a key restricted to sites, their charge
    # points (as the sites hold them when the key is used) are in `charge_points` too.
    charge_points: frozenset[str] | None = None
    sites: frozenset[str] | None = None

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes or (scope == Scope.read and Scope.admin in self.scopes)

    def may_access(self, charge_point_id: str) -> bool:
        if not self.restricted:
            return True
        return self.charge_points is not None and charge_point_id in self.charge_points

    @property
    def restricted(self) -> bool:
        return self.charge_points is not None or self.sites is not None

    def token(self) -> str:
        """A short text naming the caller, carried with a command (`Commands.execute(..., actor=...)`),
        across cluster nodes too; `from_token` reads it back for the audit log."""
        return "|".join((self.kind.value, self.id or "", self.name))

    @classmethod
    def from_token(cls, token: str | None) -> Caller:
        if not token:
            return SYSTEM
        if "|" not in token:  # the spine's own texts: "ui:<name>", "payments", "operator-api"
            if token.startswith("ui:"):
                return cls(ActorKind.ui, token[3:][:120], None, frozenset())
            return cls(ActorKind.system, token[:120], None, frozenset())
        kind, _, rest = token.partition("|")
        ident, _, name = rest.partition("|")
        try:
            actor_kind = ActorKind(kind)
        except ValueError:
            return cls(ActorKind.system, token[:120], None, frozenset())
        return cls(actor_kind, name or kind, ident or None, frozenset())

    def describe(self) -> str:
        """For answers and logs: 'API key "billing" (k_ab12...)', never the key itself."""
        if self.kind == ActorKind.key:
            return f'API key "{self.name}" ({self.id})'
        if self.kind == ActorKind.ui:
            return f'UI user "{self.name}"'
        return self.name


BOOTSTRAP = Caller(ActorKind.bootstrap, "bootstrap API key (CHARGEGRID_API_KEY)")
SYSTEM = Caller(ActorKind.system, "Chargegrid")


def ui_user(name: str, user_id: int | str | None = None, role: str = "admin") -> Caller:
    """The caller for a UI user's action (the UI's own role checks decide what they may do)."""
    scopes = frozenset(Scope) if role == "admin" else frozenset({Scope.read, Scope.command})
    if role in ("viewer", "user"):
        scopes = frozenset({Scope.read})
    return Caller(ActorKind.ui, name, None if user_id is None else str(user_id), scopes)
