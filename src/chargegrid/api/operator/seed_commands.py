"""The seed's commands: Register (and Motown's later AcceptChargingStation), Configure, StopTransaction,
UnlockConnector (and RequestStopTransaction / RequestUnlockEvse, their current names).

A handler checks what only the database can tell (refusing with 400), stores what the command changes,
and answers either a `Done` (nothing to ask the station) or a `Remote`: the call to make, which the
route runs in the background or waits for.
"""

from __future__ import annotations

from typing import Any

from chargegrid.api.operator import payloads as p
from chargegrid.api.operator.common import refuse
from chargegrid.api.operator.context import Context
from chargegrid.api.operator.runtime import Done, Remote
from chargegrid.domain import station_config
from chargegrid.domain.registration import CHARGE_POINT_ID_RULE, is_valid_charge_point_id
from chargegrid.ocpp import commands as c
from chargegrid.ocpp.dialects import configuration_key_problems
from chargegrid.security import profiles
from chargegrid.store import charge_points as cp_store
from chargegrid.store import transactions as tx_store
from chargegrid.store.models import ChargePoint, Transaction, utcnow

# ---- registration and configuration ---------------------------------------------------------


def _check_keys(ctx: Context, settings: dict[str, str]) -> None:
    problems = configuration_key_problems(ctx.protocol, settings)
    if problems:
        raise refuse(400, "settings: " + "; ".join(problems))


def _set_profile(cp: ChargePoint, profile: int | None) -> None:
    """Raise (never lower) the station's security profile; 1 and 2 need a password set first."""
    if profile is None:
        return
    current = profiles.effective(cp.security_profile or 0, bool(cp.password_hash))
    problem = profiles.change_problem(
        current,
        profile,
        bool(cp.password_hash),
        how_to_downgrade="an operator can do that with PUT /API/ChargePoints/{id}?downgrade=true",
    )
    if problem is not None:
        raise refuse(400, f"securityProfile: {problem}")
    cp.security_profile = profile


async def _accept(
    ctx: Context, configuration: p.StationConfiguration | None, security_profile: int | None = None
) -> Done | Remote:
    """Register / AcceptChargingStation: create or accept the station, keep its configuration."""
    if not is_valid_charge_point_id(ctx.cp_id):
        raise refuse(400, f"station id {ctx.cp_id!r} must be {CHARGE_POINT_ID_RULE}")
    settings = {}
    if configuration is not None:
        settings = {k: station_config.setting_value(v) for k, v in configuration.settings.items()}
        _check_keys(ctx, settings)
    async with ctx.services.db.begin() as db:
        cp = await cp_store.get(db, ctx.cp_id)
        created = cp is None
        if cp is None:
            cp = cp_store.add(db, ctx.cp_id, "Accepted")
        cp.registration_status = "Accepted"
        _set_profile(cp, security_profile)
        if configuration is not None:
            evses = None
            if configuration.evses is not None:
                evses = [e.model_dump(by_alias=True, exclude_none=True) for e in configuration.evses]
            cp.configuration = station_config.register_configuration(cp.configuration, evses)
        if settings:
            cp.settings, cp.setting_results = station_config.add_settings(
                cp.settings, cp.setting_results, settings, utcnow()
            )
    answer: dict[str, Any] = {"registrationStatus": "Accepted", "created": created}
    session = ctx.services.registry.get(ctx.cp_id)
    if session is None and not await _held_elsewhere(ctx):
        answer["online"] = False
        return Done("Accepted", answer, "accepted: the station's next BootNotification is answered Accepted")
    # Online now (here or on another cluster node): stop 2.x SecurityError gating at once where this node
    # holds it, and ask it to boot again to learn it is accepted (the command is forwarded if need be).
    if session is not None:
        session.registration_status = "Accepted"

    async def remote() -> Done:
        ctx.runtime.schedule_settings_push(ctx.cp_id)
        trigger = await ctx.runtime.send(
            ctx.cp_id, c.TriggerMessage(message="BootNotification"), actor=ctx.actor
        )
        return Done("Accepted", {**answer, "online": True, "triggerBootNotification": trigger.status})

    return remote


async def _held_elsewhere(ctx: Context) -> bool:
    """Another node of the cluster holds the station's connection (commands to it are forwarded)."""
    return ctx.cp_id in await ctx.services.connected_elsewhere([ctx.cp_id])


async def register(ctx: Context, payload: p.Register) -> Done | Remote:
    return await _accept(ctx, payload.configuration, payload.security_profile)


async def accept_charging_station(ctx: Context, payload: p.Empty) -> Done | Remote:
    return await _accept(ctx, None)


