"""Sending a connector command from the charge point page and saying the charger's answer in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chargegrid.domain.limits import LimitError, parse_limit
from chargegrid.ocpp.commands import ChargerOffline, CommandError
from chargegrid.ocpp.rpc import CallTimeout, ChargerError, SessionClosed
from chargegrid.services import Services
from chargegrid.store import transactions as tx_store

_ACCEPTED = {"Accepted", "Unlocked", "Scheduled"}


@dataclass(frozen=True)
class CommandResult:
    ok: bool
    text: str


class _NotSent(Exception):
    pass


async def _request(
    services: Services, cp_id: str, action: str, connector: int, tag: str, limit: str
) -> tuple[str, str, dict[str, Any]]:
    """(what the operator asked, for the message; command name; its arguments)."""
    where = f"on connector {connector}" if connector else "on the station"
    if action == "reset":
        return f"Reset {where}", "reset", {}
    if action == "unlock":
        return f"Unlock connector {connector}", "unlock", {"connector": connector}
    if action == "start":
        if not tag:
            raise _NotSent("Pick a charge tag to start a transaction with (create one under Charge tags).")
        return (
            f"Start transaction with tag {tag} {where}",
            "remote_start",
            {"connector": connector or None, "id_tag": tag},
        )
    if action == "stop":
        async with services.db() as db:
            tx = await tx_store.open_on_connector(db, cp_id, connector)
        if tx is None:
            raise _NotSent(f"No transaction is running on connector {connector}: there is nothing to stop.")
        return (
            f"Stop transaction {tx.id} {where}",
            "remote_stop",
            {"transaction_id": tx.id, "charger_transaction_id": tx.charger_transaction_id},
        )
    if action == "set_limit":
        try:
            parsed = parse_limit(limit)
        except LimitError as exc:
            raise _NotSent(f"Limit not sent: {exc}.") from None
        shown = f"{parsed.value:g} {parsed.unit}"
        return f"Set limit {shown} {where}", "set_limit", {"connector": connector, "limit": parsed}
    if action == "clear_limit":
        return f"Clear limit {where}", "clear_limit", {"connector": connector}
    raise _NotSent(f"Unknown action {action!r}: use the buttons on the page.")


async def run_command(
    services: Services, cp_id: str, *, action: str, connector: str, tag: str, limit: str
) -> CommandResult:
    try:
        connector_id = int(connector)
    except ValueError:
        return CommandResult(False, f"Connector {connector!r} is not a number.")
    try:
        asked, name, args = await _request(services, cp_id, action, connector_id, tag.strip(), limit)
    except _NotSent as exc:
        return CommandResult(False, str(exc))
    try:
        outcome = await services.commands.execute(cp_id, name, args)
    except ChargerOffline:
        return CommandResult(False, f"{asked}: not sent, the charger is offline. Try again once it connects.")
    except CallTimeout:
        return CommandResult(False, f"{asked}: Timeout — the charger did not answer in time.")
    except SessionClosed:
        return CommandResult(False, f"{asked}: the charger disconnected before it answered.")
    except ChargerError as exc:
        return CommandResult(False, f"{asked}: error — the charger answered {exc.code}: {exc.description}")
    except (CommandError, ValueError) as exc:
        return CommandResult(False, f"{asked}: not sent — {exc}")
    if outcome.status in _ACCEPTED:
        return CommandResult(True, f"{asked}: {outcome.status} — the charger accepted.")
    return CommandResult(False, f"{asked}: {outcome.status} — the charger did not do it.")
