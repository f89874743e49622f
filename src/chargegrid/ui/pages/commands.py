"""Sending a connector command from the charge point page and saying the charger's answer in plain words."""

from __future__ import annotations

from collections.abc import Callable
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


Gettext = Callable[[str], str]


def _english(text: str) -> str:
    return text


async def _request(
    services: Services,
    cp_id: str,
    action: str,
    connector: int,
    tag: str,
    limit: str,
    hard: bool,
    _: Gettext,
) -> tuple[str, Command]:
    """(what the operator asked, for the message; the command)."""
    where = _("on connector %s") % connector if connector else _("on the station")
    if action == "reset":
        kind = "Hard" if hard else "Soft"
        return _("Reset (%(kind)s) %(where)s") % {"kind": kind, "where": where}, Reset(hard=hard)
    if action == "unlock":
        return _("Unlock connector %s") % connector, UnlockConnector(connector=connector)
    if action == "start":
        if not tag:
            raise _NotSent(_("Pick a charge tag to start a transaction with (create one under Charge tags)."))
        asked = _("Start transaction with tag %(tag)s %(where)s") % {"tag": tag, "where": where}
        return asked, RemoteStart(connector=connector or None, id_tag=tag)
    if action == "stop":
        async with services.db() as db:
            tx = await tx_store.open_on_connector(db, cp_id, connector)
        if tx is None:
            raise _NotSent(
                _("No transaction is running on connector %s: there is nothing to stop.") % connector
            )
        stop = RemoteStop(transaction_id=tx.id, charger_transaction_id=tx.charger_transaction_id)
        return _("Stop transaction %(id)s %(where)s") % {"id": tx.id, "where": where}, stop
    if action == "set_limit":
        try:
            parsed = parse_limit(limit)
        except LimitError as exc:
            raise _NotSent(_("Limit not sent: %s.") % exc) from None
        shown = f"{parsed.value:g} {parsed.unit}"
        asked = _("Set limit %(limit)s %(where)s") % {"limit": shown, "where": where}
        return asked, SetLimit(connector=connector, limit=parsed)
    if action == "clear_limit":
        return _("Clear limit %s") % where, ClearLimit(connector=connector)
    raise _NotSent(_("Unknown action %r: use the buttons on the page.") % action)


async def run_command(
    services: Services,
    cp_id: str,
    *,
    action: str,
    connector: str,
    tag: str,
    limit: str,
    actor: str | None = None,
    hard: bool = False,
    gettext: Gettext = _english,
) -> CommandResult:
    _ = gettext
    try:
        connector_id = int(connector)
    except ValueError:
        return CommandResult(False, _("Connector %r is not a number.") % connector)
    try:
        asked, command = await _request(services, cp_id, action, connector_id, tag.strip(), limit, hard, _)
    except _NotSent as exc:
        return CommandResult(False, str(exc))
    try:
        outcome = await services.commands.execute(cp_id, command, actor=actor)
    except CommandError as exc:
        return CommandResult(False, _("%(asked)s: not sent — %(why)s") % {"asked": asked, "why": exc})
    return result_of(asked, outcome, _)


def result_of(asked: str, outcome: Outcome, _: Gettext = _english) -> CommandResult:
    """The outcome in the operator's words, led by the outcome enum's own word."""
    status = outcome.status
    said = {"asked": asked, "status": str(status)}
    if status is OutcomeStatus.Offline:
        text = _("%(asked)s: Offline — not sent, the charger is offline. Try again once it connects.")
        return CommandResult(False, text % said)
    if status is OutcomeStatus.Timeout:
        return CommandResult(False, _("%(asked)s: Timeout — the charger did not answer in time.") % said)
    if status is OutcomeStatus.Disconnected:
        text = _("%(asked)s: Disconnected — the charger went away before it answered.")
        return CommandResult(False, text % said)
    if status is OutcomeStatus.CallError:
        text = _("%(asked)s: CallError %(code)s — the charger answered: %(description)s")
        return CommandResult(
            False, text % {**said, "code": outcome.error_code, "description": outcome.description}
        )
    if status is OutcomeStatus.InvalidResponse:
        text = _("%(asked)s: InvalidResponse — the charger's answer broke the OCPP schema.")
        return CommandResult(False, text % said)
    if status.succeeded:
        return CommandResult(True, _("%(asked)s: %(status)s — the charger accepted.") % said)
    return CommandResult(False, _("%(asked)s: %(status)s — the charger did not do it.") % said)