async def configure(ctx: Context, payload: p.Configure) -> Done | Remote:
    for index, connector in enumerate(payload.connectors):
        if connector.connector_id == 0:
            raise refuse(
                400,
                f"connectors.{index}.connectorId: 0 means all connectors and cannot be configured; "
                "configure connectors 1, 2, ... one by one",
            )
    settings = {k: station_config.setting_value(v) for k, v in payload.settings.items()}
    _check_keys(ctx, settings)
    async with ctx.services.db.begin() as db:
        cp = await cp_store.get(db, ctx.cp_id)
        assert cp is not None
        _set_profile(cp, payload.security_profile)
        if payload.connectors:
            given = [c.model_dump(by_alias=True, exclude_none=True) for c in payload.connectors]
            cp.configuration = station_config.configure_connectors(cp.configuration, given)
        if settings:
            cp.settings, cp.setting_results = station_config.add_settings(
                cp.settings, cp.setting_results, settings, utcnow()
            )
        configuration = cp.configuration
    answer: dict[str, Any] = {"evses": (configuration or {}).get("evses", [])}
    if not settings:
        return Done("Accepted", answer)
    if ctx.services.registry.get(ctx.cp_id) is None and not await _held_elsewhere(ctx):
        answer["settings"] = dict.fromkeys(settings, station_config.PENDING)
        return Done("Accepted", answer, "the station is offline: settings are pushed at its next boot")

    async def remote() -> Done:
        outcomes = await ctx.runtime.push_settings(ctx.cp_id)
        return Done("Accepted", {**answer, "settings": {k: outcomes.get(k, "Pending") for k in settings}})

    return remote


# ---- transactions and connectors --------------------------------------------------------------


async def _transaction(ctx: Context, ref: str | int) -> Transaction:
    """The open transaction `ref` names on this station: the charger's own id (2.x) or our integer id."""
    text = str(ref).strip()
    async with ctx.services.db() as db:
        tx = await tx_store.by_charger_id(db, ctx.cp_id, text)
        if tx is None and text.isdigit():
            tx = await tx_store.get(db, int(text))
    if tx is None or tx.charge_point_id != ctx.cp_id:
        raise refuse(
            400,
            f"no transaction {ref!r} on station {ctx.cp_id!r}: "
            "give its integer transactionId (or, on OCPP 2.x, the charger's own transaction id); "
            "GET /transactions lists them",
        )
    if tx.stop_time is not None:
        raise refuse(400, f"transaction {ref!r} already ended at {tx.stop_time.isoformat()}: nothing to stop")
    return tx


async def stop_transaction(ctx: Context, payload: p.StopTransaction) -> Done | Remote:
    tx = await _transaction(ctx, str(payload.transaction_id))
    return ctx.call(c.RemoteStop(transaction_id=tx.id, charger_transaction_id=tx.charger_transaction_id))


async def request_stop_transaction(ctx: Context, payload: p.RequestStopTransaction) -> Done | Remote:
    tx = await _transaction(ctx, payload.id)
    return ctx.call(c.RemoteStop(transaction_id=tx.id, charger_transaction_id=tx.charger_transaction_id))


async def _known_connectors(ctx: Context) -> list[int]:
    ids = set(station_config.connector_ids(ctx.station.configuration if ctx.station else None))
    async with ctx.services.db() as db:
        ids.update(row.connector_id for row in await cp_store.connectors(db, [ctx.cp_id]))
    session = ctx.services.registry.get(ctx.cp_id)
    if session is not None:
        ids.update(session.connectors)
    return sorted(i for i in ids if i > 0)


async def unlock_connector(ctx: Context, payload: p.UnlockConnector) -> Done | Remote:
    if payload.connector_id > 0:
        return ctx.call(c.UnlockConnector(connector=payload.connector_id))
    connectors = await _known_connectors(ctx)
    if not connectors:
        raise refuse(
            400,
            f"station {ctx.cp_id!r} has no known connectors to unlock: give a connectorId, "
            "or configure its connectors first (Configure)",
        )

    async def remote() -> Done:
        results: dict[str, str] = {}
        for connector in connectors:
            done = await ctx.runtime.send(ctx.cp_id, c.UnlockConnector(connector=connector), actor=ctx.actor)
            results[str(connector)] = done.status
        statuses = set(results.values())
        status = statuses.pop() if len(statuses) == 1 else "Partial"
        return Done(status, {"connectors": results})

    return remote


async def unlock_evse(ctx: Context, payload: p.RequestUnlockEvse) -> Done | Remote:
    return await unlock_connector(ctx, p.UnlockConnector(connector_id=payload.evse_id))
