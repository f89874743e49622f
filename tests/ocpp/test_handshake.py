"""The websocket handshake: subprotocols, registration policy, Basic auth, one session per charger."""

from __future__ import annotations

import asyncio

import pytest
import websockets
from sqlalchemy import select

from chargegrid.store.models import ChargePoint
from tests.support.chargers import connected
from tests.support.server import RunningServer


async def refused_status(server: RunningServer, cp_id: str, protocol: str = "ocpp1.6", **kw: object) -> int:
    with pytest.raises(websockets.InvalidStatus) as info:
        await server.connect(cp_id, protocol, **kw)  # type: ignore[arg-type]
    return info.value.response.status_code


async def test_newest_common_subprotocol_is_chosen(server: RunningServer) -> None:
    await server.add_charge_point("CP-PROTO")
    ws = await server.connect("CP-PROTO", "ocpp1.6")
    assert ws.subprotocol == "ocpp1.6"
    await ws.close()
    import websockets as wsl

    ws = await wsl.connect(f"{server.ocpp_url}/CP-PROTO", subprotocols=["ocpp1.6", "ocpp2.0.1", "ocpp2.1"])  # type: ignore[list-item]
    assert ws.subprotocol == "ocpp2.1"
    await ws.close()


async def test_handshake_without_ocpp_subprotocol_is_refused_with_400(server: RunningServer) -> None:
    await server.add_charge_point("CP-NOPROTO")
    with pytest.raises(websockets.InvalidStatus) as info:
        await websockets.connect(f"{server.ocpp_url}/CP-NOPROTO", subprotocols=["ocpp1.5"])  # type: ignore[list-item]
    assert info.value.response.status_code == 400
    assert b"ocpp1.6" in info.value.response.body


async def test_unknown_charger_is_refused_under_reject_policy(server: RunningServer) -> None:
    assert await refused_status(server, "NOBODY") == 404
    async with server.services.db() as db:
        assert await db.get(ChargePoint, "NOBODY") is None


async def test_pending_policy_answers_pending_until_accepted(server_factory) -> None:  # type: ignore[no-untyped-def]
    async with server_factory(unknown_chargers="pending") as srv:
        async with connected(srv, "NEW-1", boot=False) as charger:
            answer = await charger.boot()
            assert answer.status == "Pending"
        async with srv.services.db.begin() as db:
            cp = await db.get(ChargePoint, "NEW-1")
            assert cp is not None and cp.registration_status == "Pending"
            assert cp.vendor == "TestVendor"
            cp.registration_status = "Accepted"
        async with connected(srv, "NEW-1", boot=False) as charger:
            assert (await charger.boot()).status == "Accepted"


async def test_accept_policy_registers_and_accepts(server_factory) -> None:  # type: ignore[no-untyped-def]
    async with server_factory(unknown_chargers="accept") as srv:
        async with connected(srv, "NEW-2", "ocpp2.0.1", boot=False) as charger:
            answer = await charger.boot()
            assert answer.status == "Accepted"
            assert answer.interval == srv.settings.heartbeat_interval
        async with srv.services.db() as db:
            ids = (await db.scalars(select(ChargePoint.id))).all()
        assert "NEW-2" in ids


async def test_basic_auth(server: RunningServer) -> None:
    await server.add_charge_point("SECURE", password="s3cret-key-1234567")
    assert await refused_status(server, "SECURE") == 401
    assert await refused_status(server, "SECURE", password="wrong") == 401
    assert await refused_status(server, "SECURE", password="s3cret-key-1234567", user="OTHER") == 401
    async with connected(server, "SECURE", password="s3cret-key-1234567") as charger:
        assert charger.id == "SECURE"
    async with server.services.db() as db:
        cp = await db.get(ChargePoint, "SECURE")
        assert cp is not None and cp.password_hash and "s3cret" not in cp.password_hash


async def test_repeated_auth_failures_from_one_address_are_refused_without_hashing(
    server: RunningServer,
) -> None:
    await server.add_charge_point("SLOW", password="right-password-123")
    for _ in range(server.settings.security.auth_failures_per_address):
        assert await refused_status(server, "SLOW", password="guess") == 401
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(websockets.InvalidStatus) as info:
        await server.connect("SLOW", password="guess")
    assert info.value.response.status_code == 429
    assert int(info.value.response.headers["Retry-After"]) >= 1
    assert b"too many failed logins" in info.value.response.body
    assert loop.time() - start < 0.5  # answered at once: no argon2 work, no socket held


async def test_new_connection_replaces_the_old_one(server: RunningServer) -> None:
    await server.add_charge_point("TWICE")
    first = await server.connect("TWICE")
    second = await server.connect("TWICE")
    await asyncio.wait_for(first.wait_closed(), 5)
    assert first.close_code == 1000
    assert server.services.registry.get("TWICE") is not None
    assert len([s for s in server.services.registry if s.charge_point_id == "TWICE"]) == 1
    await second.send('[2,"a","Heartbeat",{}]')
    assert '"currentTime"' in str(await asyncio.wait_for(second.recv(), 5))
    await second.close()
    await server.wait_for(lambda: "TWICE" not in server.services.registry)


async def test_charge_point_id_with_a_slash_is_refused(server: RunningServer) -> None:
    with pytest.raises(websockets.InvalidStatus) as info:
        await websockets.connect(f"{server.ocpp_url}/A/B", subprotocols=["ocpp1.6"])  # type: ignore[list-item]
    assert info.value.response.status_code == 400
    assert b"'/'" in info.value.response.body


async def test_http_faces_still_answer_next_to_the_edge(server: RunningServer) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=server.http_url) as client:
        assert (await client.get("/OCPP/CP1")).status_code == 404  # a plain GET is not a charger
        assert (await client.get("/health")).status_code == 200


async def test_many_chargers_connecting_at_once_are_each_admitted_with_their_own_record(
    server: RunningServer,
) -> None:
    """Admission reads are batched across simultaneous handshakes: each charger still gets its own verdict."""
    for n in range(30):
        await server.add_charge_point(f"BATCH-{n}", password=f"key-for-charger-{n}" if n % 3 == 0 else None)
    attempts = [server.connect(f"BATCH-{n}", password=f"key-for-charger-{n}") for n in range(30)]
    attempts += [server.connect(f"UNKNOWN-{n}") for n in range(10)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    for n, result in enumerate(results):
        if n < 30:
            assert not isinstance(result, BaseException), (n, result)
            await result.close()
        else:
            assert isinstance(result, websockets.InvalidStatus) and result.response.status_code == 404
