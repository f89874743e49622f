"""Security profiles end to end over plain ws: the REST and operator APIs that set them, and the edge that
refuses connections below them with a security event (TLS profiles are tested through nginx)."""

from __future__ import annotations

from typing import Any

import pytest
import websockets

from tests.support.chargers import connected
from tests.support.server import RunningServer

PASSWORD = "profile-password-123"


async def refused(server: RunningServer, cp_id: str, **kw: Any) -> tuple[int, str]:
    with pytest.raises(websockets.InvalidStatus) as info:
        await server.connect(cp_id, **kw)
    return info.value.response.status_code, info.value.response.body.decode()


async def test_charge_points_api_sets_and_shows_the_profile(server: RunningServer) -> None:
    async with server.api() as api:
        open_cp = (await api.post("/API/ChargePoints", json={"id": "CP-OPEN"})).json()
        assert open_cp["securityProfile"] == 0
        assert "anyone who knows its id can connect in its place" in open_cp["securityWarning"]
        basic = (await api.post("/API/ChargePoints", json={"id": "CP-BASIC", "password": PASSWORD})).json()
        assert (basic["securityProfile"], basic["securityWarning"]) == (1, None)
        no_password = await api.post("/API/ChargePoints", json={"id": "CP-P2", "securityProfile": 2})
        assert no_password.status_code == 422 and "needs a password" in no_password.text
        raised = await api.put("/API/ChargePoints/CP-BASIC", json={"securityProfile": 3})
        assert raised.status_code == 200 and raised.json()["securityProfile"] == 3
        lowered = await api.put("/API/ChargePoints/CP-BASIC", json={"securityProfile": 1})
        assert lowered.status_code == 422 and "downgrade=true" in lowered.text
        removed = await api.put("/API/ChargePoints/CP-OPEN", json={"password": PASSWORD})
        assert removed.json()["securityProfile"] == 1  # a password given is a password required
        dropped = await api.put("/API/ChargePoints/CP-OPEN", json={"password": None})
        assert dropped.status_code == 422 and "lower securityProfile 1 to 0" in dropped.text
        allowed = await api.put(
            "/API/ChargePoints/CP-BASIC", params={"downgrade": "true"}, json={"securityProfile": 1}
        )
        assert allowed.json()["securityProfile"] == 1
        out_of_range = await api.put("/API/ChargePoints/CP-BASIC", json={"securityProfile": 4})
        assert out_of_range.status_code == 422
        listed = {cp["id"]: cp["securityProfile"] for cp in (await api.get("/API/ChargePoints")).json()}
        assert listed == {"CP-OPEN": 1, "CP-BASIC": 1}
        # Operator (Motown) API: shown, and raised by Register / Configure.
        await api.post("/API/ChargePoints", json={"id": "CP-MOTOWN"})
        shown = (await api.get("/charging-stations/CP-MOTOWN")).json()
        assert shown["securityProfile"] == 0
        bad = await api.post(
            "/charging-stations/CP-MOTOWN/commands", json=["Configure", {"securityProfile": 1}]
        )
        assert bad.status_code == 400 and "needs a password" in bad.text
        await api.put("/API/ChargePoints/CP-MOTOWN", json={"password": PASSWORD})
        ok = await api.post(
            "/charging-stations/CP-MOTOWN/commands?wait=true", json=["Configure", {"securityProfile": 3}]
        )
        assert ok.status_code in (200, 202), ok.text
        assert (await api.get("/charging-stations/CP-MOTOWN")).json()["securityProfile"] == 3
        lower = await api.post(
            "/charging-stations/CP-MOTOWN/commands", json=["Configure", {"securityProfile": 1}]
        )
        assert lower.status_code == 400 and "downgrade=true" in lower.text


async def test_connections_below_the_profile_are_refused_with_a_security_event(server: RunningServer) -> None:
    async with server.api() as api:
        await api.post("/API/ChargePoints", json={"id": "CP-ONE", "password": PASSWORD})
        await api.post("/API/ChargePoints", json={"id": "CP-THREE", "password": PASSWORD})
        await api.put("/API/ChargePoints/CP-THREE", json={"securityProfile": 3})
    async with connected(server, "CP-ONE", password=PASSWORD) as charger:
        assert charger.id == "CP-ONE"
    assert await refused(server, "CP-ONE") == (
        401,
        "Missing HTTP Basic credentials for charge point 'CP-ONE'.\n",
    )
    # Raised to 3: the password that used to be enough is not, over ws or otherwise (A05.FR.09).
    status, text = await refused(server, "CP-THREE", password=PASSWORD)
    assert status == 403 and "requires TLS" in text
    async with server.api() as api:
        events = (await api.get("/API/SecurityEvents", params={"chargePointId": "CP-THREE"})).json()
        one = (await api.get("/API/SecurityEvents", params={"chargePointId": "CP-ONE"})).json()
    assert [(e["type"], e["origin"], e["address"]) for e in events["events"]] == [
        ("SecurityProfileMismatch", "csms", "127.0.0.1")
    ]
    assert [e["type"] for e in one["events"]] == ["FailedToAuthenticate"]


async def test_chargers_without_credentials_can_be_refused(server_factory: Any) -> None:
    async with server_factory(security={"allow_no_credentials": False}) as server:
        await server.add_charge_point("CP-BARE")
        status, text = await refused(server, "CP-BARE")
        assert status == 403 and "without credentials" in text
        async with server.api() as api:
            view = (await api.get("/API/ChargePoints/CP-BARE")).json()
        assert "refuses such chargers" in view["securityWarning"]
