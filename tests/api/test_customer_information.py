"""Customer information (2.x) end to end: report and/or clear by id token, customer identifier or
certificate; the NotifyCustomerInformation parts put together and kept; bad requests refused."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import check_failure_kinds
from tests.support.server import RunningServer


async def test_report_and_clear_a_customer(server: RunningServer, station: Any) -> None:
    async with server.api() as api:
        asked = await api.post(
            "/API/CustomerInformation/CP1", json={"idToken": "04A2B3", "idTokenType": "ISO14443"}
        )
        request_id = asked.json()["requestId"]
        assert asked.json() == {"status": "Accepted", "requestId": request_id}
        assert station.rec.last("CustomerInformation") == {
            "request_id": request_id,
            "report": True,
            "clear": False,
            "id_token": {"id_token": "04A2B3", "type": "ISO14443"},
        }

        async def assembled() -> bool:
            shown = await api.get(f"/API/CustomerInformation/CP1/{request_id}")
            return shown.status_code == 200 and shown.json()["complete"]

        await server.wait_for(assembled)
        shown = (await api.get(f"/API/CustomerInformation/CP1/{request_id}")).json()
        assert (shown["data"], shown["parts"]) == ("first part;second part", 2)

        cleared = await api.post(
            "/API/CustomerInformation/CP1",
            json={"report": False, "clear": True, "customerIdentifier": "cust-7"},
        )
        assert cleared.json()["status"] == "Accepted"
        assert station.rec.last("CustomerInformation") == {
            "request_id": cleared.json()["requestId"],
            "report": False,
            "clear": True,
            "customer_identifier": "cust-7",
        }
        certificate = {
            "hashAlgorithm": "SHA256",
            "issuerNameHash": "aa",
            "issuerKeyHash": "bb",
            "serialNumber": "01",
        }
        station.rec.answers["CustomerInformation"] = "Invalid"
        by_cert = await api.post("/API/CustomerInformation/CP1", json={"certificate": certificate})
        assert by_cert.json()["status"] == "Invalid"
        assert station.rec.last("CustomerInformation")["customer_certificate"]["serial_number"] == "01"
        station.rec.answers["CustomerInformation"] = "Rejected"
        rejected = await api.post("/API/CustomerInformation/CP1", json={"customerIdentifier": "x"})
        assert rejected.json()["status"] == "Rejected"
        nothing = await api.get(f"/API/CustomerInformation/CP1/{rejected.json()['requestId']}")
        assert nothing.status_code == 404


async def test_bad_customer_requests_are_400_and_not_sent(server: RunningServer, station: Any) -> None:
    async with server.api() as api:
        both = await api.post(
            "/API/CustomerInformation/CP1", json={"idToken": "T", "customerIdentifier": "c"}
        )
        assert both.status_code == 400 and "exactly one of" in both.json()["detail"]
        neither = await api.post("/API/CustomerInformation/CP1", json={"report": True})
        assert neither.status_code == 400 and "exactly one of" in neither.json()["detail"]
        idle = await api.post("/API/CustomerInformation/CP1", json={"idToken": "T", "report": False})
        assert idle.status_code == 400 and "report, clear or both" in idle.json()["detail"]
        long_id = await api.post("/API/CustomerInformation/CP1", json={"customerIdentifier": "c" * 65})
        assert long_id.status_code == 400 and "customerIdentifier" in long_id.json()["detail"]
        assert station.rec.received == []


async def test_failures_of_the_customer_information_route(impatient: tuple[RunningServer, Any]) -> None:
    server, station = impatient
    async with server.api() as api:
        send = lambda: api.post("/API/CustomerInformation/CP1", json={"idToken": "T1"})  # noqa: E731
        await check_failure_kinds(station, "CustomerInformation", send)
