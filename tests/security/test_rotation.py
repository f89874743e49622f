"""Password rotation end to end: the server generates a password, the charger accepts it, old and new are
both valid until the charger first connects with the new one, then only the new one is."""

from __future__ import annotations

import pytest
import websockets

from chargegrid.store.models import ChargePoint
from tests.support.chargers import connected
from tests.support.server import RunningServer

OLD = "old-password-1234567"


@pytest.mark.parametrize(
    ("protocol", "action", "sent"),
    [
        ("ocpp1.6", "ChangeConfiguration", lambda kw: (kw["key"], kw["value"])),
        (
            "ocpp2.0.1",
            "SetVariables",
            lambda kw: (
                f"{kw['set_variable_data'][0]['component']['name']}.{kw['set_variable_data'][0]['variable']['name']}",
                kw["set_variable_data"][0]["attribute_value"],
            ),
        ),
    ],
)
async def test_rotation_keeps_both_passwords_until_the_new_one_is_used(
    server: RunningServer, protocol: str, action: str, sent: object
) -> None:
    async with server.api() as api:
        await api.post("/API/ChargePoints", json={"id": "CP-ROT", "password": OLD})
        async with connected(server, "CP-ROT", protocol, password=OLD) as charger:
            answer = await api.post("/API/ChargePoints/CP-ROT/RotatePassword")
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"status": "Accepted", "rotated": True}  # the password is not shown
            key, new = sent(charger.rec.last(action))  # type: ignore[operator]
        assert key == ("AuthorizationKey" if protocol == "ocpp1.6" else "SecurityCtrlr.BasicAuthPassword")
        assert len(new) == 32 and new.isalnum() and new != OLD

        async with connected(server, "CP-ROT", protocol, password=OLD):
            pass  # not used the new one yet: the old one still works
        async with connected(server, "CP-ROT", protocol, password=new):
            pass
        with pytest.raises(websockets.InvalidStatus) as info:
            await server.connect("CP-ROT", protocol, password=OLD)
        assert info.value.response.status_code == 401
        async with server.services.db() as db:
            cp = await db.get(ChargePoint, "CP-ROT")
            assert cp is not None and cp.password_hash_next is None


@pytest.mark.parametrize("db_kind", ["sqlite"])  # refusals only: one database is enough
async def test_rotation_refused_offline_rejected_or_without_a_password(server: RunningServer) -> None:
    async with server.api() as api:
        await api.post("/API/ChargePoints", json={"id": "CP-ROT2", "password": OLD})
        await api.post("/API/ChargePoints", json={"id": "CP-NOPW"})
        assert (await api.post("/API/ChargePoints/CP-ROT2/RotatePassword")).status_code == 404  # offline
        assert (await api.post("/API/ChargePoints/CP-NOPW/RotatePassword")).status_code == 409
        assert (await api.post("/API/ChargePoints/NOBODY/RotatePassword")).status_code == 404
        async with connected(server, "CP-ROT2", password=OLD) as charger:
            charger.rec.answers["ChangeConfiguration"] = "Rejected"
            answer = await api.post("/API/ChargePoints/CP-ROT2/RotatePassword")
            assert answer.json() == {"status": "Rejected", "rotated": False}
        async with server.services.db() as db:
            cp = await db.get(ChargePoint, "CP-ROT2")
            assert cp is not None and cp.password_hash_next is None
        async with connected(server, "CP-ROT2", password=OLD):
            pass
