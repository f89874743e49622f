"""OCPP 1.6J: charger-initiated messages translated into domain calls (and answers built from them)."""

from __future__ import annotations

from typing import Any

from chargegrid.domain import authorization, stations, transactions
from chargegrid.domain.authorization import AuthDecision, AuthStatus
from chargegrid.domain.meter_values import RawSample, Reading, Sample, normalise
from chargegrid.ocpp import security_handlers
from chargegrid.ocpp.rpc import CallError, Payload
from chargegrid.ocpp.versions import ErrorKind
from chargegrid.ocpp.wire import Handlers, format_time, parse_time, request_status
from chargegrid.store import Db
from chargegrid.store.models import Transaction

_STATUS_16 = {AuthStatus.unknown: "Invalid"}


def id_tag_info(decision: AuthDecision) -> dict[str, Any]:
    info: dict[str, Any] = {"status": _STATUS_16.get(decision.status, decision.status.value)}
    if decision.parent_id:
        info["parentIdTag"] = decision.parent_id[:20]
    if decision.expiry is not None:
        info["expiryDate"] = format_time(decision.expiry)
    return info


def samples(meter_values: list[dict[str, Any]]) -> list[Sample]:
    """1.6 meterValue items → normalised samples (values are decimal strings; SignedData is skipped)."""
    out: list[Sample] = []
    for item in meter_values:
        when = parse_time(item["timestamp"])
        assert when is not None
        for sv in item["sampledValue"]:
            if sv.get("format") == "SignedData":
                continue
            try:
                value = float(sv["value"])
            except ValueError:
                raise CallError(
                    ErrorKind.property, f"sampled value {sv['value']!r} is not a number"
                ) from None
            sample = normalise(
                RawSample(
                    timestamp=when,
                    value=value,
                    measurand=sv.get("measurand", "Energy.Active.Import.Register"),
                    unit=sv.get("unit"),
                    phase=sv.get("phase"),
                    context=sv.get("context"),
                    location=sv.get("location"),
                )
            )
            if sample is not None:
                out.append(sample)
    return out


class V16Handlers(Handlers):
    __slots__ = ()

    async def boot_notification(self, p: Payload) -> Payload:
        info = stations.BootInfo(
            vendor=p["chargePointVendor"],
            model=p["chargePointModel"],
            serial_number=p.get("chargePointSerialNumber") or p.get("chargeBoxSerialNumber"),
            firmware_version=p.get("firmwareVersion"),
            iccid=p.get("iccid"),
            imsi=p.get("imsi"),
            meter_type=p.get("meterType"),
            meter_serial_number=p.get("meterSerialNumber"),
        )
        return await self._boot(info)

    async def status_notification(self, p: Payload) -> Payload:
        await self._status(
            p["connectorId"],
            p["status"],
            parse_time(p.get("timestamp")),
            error_code=p["errorCode"],
            info=p.get("info"),
            vendor_error_code=p.get("vendorErrorCode"),
        )
        return {}

    async def authorize(self, p: Payload) -> Payload:
        async with self.ctx.db() as db:
            decision = await authorization.authorize(
                db, p["idTag"], deny_concurrent=self.ctx.settings.deny_concurrent_tx
            )
        await self._authorized(p["idTag"], decision)
        return {"idTagInfo": id_tag_info(decision)}

    async def start_transaction(self, p: Payload) -> Payload:
        when = parse_time(p["timestamp"])
        assert when is not None
        result = await self._write(
            lambda db: transactions.start(
                db,
                self.cp_id,
                p["connectorId"],
                p["idTag"],
                p["meterStart"] / 1000.0,
                when,
                deny_concurrent=self.ctx.settings.deny_concurrent_tx,
                reservation_id=p.get("reservationId"),
                limits=self.ctx.plausibility,
            )
        )
        live = self.session.connector(p["connectorId"])
        live.energy_kwh = result.transaction.meter_start
        if not result.duplicate:
            await self.ctx.hooks.started(result.transaction)
        return {"transactionId": result.transaction.id, "idTagInfo": id_tag_info(result.auth)}

    async def stop_transaction(self, p: Payload) -> Payload:
        when = parse_time(p["timestamp"])
        assert when is not None
        data = samples(p.get("transactionData") or [])
        result = await self._write(
            lambda db: transactions.stop(
                db,
                self.cp_id,
                p["transactionId"],
                p["meterStop"] / 1000.0,
                when,
                reason=p.get("reason"),
                tag_id=p.get("idTag"),
                samples=data,
                limits=self.ctx.plausibility,
            )
        )
        if result.transaction is not None and result.closed_now:
            self.session.connector(result.transaction.connector_id).power_kw = 0.0
            self.ctx.tx_updates.forget(result.transaction)
            await self.ctx.hooks.ended(result.transaction)
        return {"idTagInfo": id_tag_info(result.auth)} if result.auth is not None else {}

    async def meter_values(self, p: Payload) -> Payload:
        connector_id = p["connectorId"]
        data = samples(p["meterValue"])

        async def work(db: Db) -> tuple[Transaction | None, Reading]:
            tx, reading = await transactions.meter_values(
                db, self.cp_id, connector_id, data, p.get("transactionId"), self.ctx.plausibility
            )
            if tx is not None and tx.stop_time is None:
                self.ctx.tx_updates.emit_if_due(db, tx, reading.energy_kwh, reading.power_kw, reading.soc)
            return tx, reading

        tx, reading = await self._write(work)
        self._show_reading(connector_id, reading)
        if tx is not None and tx.stop_time is None:
            await self.ctx.hooks.reading(tx, reading)
        return {}

    async def data_transfer(self, p: Payload) -> Payload:
        if p.get("vendorId") == security_handlers.PNC_VENDOR:
            answer = security_handlers.pnc_data_transfer(p.get("messageId"))
            if answer is not None:
                await self._event("DataTransfer", p)
                return answer
        return await super().data_transfer(p)


V16Handlers.ROUTES = {
    "BootNotification": V16Handlers.boot_notification,
    "Heartbeat": Handlers.heartbeat,
    "StatusNotification": V16Handlers.status_notification,
    "Authorize": V16Handlers.authorize,
    "StartTransaction": V16Handlers.start_transaction,
    "StopTransaction": V16Handlers.stop_transaction,
    "MeterValues": V16Handlers.meter_values,
    "DataTransfer": V16Handlers.data_transfer,
    "SignCertificate": security_handlers.sign_certificate_16,
    "SecurityEventNotification": security_handlers.security_event_notification,
    **{
        kind: request_status(kind)
        for kind in (
            "DiagnosticsStatusNotification",
            "FirmwareStatusNotification",
            "SignedFirmwareStatusNotification",
            "LogStatusNotification",
        )
    },
}
