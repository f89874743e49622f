"""The shape of a dialect: a table from command type to the function that renders it as an OCPP CALL.

`Rendered` is one CALL (action + payload) and how to read the charger's answer back into the face's
terms. A `Dialect` is a named table of renderers plus the commands its version does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from chargegrid.ocpp.actions import csms_actions
from chargegrid.ocpp.batching import Batch
from chargegrid.ocpp.commands.base import Command, UnsupportedCommand
from chargegrid.ocpp.commands.raw_message import RawMessage
from chargegrid.ocpp.versions import OcppVersion

Payload = dict[str, Any]
Answer = tuple[str | None, Payload]  # (the answer's status, the answer in the face's terms)
C = TypeVar("C", bound=Command)


def status_of(answer: Payload) -> Answer:
    """The usual answer: its top-level `status` is the outcome, the rest is data."""
    status = answer.get("status")
    return (status if isinstance(status, str) else None), answer


def receipt(answer: Payload) -> Answer:
    """Answers that carry no status (1.6 UpdateFirmware, GetDiagnostics): receiving them is acceptance."""
    return "Accepted", answer


@dataclass(frozen=True)
class Rendered:
    action: str
    payload: Payload
    read: Callable[[Payload], Answer] = status_of
    # True when the payload is the caller's own (RawMessage): a schema mismatch is then their 400,
    # not our bug.
    caller_payload: bool = False
    # Set when the station may take the entries only so many at a time (see `ocpp/batching.py`).
    batch: Batch | None = None


Renderer = Callable[[Any, OcppVersion], Rendered]


class Dialect:
    """One OCPP generation's renderers. Instances are filled by the `renders` decorator of their module."""

    def __init__(self, name: str, *, addresses_evses: bool) -> None:
        self.name = name
        # Whether the version's messages name EVSEs (2.x), so a face may check an EVSE id against the
        # ones the station reported; on 1.6 the renderer refuses an EVSE itself, naming the version.
        self.addresses_evses = addresses_evses
        self._renderers: dict[type[Command], Renderer] = {}
        self.unsupported: dict[type[Command], str] = {}

    def renders(self, command_type: type[C]) -> Callable[[Callable[[C, OcppVersion], Rendered]], Renderer]:
        def register(fn: Callable[[C, OcppVersion], Rendered]) -> Renderer:
            self._renderers[command_type] = fn
            return fn

        return register

    def lacks(self, command_type: type[Command], reason: str) -> None:
        """Declare that this version has no such operation; `reason` is shown to the caller."""
        self.unsupported[command_type] = reason

    def covers(self, command_type: type[Command]) -> bool:
        return command_type in self._renderers or command_type in self.unsupported

    def render(self, command: Command, version: OcppVersion) -> Rendered:
        renderer = self._renderers.get(type(command))
        if renderer is None:
            reason = self.unsupported.get(type(command))
            raise UnsupportedCommand(
                reason or f"{command.kind} is not available for OCPP {version.value} chargers"
            )
        return renderer(command, version)

    @staticmethod
    def refuse(message: str) -> UnsupportedCommand:
        """For a renderer: this shape of the command does not exist in this version."""
        return UnsupportedCommand(message)


def compact(**fields: Any) -> Payload:
    """A payload of the given fields that are not None (OCPP omits absent optional fields)."""
    return {name: value for name, value in fields.items() if value is not None}


def render_raw(command: RawMessage, version: OcppVersion) -> Rendered:
    """A raw message goes out as written, if it is a message a central system may send in `version`."""
    allowed = csms_actions(version)
    if command.action not in allowed:
        raise UnsupportedCommand(
            f"{command.action!r} is not a message a central system sends to an OCPP {version.value} "
            f"charger: use one of {', '.join(sorted(allowed))}"
        )
    return Rendered(command.action, command.payload, caller_payload=True)
