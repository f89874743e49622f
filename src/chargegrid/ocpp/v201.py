"""OCPP 2.0.1 and 2.1: charger-initiated messages translated into domain calls.

2.1 shares these handlers: the messages a station sends us keep 2.0.1's fields where we read them.
An EVSE is what the REST APIs call a connector (connector 0 / EVSE 0 is the station itself).
"""

from __future__ import annotations

from typing import Any

from chargegrid.domain import authorization, operation_reports, stations, transactions
from chargegrid.domain.authorization import AuthDecision
from chargegrid.domain.meter_values import RawSample, Sample, normalise, summarise
from chargegrid.domain.payments import session_cost_cents
from chargegrid.domain.transactions import TxEvent, TxEventResult
from chargegrid.ocpp import security_handlers
from chargegrid.ocpp.report_handlers import REPORT_ROUTES
from chargegrid.ocpp.rpc import CallError, Payload
from chargegrid.ocpp.versions import ErrorKind
from chargegrid.ocpp.wire import Handlers, format_time, parse_time, request_status, stored_as
from chargegrid.store import Db
from chargegrid.store import charging_profiles as profiles_store
from chargegrid.store.models import Transaction


def id_token_info(decision: AuthDecision) -> dict[str, Any]:
    info: dict[str, Any] = {"status": decision.status.value}
    if decision.parent_id:
        info["groupIdToken"] = {"idToken": decision.parent_id[:36], "type": "Central"}
    if decision.expiry is not None:
        info["cacheExpiryDateTime"] = format_time(decision.expiry)
    return info


def total_cost(tx: Transaction, price_per_kwh: float, fee: float) -> float:
    """The ended transaction's cost at the station's tariff, in its currency (payments' rule)."""
    stop = tx.meter_stop if tx.meter_stop is not None else tx.last_meter_kwh
    energy = (stop or 0.0) - (tx.meter_start or 0.0)
    return session_cost_cents(energy, price_per_kwh, fee) / 100


def samples(meter_values: list[dict[str, Any]]) -> list[Sample]:
    """2.x meterValue items → normalised samples (numbers with unitOfMeasure and multiplier)."""
    out: list[Sample] = []
    for item in meter_values:
        when = parse_time(item["timestamp"])
        assert when is not None
        for sv in item["sampledValue"]:
            unit = sv.get("unitOfMeasure") or {}
            sample = normalise(
                RawSample(
                    timestamp=when,
                    value=float(sv["value"]),
                    measurand=sv.get("measurand", "Energy.Active.Import.Register"),
                    unit=unit.get("unit"),
                    multiplier=int(unit.get("multiplier", 0)),
                    phase=sv.get("phase"),
                    context=sv.get("context"),
                    location=sv.get("location"),
                )
            )
            if sample is not None:
                out.append(sample)
    return out


