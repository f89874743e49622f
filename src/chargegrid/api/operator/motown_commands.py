"""Motown's current commands beyond the seed: station calls (start, reset, availability, configuration,
data transfer, diagnostics, firmware, cache, local list, reservations) and the station data the
operator keeps (reservable, location, opening times).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from chargegrid.api.operator import payloads as p
from chargegrid.api.operator.context import Context
from chargegrid.api.operator.runtime import Done, Remote
from chargegrid.domain import station_config
from chargegrid.ocpp import commands as c
from chargegrid.store import charge_points as cp_store
from chargegrid.store import charge_tags

# Reservation ids we hand out: unique enough across restarts without a table of their own.
_reservation_ids = itertools.count(int(datetime.now(UTC).timestamp()) % 1_000_000_000)


async def start_transaction(ctx: Context, payload: p.RequestStartTransaction) -> Done | Remote:
    return ctx.call(c.RemoteStart(connector=payload.evse_id or None, id_tag=payload.identifying_token.token))


async def reset(ctx: Context, payload: p.RequestResetChargingStation) -> Done | Remote:
    return ctx.call(c.Reset(hard=payload.type == "hard"))


async def change_availability(ctx: Context, payload: p.RequestChangeAvailability) -> Done | Remote:
    operative = payload.availability == "operative"
    return ctx.call(c.ChangeAvailability(connector=payload.evse_id, operative=operative))


async def change_configuration_item(ctx: Context, payload: p.RequestChangeConfigurationItem) -> Done | Remote:
    value = station_config.setting_value(payload.value)
    return ctx.call(c.ChangeConfiguration(key=payload.key, value=value))


async def configuration_items(ctx: Context, payload: p.RequestConfigurationItems) -> Done | Remote:
    return ctx.call(c.GetConfiguration(keys=tuple(payload.keys)))


async def data_transfer(ctx: Context, payload: p.RequestDataTransfer) -> Done | Remote:
    return ctx.call(
        c.DataTransfer(vendor_id=payload.vendor_id, message_id=payload.message_id, data=payload.data)
    )


async def diagnostics(ctx: Context, payload: p.RequestDiagnostics) -> Done | Remote:
    return ctx.call(c.GetDiagnostics(location=payload.target_location))


async def firmware_update(ctx: Context, payload: p.RequestFirmwareUpdate) -> Done | Remote:
    return ctx.call(
        c.UpdateFirmware(
            location=payload.location,
            retrieve=payload.retrieve_date,
            retries=payload.num_retries,
            retry_interval=payload.retry_interval,
        )
    )


async def clear_cache(ctx: Context, payload: p.Empty) -> Done | Remote:
    return ctx.call(c.ClearCache())


async def authorization_list_version(ctx: Context, payload: p.Empty) -> Done | Remote:
    return ctx.call(c.GetLocalListVersion())


async def send_authorization_list(ctx: Context, payload: p.RequestSendAuthorizationList) -> Done | Remote:
    # The payload's validators already checked status and update type against the same lists.
    command = c.SendLocalList.model_validate(
        {
            "list_version": payload.list_version,
            "update_type": payload.update_type,
            "entries": [{"id_tag": i.token, "status": i.status or "Accepted"} for i in payload.items],
        }
    )
    return ctx.call(command)


async def reserve_now(ctx: Context, payload: p.RequestReserveNow) -> Done | Remote:
    reservation_id = next(_reservation_ids)
    tag = payload.identifying_token.token
    async with ctx.services.db() as db:
        group = await charge_tags.group_of(db, tag)
    # Stored like every reservation (GET /API/Reservations) by the commands' listener.
    call = ctx.call(
        c.ReserveNow(
            connector=payload.evse_id,
            id_tag=tag,
            expiry=payload.expiry_date,
            reservation_id=reservation_id,
            group_id_tag=group,
        )
    )

    async def remote() -> Done:
        done = await call()
        done.answer = {**(done.answer or {}), "reservationId": reservation_id}
        return done

    return remote


async def cancel_reservation(ctx: Context, payload: p.RequestCancelReservation) -> Done | Remote:
    return ctx.call(c.CancelReservation(reservation_id=payload.reservation_id))


# ---- station data kept by the operator API ---------------------------------------------------


async def _update(ctx: Context, **fields: Any) -> Done:
    async with ctx.services.db.begin() as db:
        cp = await cp_store.get(db, ctx.cp_id)
        assert cp is not None  # the route answered 404 otherwise
        for name, value in fields.items():
            setattr(cp, name, value)
        answer = {
            "reservable": cp.reservable,
            "location": cp.location,
            "openingTimes": cp.opening_times or [],
        }
    return Done("Accepted", answer)


async def reservable(ctx: Context, payload: p.UpdateChargingStationReservable) -> Done | Remote:
    return await _update(ctx, reservable=payload.reservable)


async def place(ctx: Context, payload: p.Location) -> Done | Remote:
    """PlaceChargingStation / MoveChargingStation: the location as given."""
    return await _update(ctx, location=payload.model_dump(by_alias=True, exclude_none=True))


async def improve_location(ctx: Context, payload: p.Location) -> Done | Remote:
    """ImproveChargingStationLocation: the given parts refine the stored location, the rest stays."""
    location = dict((ctx.station.location if ctx.station else None) or {})
    location.update(payload.model_dump(by_alias=True, exclude_none=True))
    return await _update(ctx, location=location)


def _opening_times(payload: p.OpeningTimes) -> list[dict[str, Any]]:
    return [t.model_dump(by_alias=True) for t in payload.opening_times]


async def set_opening_times(ctx: Context, payload: p.OpeningTimes) -> Done | Remote:
    return await _update(ctx, opening_times=_opening_times(payload))


async def add_opening_times(ctx: Context, payload: p.OpeningTimes) -> Done | Remote:
    existing = list((ctx.station.opening_times if ctx.station else None) or [])
    added = [t for t in _opening_times(payload) if t not in existing]
    return await _update(ctx, opening_times=existing + added)
