"""Scoped API keys over real HTTP: each scope allowed and refused on the routes of every face, 401 for
unknown, revoked and expired keys (revocation at once), keys restricted to charge points, the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from ocpp.v16 import call as call16
from sqlalchemy import update

from chargegrid.cli import main
from chargegrid.store.integration_models import ApiKey
from chargegrid.store.models import utcnow
from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.support.sse import read_events

ServerFactory = Callable[..., AbstractAsyncContextManager[RunningServer]]

# (method, path, body, the scope it needs): one or more routes of each face.
ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/API/Status", None, "read"),
    ("GET", "/API/Reset/CP1", None, "command"),
    ("POST", "/API/UnlockConnector/CP1/1", None, "command"),
    ("GET", "/API/ChargePoints", None, "read"),
    ("GET", "/API/ChargeTags", None, "read"),
    ("POST", "/API/ChargeTags", {"tagId": "NEW-TAG"}, "admin"),
    ("GET", "/API/Transactions", None, "read"),
    ("GET", "/charging-stations", None, "read"),
    ("POST", "/charging-stations/CP1/commands", ["UnlockConnector", {"connectorId": 1}], "command"),
    ("POST", "/API/Payments/Create", {}, "payments"),
    ("GET", "/API/Reservations", None, "read"),
    ("GET", "/API/Logs/CP1", None, "read"),
    ("GET", "/API/Firmware/CP1", None, "read"),
    ("POST", "/API/LocalList/CP1", None, "command"),
    ("GET", "/API/Certificates/CP1/Installed", None, "command"),  # asks the charger
    ("GET", "/API/Keys", None, "admin"),
    ("GET", "/API/Webhooks", None, "admin"),
    ("GET", "/API/Audit", None, "admin"),
]


async def make_key(server: RunningServer, scopes: list[str], **extra: Any) -> dict[str, Any]:
    async with server.api() as api:
        answer = await api.post(
            "/API/Keys", json={"name": f"key-{'-'.join(scopes)}", "scopes": scopes, **extra}
        )
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def client(server: RunningServer, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.http_url, headers={"X-API-Key": key}, timeout=30)


async def call(api: httpx.AsyncClient, method: str, path: str, body: Any) -> httpx.Response:
    return await api.request(method, path, json=body) if body is not None else await api.request(method, path)


async def test_each_scope_is_allowed_and_refused_on_the_routes_of_every_face(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    keys = {
        scope: (await make_key(server, [scope]))["key"] for scope in ("read", "command", "admin", "payments")
    }
    async with connected(server, "CP1"):
        for scope, key in keys.items():
            async with client(server, key) as api:
                for method, path, body, needed in ROUTES:
                    answer = await call(api, method, path, body)
                    allowed = needed == scope or (needed == "read" and scope == "admin")
                    if allowed:
                        assert answer.status_code not in (401, 403), (scope, method, path, answer.text)
                    else:
                        assert answer.status_code == 403, (scope, method, path, answer.text)
                        assert f"scope '{needed}'" in answer.json()["detail"]
        # The bootstrap key has every scope.
        async with server.api() as api:
            for method, path, body, _needed in ROUTES:
                answer = await call(
                    api, method, path, {"tagId": "BOOT-TAG"} if path == "/API/ChargeTags" and body else body
                )
                assert answer.status_code not in (401, 403), (method, path, answer.text)


async def test_unknown_revoked_and_expired_keys_get_401_and_revocation_is_immediate(
    server: RunningServer,
) -> None:
    made = await make_key(server, ["read"])
    assert made["key"].startswith(made["prefix"]) and made["prefix"].startswith("cg_")
    async with client(server, made["key"]) as api:
        assert (await api.get("/API/ChargePoints")).status_code == 200
        async with server.api() as admin:
            assert (await admin.delete(f"/API/Keys/{made['id']}")).status_code == 204
            assert (await admin.delete("/API/Keys/k_unknown")).status_code == 404
        refused = await api.get("/API/ChargePoints")  # the very next request
        assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
        assert made["key"] not in refused.text
    async with client(server, "cg_00000000_not-a-real-key") as api:
        unknown = await api.get("/API/ChargePoints")
        assert unknown.status_code == 401 and "Unknown" in unknown.json()["detail"]
    async with client(server, "some-other-text") as api:
        assert (await api.get("/API/Status")).status_code == 401
    async with httpx.AsyncClient(base_url=server.http_url) as anonymous:
        assert (await anonymous.get("/API/Events")).status_code == 401
        assert (await anonymous.get("/API/NoSuchCommand")).status_code == 401

    expiring = await make_key(server, ["read"], expiresAt=(utcnow() + timedelta(hours=1)).isoformat())
    async with server.services.db.begin() as db:  # an hour later
        await db.execute(update(ApiKey).where(ApiKey.id == expiring["id"]).values(expires_at=utcnow()))
    async with client(server, expiring["key"]) as api:
        expired = await api.get("/API/Status")
        assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    async with server.api() as admin:
        listed = (await admin.get("/API/Keys")).json()
        assert [k["id"] for k in listed] == [expiring["id"]]  # revoked keys are hidden by default
        assert all("key" not in k and "keyHash" not in k for k in listed)
        everything = (await admin.get("/API/Keys", params={"includeRevoked": "true"})).json()
        assert {k["id"] for k in everything} == {made["id"], expiring["id"]}
        past = await admin.post(
            "/API/Keys", json={"name": "x", "scopes": ["read"], "expiresAt": "2001-01-01T00:00:00Z"}
        )
        assert past.status_code == 422 and "future" in past.text
        bad_scope = await admin.post("/API/Keys", json={"name": "x", "scopes": ["write"]})
        assert bad_scope.status_code == 422 and "scopes" in bad_scope.text


async def test_a_key_restricted_to_charge_points_acts_only_on_them(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    await server.add_charge_point("CP2")
    made = await make_key(server, ["read", "command"], chargePoints=["CP1"])
    async with (
        connected(server, "CP1") as cp1,
        connected(server, "CP2") as cp2,
        client(server, made["key"]) as api,
    ):
        assert (await api.post("/API/Reset/CP1")).json()["status"] == "Accepted"
        other = await api.post("/API/Reset/CP2")
        assert other.status_code == 403 and "'CP2'" in other.json()["detail"]
        assert cp1.rec.actions() == ["Reset"] and cp2.rec.actions() == []
        assert (await api.get("/charging-stations/CP1")).status_code == 200
        assert (await api.get("/charging-stations/CP2")).status_code == 403
        assert (await api.get("/API/Status")).status_code == 403  # covers every charger
        assert (await api.get("/API/Events", params={"chargePointId": "CP2"})).status_code == 403
        async with api.stream("GET", "/API/Events") as live:  # only CP1's events
            for cp in (cp2, cp1):
                await cp.call(
                    call16.StatusNotification(connector_id=1, error_code="NoError", status="Faulted")
                )
            (seen,) = await read_events(live, 1)
        assert seen["data"]["chargePointId"] == "CP1"


async def test_a_key_restricted_to_a_site_acts_on_the_sites_charge_points(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    await server.add_charge_point("CP2")
    made = await make_key(server, ["read", "command", "admin"], sites=["depot"])
    async with (
        connected(server, "CP1") as cp1,
        connected(server, "CP2") as cp2,
        client(server, made["key"]) as api,
        server.api() as admin,
    ):
        before = await api.post("/API/Reset/CP1")  # the site does not exist yet: no charge point
        assert before.status_code == 403 and "'CP1'" in before.json()["detail"]
        site = {"id": "depot", "maxCurrentA": 32, "chargePoints": ["CP1"]}
        assert (await admin.post("/API/Sites", json=site)).status_code == 201
        assert (
            await admin.post("/API/Sites", json={**site, "id": "yard", "chargePoints": ["CP2"]})
        ).is_success
        assert (await api.post("/API/Reset/CP1")).json()["status"] == "Accepted"
        other = await api.post("/API/Reset/CP2")
        assert other.status_code == 403 and "'CP2'" in other.json()["detail"]
        assert cp1.rec.actions().count("Reset") == 1 and "Reset" not in cp2.rec.actions()
        assert (await api.get("/API/Sites/depot")).status_code == 200
        yard = await api.get("/API/Sites/yard")
        assert yard.status_code == 403 and "'yard'" in yard.json()["detail"]


async def test_last_use_is_recorded_without_a_write_per_request(server: RunningServer) -> None:
    made = await make_key(server, ["read"])
    async with client(server, made["key"]) as api:
        for _ in range(5):
            assert (await api.get("/API/ChargeTags")).status_code == 200
    async with server.api() as admin:
        assert (await admin.get("/API/Keys")).json()[0]["lastUsedAt"] is None  # not yet written
        assert server.services.key_usage is not None
        await server.services.key_usage.flush()  # what the node does once a minute
        assert (await admin.get("/API/Keys")).json()[0]["lastUsedAt"] is not None


@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_the_cli_makes_lists_and_revokes_keys_that_the_running_server_honours(
    server: RunningServer,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHARGEGRID_DATABASE_URL", database_url)

    async def cli(*args: str) -> tuple[int, str, str]:
        """`chargegrid key ...` with its own engine and event loop (in a thread), as from a shell."""
        try:
            code = await asyncio.to_thread(main, ["key", *args])
        except SystemExit as exc:  # argparse: --help, usage errors
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    code, key, err = await cli("add", "billing", "--scope", "read", "--scope", "payments")
    assert code == 0, err
    key = key.strip()
    assert key.startswith("cg_") and "shown only now" in err
    _code, listed, _err = await cli("list")
    assert "billing" in listed and "payments,read" in listed and key not in listed
    key_id = listed.split("\t")[0]
    async with client(server, key) as api:
        assert (await api.get("/API/ChargePoints")).status_code == 200
        assert (await cli("revoke", key_id))[0] == 0
        assert (await api.get("/API/ChargePoints")).status_code == 401
    assert (await cli("revoke", "k_nope"))[0] == 1
    for args in ([], ["add"], ["list"], ["revoke"]):
        code, out, _err = await cli(*args, "--help")
        assert code == 0 and "usage:" in out
    code, _out, err = await cli("add", "x")
    assert code == 2 and "--scope" in err
