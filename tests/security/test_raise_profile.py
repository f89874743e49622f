"""Raising a charger's security profile as one operation: what each protocol's charger receives, the pending
level kept until the charger connects at it, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest

from chargegrid.security import profiles
from chargegrid.store.models import ChargePoint
from tests.ocpp.test_tls_transport import Pki, pki, tls_server  # noqa: F401 (fixtures)
from tests.support.chargers import connected
from tests.support.server import RunningServer

PASSWORD = "raise-profile-secret-1"


async def _stored(server: RunningServer, cp_id: str) -> tuple[int, int | None]:
    async with server.services.db() as db:
        cp = await db.get(ChargePoint, cp_id)
        assert cp is not None
        return cp.security_profile, cp.security_profile_pending


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_raise_to_profile_2_is_stored_when_the_charger_reconnects_over_tls(
    tls_server: RunningServer,  # noqa: F811
    protocol: str,
) -> None:
    async with tls_server.api() as api:
        assert (await api.post("/API/ChargePoints", json={"id": "CP-RAISE", "password": PASSWORD})).is_success
        async with connected(tls_server, "CP-RAISE", protocol, password=PASSWORD) as charger:
            answer = await api.post("/API/ChargePoints/CP-RAISE/RaiseSecurityProfile", params={"profile": 2})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["raised"] is True and body["pendingProfile"] == 2
            if protocol == "ocpp1.6":
                assert body["steps"] == [{"action": "ChangeConfiguration", "status": "Accepted"}]
                assert charger.rec.last("ChangeConfiguration") == {"key": "SecurityProfile", "value": "2"}
            else:
                assert [step["action"] for step in body["steps"]] == [
                    "GetVariables",
                    "SetNetworkProfile",
                    "SetVariables",
                    "Reset",
                ]
                assert {step["status"] for step in body["steps"]} == {"Accepted"}
                network = charger.rec.last("SetNetworkProfile")
                slot = network["configuration_slot"]
                data = network["connection_data"]
                assert data["security_profile"] == 2 and data["ocpp_csms_url"].startswith("wss://")
                assert data["ocpp_csms_url"].endswith("/OCPP/")
                priority = charger.rec.last("SetVariables")["set_variable_data"][0]
                assert priority["variable"]["name"] == "NetworkConfigurationPriority"
                assert priority["attribute_value"].split(",")[0] == str(slot)
                assert charger.rec.last("Reset")["type"] == "OnIdle"
            # Accepted, but not connected at the new level yet: the floor is still 1.
            assert await _stored(tls_server, "CP-RAISE") == (1, 2)
            shown = (await api.get("/API/ChargePoints/CP-RAISE")).json()
            assert shown["securityProfile"] == 1 and shown["securityProfilePending"] == 2
        async with connected(tls_server, "CP-RAISE", protocol, password=PASSWORD):
            pass  # over wss with its password: profile 2 reached
        assert await _stored(tls_server, "CP-RAISE") == (2, None)


async def test_raise_refusals(tls_server: RunningServer) -> None:  # noqa: F811
    async with tls_server.api() as api:
        await api.post("/API/ChargePoints", json={"id": "CP-R1", "password": PASSWORD})
        await api.post("/API/ChargePoints", json={"id": "CP-R0"})
        url = "/API/ChargePoints/{}/RaiseSecurityProfile"
        bad = await api.post(url.format("CP-R1"), params={"profile": 1})
        assert bad.status_code == 400 and "profile" in bad.text
        assert (await api.post(url.format("CP-R1"), params={"profile": 2})).status_code == 404  # offline
        no_password = await api.post(url.format("CP-R0"), params={"profile": 2})
        assert no_password.status_code == 409 and "password" in no_password.text
        assert (await api.post(url.format("NOBODY"), params={"profile": 3})).status_code == 404
        async with connected(tls_server, "CP-R1", password=PASSWORD) as charger:
            charger.rec.answers["ChangeConfiguration"] = "Rejected"
            answer = await api.post(url.format("CP-R1"), params={"profile": 3})
            assert answer.json()["raised"] is False and answer.json()["pendingProfile"] is None
        assert await _stored(tls_server, "CP-R1") == (1, None)


def _presented(tls: bool, cn: str | None = None) -> profiles.Presented:
    return profiles.Presented(tls, cn)


@pytest.mark.parametrize(
    ("stored", "presented", "level"),
    [
        (1, _presented(False), 1),  # plain ws with a password: a pending 2 is not reached
        (1, _presented(True), 2),  # wss with the (checked) password
        (1, _presented(True, "CP"), 3),  # a verified certificate for this id
        (1, _presented(True, "OTHER"), 2),  # someone else's certificate is no profile 3
        (0, _presented(True), 0),  # no password was checked: TLS alone is not profile 2
    ],
)
def test_level_a_connection_reached(stored: int, presented: Any, level: int) -> None:
    assert profiles.reached("CP", stored, presented) == level