class V201Handlers(Handlers):
    __slots__ = ()

    async def handle(self, action: str, payload: Payload) -> Payload:
        # A station not (yet) accepted may only boot (2.0.1 B02/B03).
        if action != "BootNotification" and self.session.registration_status != "Accepted":
            raise CallError(ErrorKind.security, f"station is {self.session.registration_status}: boot first")
        return await super().handle(action, payload)

    async def boot_notification(self, p: Payload) -> Payload:
        station = p["chargingStation"]
        modem = station.get("modem") or {}
        info = stations.BootInfo(
            vendor=station["vendorName"],
            model=station["model"],
            serial_number=station.get("serialNumber"),
            firmware_version=station.get("firmwareVersion"),
            iccid=modem.get("iccid"),
            imsi=modem.get("imsi"),
            reason=p["reason"],
        )
        return await self._boot(info)

    async def status_notification(self, p: Payload) -> Payload:
        evse_id = p["evseId"]
        # Every (EVSE, connector) seen, for commands aimed at one (the stored state keeps one per EVSE).
        self.session.extra.setdefault("evse_connectors", set()).add((evse_id, p["connectorId"]))
        await self._status(
            evse_id,
            p["connectorStatus"],
            parse_time(p["timestamp"]),
            info=f"connector {p['connectorId']}",
            evse_id=evse_id,
        )
        return {}

    async def authorize(self, p: Payload) -> Payload:
        async with self.ctx.db() as db:
            decision = await authorization.authorize(
                db, p["idToken"]["idToken"], deny_concurrent=self.ctx.settings.deny_concurrent_tx
            )
        await self._authorized(p["idToken"]["idToken"], decision)
        return {"idTokenInfo": id_token_info(decision)}

    async def transaction_event(self, p: Payload) -> Payload:
        info = p["transactionInfo"]
        evse = p.get("evse") or {}
        token = (p.get("idToken") or {}).get("idToken") or None
        when = parse_time(p["timestamp"])
        assert when is not None
        event = TxEvent(
            event_type=p["eventType"],
            timestamp=when,
            seq_no=p["seqNo"],
            charger_transaction_id=info["transactionId"],
            trigger_reason=p["triggerReason"],
            evse_id=evse.get("id"),
            connector_id=evse.get("id"),
            tag_id=token,
            stopped_reason=info.get("stoppedReason"),
            remote_start_id=info.get("remoteStartId"),
            reservation_id=p.get("reservationId"),
            samples=samples(p.get("meterValue") or []),
        )

        tariff = await self._tariff() if event.event_type == "Ended" else None

        def answer(result: TxEventResult) -> dict[str, Any]:
            response: dict[str, Any] = (
                {"idTokenInfo": id_token_info(result.auth)} if result.auth is not None else {}
            )
            if tariff is not None and result.ended_now:
                response["totalCost"] = total_cost(result.transaction, *tariff)
            return response

        async def work(db: Db) -> tuple[dict[str, Any], TxEventResult | None]:
            response, result = await transactions.transaction_event(
                db,
                self.cp_id,
                event,
                deny_concurrent=self.ctx.settings.deny_concurrent_tx,
                answer=answer,
                limits=self.ctx.plausibility,
            )
            if result is not None and not result.started_now and not result.ended_now and event.samples:
                tx = result.transaction
                self.ctx.tx_updates.emit_if_due(db, tx, tx.last_meter_kwh, tx.last_power_kw, tx.last_soc)
            return response, result

        response, result = await self._write(work)
        if result is not None:
            tx = result.transaction
            live = self.session.connector(tx.connector_id)
            if tx.last_meter_kwh is not None:
                live.energy_kwh = tx.last_meter_kwh
            if tx.last_power_kw is not None:
                live.power_kw = tx.last_power_kw
            if tx.last_soc is not None:
                live.soc = tx.last_soc
            if result.started_now:
                await self.ctx.hooks.started(tx)
            if result.ended_now:
                live.power_kw = 0.0
                self.ctx.tx_updates.forget(tx)
                await self.ctx.hooks.ended(tx)
            elif event.samples:
                await self.ctx.hooks.reading(tx, summarise(event.samples))
        return response

    async def _tariff(self) -> tuple[float, float] | None:
        """(price per kWh, session fee) when this station has a price of its own, else None: a
        station without one is not told a cost (the global payment price is for paid sessions)."""
        async with self.ctx.db() as db:
            return await stations.own_tariff(db, self.cp_id, self.ctx.settings.payments.session_fee)

    async def meter_values(self, p: Payload) -> Payload:
        evse_id = p["evseId"]
        data = samples(p["meterValue"])
        reading = await self._write(
            lambda db: transactions.record_samples(db, self.cp_id, evse_id, None, data, evse_id)
        )
        self._show_reading(evse_id, reading)
        return {}

    async def reservation_status_update(self, p: Payload) -> Payload:
        await self._write(lambda db: operation_reports.reservation_status_reported(db, self.cp_id, p))
        return {}

    async def notify_ev_charging_needs(self, p: Payload) -> Payload:
        """Accepted when load management will follow with a SetChargingProfile for this EVSE (2.0.1
        K15); otherwise Rejected: the EV charges on the station's own limits."""
        await self._event("NotifyEVChargingNeeds", p)
        will_schedule = await self.ctx.hooks.ev_needs(self.cp_id, p["evseId"], p["chargingNeeds"])
        return {"status": "Accepted" if will_schedule else "Rejected"}

    async def notify_charging_limit(self, p: Payload) -> Payload:
        """An external limit (energy management system, grid operator) now applies: it lowers the
        allocation until ClearedChargingLimit."""
        await self._event("NotifyChargingLimit", p)
        await self.ctx.hooks.external_limit(self.cp_id, p.get("evseId"), p)
        return {}

    async def cleared_charging_limit(self, p: Payload) -> Payload:
        await self._event("ClearedChargingLimit", p)
        await self.ctx.hooks.external_limit(self.cp_id, p.get("evseId"), None)
        return {}

    async def report_charging_profiles(self, p: Payload) -> Payload:
        """A part of the station's answer to GetChargingProfiles: stored as what it reported."""

        async def store(db: Any) -> None:
            await profiles_store.record_report(db, self.cp_id, p)
            await stations.event(db, self.cp_id, "ReportChargingProfiles", p)

        await self._write(store)
        return {}


V201Handlers.ROUTES = {
    "BootNotification": V201Handlers.boot_notification,
    "Heartbeat": Handlers.heartbeat,
    "StatusNotification": V201Handlers.status_notification,
    "Authorize": V201Handlers.authorize,
    "TransactionEvent": V201Handlers.transaction_event,
    "MeterValues": V201Handlers.meter_values,
    "DataTransfer": Handlers.data_transfer,
    "NotifyEVChargingNeeds": V201Handlers.notify_ev_charging_needs,
    "SignCertificate": security_handlers.sign_certificate_2x,
    "SecurityEventNotification": security_handlers.security_event_notification,
    "Get15118EVCertificate": security_handlers.get_15118_ev_certificate,
    "GetCertificateStatus": security_handlers.get_certificate_status,
    "ReservationStatusUpdate": V201Handlers.reservation_status_update,
    **{
        kind: request_status(kind)
        for kind in (
            "FirmwareStatusNotification",
            "LogStatusNotification",
            "PublishFirmwareStatusNotification",
        )
    },
    **REPORT_ROUTES,
    "ReportChargingProfiles": V201Handlers.report_charging_profiles,
    "NotifyChargingLimit": V201Handlers.notify_charging_limit,
    "ClearedChargingLimit": V201Handlers.cleared_charging_limit,
    **{
        kind: stored_as(kind)
        for kind in (
            "NotifyEvent",
            "NotifyEVChargingSchedule",
        )
    },
}
