"""What every server-initiated command is, and the ways a command can fail before it reaches a charger.

A command is a small frozen pydantic model: the face builds it (pydantic checks the caller's values, so a
bad one is a 400 naming the field), `Commands.execute` sends it, and it serialises to JSON so that a
cluster node can forward it to the node that holds the charger. The `kind` field names the command; it
is the discriminator of `AnyCommand` (see `catalog.py`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Command(BaseModel):
    """Base of every typed command. Subclasses set `kind: Literal["Name"] = "Name"`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str


class CommandError(Exception):
    """A command that cannot be sent as asked; nothing reached the charger. The message says what to do."""


class InvalidCommand(CommandError):
    """The caller's value would break the charger's OCPP schema or rules (HTTP 400, naming the field)."""


class UnsupportedCommand(CommandError):
    """The charger's OCPP version has no such operation (HTTP 400, naming the version)."""


class DialectBug(CommandError):
    """Our own dialect built a payload that breaks the OCPP schema: a bug in Chargegrid (HTTP 500)."""
