"""Stations and transactions in Motown's paging envelope, the API key, media types and every 400/404/409."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chargegrid.store.models import Transaction
from tests.api.operator.helpers import command, station
from tests.support.server import RunningServer

MOTOWN = "application/vnd.io.motown.operator-api-v1+json"


async def test_without_the_api_key_every_route_is_401(server: RunningServer) -> None:
    await server.add_charge_point("KEY-1")
    async with server.api(headers={"X-API-Key": "wrong"}) as api:
        for method, url in [
            ("GET", "/charging-stations"),
            ("GET", "/charging-stations/KEY-1"),
            ("GET", "/transactions"),
            ("POST", "/charging-stations/KEY-1/commands"),
            ("GET", "/charging-stations/KEY-1/commands/x"),
        ]:
            answer = await api.request(method, url, json=["RequestClearCache", {}])
            assert answer.status_code == 401, url
            assert "X-API-Key" in answer.json()["detail"]
    async with server.api() as api:
        api.headers.pop("X-API-Key")
        assert (await api.get("/charging-stations")).status_code == 401


async def test_station_pages_follow_motowns_envelope(server: RunningServer) -> None:
    for n in range(25):
        await server.add_charge_point(f"PAGE-{n:02d}")
    async with server.api() as api:
        first = (await api.get("/charging-stations", params={"offset": 0, "limit": 10})).json()
        assert set(first) == {"href", "previous", "next", "first", "last", "elements"}
        assert [e["id"] for e in first["elements"]] == [f"PAGE-{n:02d}" for n in range(10)]
        assert first["previous"] == ""
        assert "offset=10" in first["next"] and "limit=10" in first["next"]
        assert "offset=0" in first["first"] and "offset=20" in first["last"]
        assert first["href"].endswith("/charging-stations?offset=0&limit=10")

        last = (await api.get(first["last"])).json()
        assert len(last["elements"]) == 5 and last["next"] == "" and "offset=10" in last["previous"]

        past = await api.get("/charging-stations", params={"offset": 40, "limit": 10})
        assert past.status_code == 200 and past.json()["elements"] == [] and past.json()["next"] == ""

        default = (await api.get("/charging-stations")).json()
        assert len(default["elements"]) == 10
        for params in ({"limit": 0}, {"offset": -1}, {"limit": "ten"}, {"limit": 1000}):
            bad = await api.get("/charging-stations", params=params)
            assert bad.status_code == 400, params
            assert "offset" in bad.json()["detail"] or "limit" in bad.json()["detail"]

    element = first["elements"][0]
    for field in (
        "id",
        "registrationStatus",
        "online",
        "protocol",
        "vendor",
        "model",
        "serialNumber",
        "firmwareVersion",
        "evses",
        "settings",
        "settingResults",
        "connectors",
        "location",
        "openingTimes",
        "reservable",
    ):
        assert field in element, field


async def test_one_station_and_unknown_ones(server: RunningServer) -> None:
    await server.add_charge_point(
        "ONE-1", vendor="ACME", model="Fast", serial_number="S1", protocol="ocpp1.6"
    )
    view = await station(server, "ONE-1")
    assert (view["vendor"], view["model"], view["serialNumber"]) == ("ACME", "Fast", "S1")
    assert view["online"] is False and view["registrationStatus"] == "Accepted"
    async with server.api() as api:
        missing = await api.get("/charging-stations/NOPE")
        assert missing.status_code == 404 and "NOPE" in missing.json()["detail"]
        assert (await api.get("/charging-stations/ONE-1/commands/nope")).status_code == 404


async def test_transactions_are_paged(server: RunningServer) -> None:
    await server.add_charge_point("TXP-1")
    start = datetime(2030, 1, 1, tzinfo=UTC)
    async with server.services.db.begin() as db:
        for n in range(3):
            db.add(
                Transaction(
                    charge_point_id="TXP-1",
                    connector_id=1,
                    start_tag_id="TAG",
                    start_time=start + timedelta(hours=n),
                    meter_start=1.0,
                    meter_stop=3.5 if n < 2 else None,
                    stop_time=start + timedelta(hours=n, minutes=30) if n < 2 else None,
                )
            )
    async with server.api() as api:
        page = (await api.get("/transactions", params={"offset": 1, "limit": 1})).json()
    assert len(page["elements"]) == 1 and page["previous"] and page["next"]
    tx = page["elements"][0]
    assert tx["chargingStationId"] == "TXP-1" and tx["transactionId"] == str(tx["id"])
    assert tx["energyKwh"] == 2.5 and tx["open"] is False


async def test_malformed_commands_are_400_with_a_message_that_says_why(server: RunningServer) -> None:
    await server.add_charge_point("BAD-1")
    async with server.api() as api:
        url = "/charging-stations/BAD-1/commands"
        cases = [
            ({"name": "UnlockConnector"}, "two-element"),
            (["UnlockConnector"], "two-element"),
            (["UnlockConnector", {"connectorId": 1}, 3], "two-element"),
            (["Explode", {}], "Unknown command 'Explode'"),
            (["UnlockConnector", [1]], "must be a JSON object"),
            (["UnlockConnector", {"connectorId": "one"}], "connectorId"),
            (["UnlockConnector", {}], "connectorId: Field required"),
            (["Configure", {"connectors": [{"connectorId": 1, "maxAmp": "lots"}]}], "connectors.0.maxAmp"),
            (["StopTransaction", {"transactionId": [1]}], "transactionId"),
            (["RequestResetChargingStation", {"type": "gentle"}], "type must be one of hard, soft"),
            (["RequestChangeAvailability", {"evseId": 1, "availability": "x"}], "availability"),
            (["UpdateChargingStationReservable", {"reservable": "yes"}], "reservable"),
        ]
        for body, expected in cases:
            answer = await api.post(url, json=body)
            assert answer.status_code == 400, body
            assert expected in answer.json()["detail"], (body, answer.json())
        not_json = await api.post(url, content=b"[nope", headers={"Content-Type": "application/json"})
        assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["detail"]
        bad_wait = await api.post(url, params={"wait": "maybe"}, json=["RequestClearCache", {}])
        assert bad_wait.status_code == 400
    # Nothing was recorded or changed by the refused commands.
    assert (await station(server, "BAD-1"))["evses"] == []


async def test_unknown_station_is_404_except_for_register(server: RunningServer) -> None:
    for name, payload in [
        ("UnlockConnector", {"connectorId": 1}),
        ("Configure", {"settings": {"a": "b"}}),
        ("StopTransaction", {"transactionId": "1"}),
        ("AcceptChargingStation", {}),
        ("PlaceChargingStation", {"accessibility": "PUBLIC"}),
    ]:
        answer = await command(server, "GHOST", name, payload)
        assert answer.status_code == 404, name
        assert "GHOST" in answer.json()["detail"]
    assert (await command(server, "GHOST", "Register", {})).status_code == 200


async def test_a_station_not_accepted_yet_is_409_until_accepted(server: RunningServer) -> None:
    await server.add_charge_point("WAIT-1", registration_status="Pending")
    for name, payload in [
        ("UnlockConnector", {"connectorId": 1}),
        ("Configure", {"connectors": [{"connectorId": 1, "maxAmp": 16}]}),
        ("RequestClearCache", {}),
    ]:
        answer = await command(server, "WAIT-1", name, payload)
        assert answer.status_code == 409, name
        assert "Pending" in answer.json()["detail"] and "accept" in answer.json()["detail"]
    accepted = await command(server, "WAIT-1", "AcceptChargingStation", {})
    assert accepted.status_code == 200 and accepted.json()["status"] == "Accepted"
    assert (await station(server, "WAIT-1"))["registrationStatus"] == "Accepted"
    configure = await command(
        server, "WAIT-1", "Configure", {"connectors": [{"connectorId": 1, "maxAmp": 16}]}
    )
    assert configure.status_code == 200


async def test_motowns_media_type_is_accepted_and_answered(server: RunningServer) -> None:
    await server.add_charge_point("MEDIA-1")
    async with server.api(headers={"Accept": MOTOWN}) as api:
        posted = await api.post(
            "/charging-stations/MEDIA-1/commands",
            content=b'["UpdateChargingStationReservable", {"reservable": false}]',
            headers={"Content-Type": MOTOWN},
        )
        assert posted.status_code == 202
        assert posted.headers["content-type"] == MOTOWN
        assert posted.json()["status"] == "Accepted"
        listed = await api.get("/charging-stations")
        assert listed.headers["content-type"] == MOTOWN
    async with server.api() as api:
        assert (await api.get("/charging-stations")).headers["content-type"] == "application/json"
