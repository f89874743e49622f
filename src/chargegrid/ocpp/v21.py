"""OCPP 2.1: what a 2.1 station sends beyond 2.0.1, answered as 2.1 defines and kept as charger events.

Everything 2.0.1 has is handled by `V201Handlers` (2.1 keeps those messages' fields where we read
them). The messages here are reports the operator reads later, or questions this server cannot say
yes to: it has no dynamic schedules, no VAT number register, no revocation source for certificate
chains and does not consume periodic event streams, so it says so in the protocol's own terms
(Rejected / Failed with a reason) instead of refusing the message.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chargegrid.ocpp.rpc import Payload
from chargegrid.ocpp.v201 import V201Handlers
from chargegrid.ocpp.wire import format_time, stored_as

# How long a station should wait before asking again about a certificate chain we could not check.
CHAIN_STATUS_RETRY = timedelta(hours=24)


def _refusal(reason: str, info: str) -> Payload:
    return {"status": "Rejected", "statusInfo": {"reasonCode": reason, "additionalInfo": info}}


class V21Handlers(V201Handlers):
    __slots__ = ()

    async def pull_dynamic_schedule_update(self, p: Payload) -> Payload:
        await self._event("PullDynamicScheduleUpdate", p)
        return _refusal("NoSchedule", "this central system sets no dynamic charging schedules")

    async def vat_number_validation(self, p: Payload) -> Payload:
        await self._event("VatNumberValidation", p)
        answer = {
            "vatNumber": p["vatNumber"],
            **_refusal("NotSupported", "VAT numbers are not validated here"),
        }
        if "evseId" in p:
            answer["evseId"] = p["evseId"]
        return answer

    async def open_periodic_event_stream(self, p: Payload) -> Payload:
        await self._event("OpenPeriodicEventStream", p)
        return _refusal("NotSupported", "this central system does not consume periodic event streams")

    async def get_certificate_chain_status(self, p: Payload) -> Payload:
        await self._event("GetCertificateChainStatus", p)
        next_update = format_time(datetime.now(UTC) + CHAIN_STATUS_RETRY)
        statuses = [
            {
                "certificateHashData": request["certificateHashData"],
                "source": request["source"],
                "status": "Failed",  # no OCSP responder or CRL is configured to ask
                "nextUpdate": next_update,
            }
            for request in p["certificateStatusRequests"]
        ]
        return {"certificateStatus": statuses}


V21Handlers.ROUTES = {
    **V201Handlers.ROUTES,
    "PullDynamicScheduleUpdate": V21Handlers.pull_dynamic_schedule_update,
    "VatNumberValidation": V21Handlers.vat_number_validation,
    "OpenPeriodicEventStream": V21Handlers.open_periodic_event_stream,
    "GetCertificateChainStatus": V21Handlers.get_certificate_chain_status,
    # Reports: stored, acknowledged with an empty answer (all their answers have only optional fields).
    **{
        kind: stored_as(kind)
        for kind in (
            "NotifySettlement",
            "NotifyPriorityCharging",
            "NotifyDERAlarm",
            "NotifyDERStartStop",
            "ReportDERControl",
            "BatterySwap",
            "ClosePeriodicEventStream",
        )
    },
}
