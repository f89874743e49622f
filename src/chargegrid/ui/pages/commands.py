"""Sending a connector command from the charge point page and saying the charger's answer in plain words."""

from __future__ import annotations

from dataclasses import dataclass

from chargegrid.domain.limits import LimitError, parse_limit
from chargegrid.ocpp.commands import (
    ClearLimit,
    Command,
    CommandError,
    Outcome,
    OutcomeStatus,
    RemoteStart,
    RemoteStop,
    Reset,
    SetLimit,
    UnlockConnector,
)
from chargegrid.services import Services
from chargegrid.store import transactions as tx_store


@dataclass(frozen=True)
class CommandResult:
    ok: bool
    text: str


class _NotSent(Exception):
    pass


async def _request(
    services: Services, cp_id: str, action: str, connector: int, tag: str, limit: str
) -> tuple[str, Command]:
    """(what the operator asked, for the message; the command)."""
    where = f"on connector {connector}" if connector else "on the station"
    if action == "reset":
        return f"Reset {where}", Reset()
    if action == "unlock":
        return f"Unlock connector {connector}", UnlockConnector(connector=connector)
    if action == "start":
        if not tag:
            raise _NotSent("Pick a charge tag to start a transaction with (create one under Charge tags).")
        return f"Start transaction with tag {tag} {where}", RemoteStart(
            connector=connector or None, id_tag=tag
        )
    if action == "stop":
        async with services.db() as db:
            tx = await tx_store.open_on_connector(db, cp_id, connector)
        if tx is None:
            raise _NotSent(f"No transaction is running on connector {connector}: there is nothing to stop.")
        stop = RemoteStop(transaction_id=tx.id, charger_transaction_id=tx.charger_transaction_id)
        return f"Stop transaction {tx.id} {where}", stop
    if action == "set_limit":
        try:
            parsed = parse_limit(limit)
        except LimitError as exc:
            raise _NotSent(f"Limit not sent: {exc}.") from None
        shown = f"{parsed.value:g} {parsed.unit}"
        return f"Set limit {shown} {where}", SetLimit(connector=connector, limit=parsed)
    if action == "clear_limit":
        return f"Clear limit {where}", ClearLimit(connector=connector)
    raise _NotSent(f"Unknown action {action!r}: use the buttons on the page.")


async def run_command(
    services: Services,
    cp_id: str,
    *,
    action: str,
    connector: str,
    tag: str,
    limit: str,
    actor: str | None = None,
) -> CommandResult:
    try:
        connector_id = int(connector)
    except ValueError:
        return CommandResult(False, f"Connector {connector!r} is not a number.")
    try:
        asked, command = await _request(services, cp_id, action, connector_id, tag.strip(), limit)
    except _NotSent as exc:
        return CommandResult(False, str(exc))
    try:
        outcome = await services.commands.execute(cp_id, command, actor=actor)
    except CommandError as exc:
        return CommandResult(False, f"{asked}: not sent — {exc}")
    return result_of(asked, outcome)


def result_of(asked: str, outcome: Outcome) -> CommandResult:
    """The outcome in the operator's words."""
    status = outcome.status
    if status is OutcomeStatus.Offline:
        return CommandResult(False, f"{asked}: not sent, the charger is offline. Try again once it connects.")
    if status is OutcomeStatus.Timeout:
        return CommandResult(False, f"{asked}: Timeout — the charger did not answer in time.")
    if status is OutcomeStatus.Disconnected:
        return CommandResult(False, f"{asked}: the charger disconnected before it answered.")
    if status is OutcomeStatus.CallError:
        text = f"{asked}: error — the charger answered {outcome.error_code}: {outcome.description}"
        return CommandResult(False, text)
    if status is OutcomeStatus.InvalidResponse:
        return CommandResult(False, f"{asked}: InvalidResponse — the charger's answer broke the OCPP schema.")
    if status.succeeded:
        return CommandResult(True, f"{asked}: {status} — the charger accepted.")
    return CommandResult(False, f"{asked}: {status} — the charger did not do it.")
