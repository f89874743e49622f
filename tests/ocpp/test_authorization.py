"""Authorization rules as chargers see them: blocked, expired, unknown, groups, concurrent transactions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.support.chargers import connected
from tests.support.server import RunningServer

NOW = datetime.now(UTC)


async def seed_tags(server: RunningServer) -> None:
    await server.add_tag("GOOD", parent="FLEET", expiry=NOW + timedelta(days=30))
    await server.add_tag("FLEET")
    await server.add_tag("MATE", parent="FLEET")
    await server.add_tag("STRANGER")
    await server.add_tag("BLOCKED", blocked=True)
    await server.add_tag("OLD", expiry=NOW - timedelta(days=1))
    await server.add_tag("BADGROUP", parent="LOCKED")
    await server.add_tag("LOCKED", blocked=True)


async def test_authorize_statuses_16(server: RunningServer) -> None:
    await seed_tags(server)
    await server.add_charge_point("AUTH16")
    async with connected(server, "AUTH16") as cp:

        async def status(tag: str) -> dict[str, str]:
            return (await cp.call(call16.Authorize(id_tag=tag))).id_tag_info  # type: ignore[no-any-return]

        good = await status("GOOD")
        assert good["status"] == "Accepted" and good["parent_id_tag"] == "FLEET" and "expiry_date" in good
        assert (await status("good"))["status"] == "Accepted"  # id tags are case-insensitive
        assert (await status("BLOCKED"))["status"] == "Blocked"
        assert (await status("OLD"))["status"] == "Expired"
        assert (await status("NOPE"))["status"] == "Invalid"
        assert (await status("BADGROUP"))["status"] == "Blocked"


async def test_authorize_statuses_201(server: RunningServer) -> None:
    await seed_tags(server)
    await server.add_charge_point("AUTH201")
    async with connected(server, "AUTH201", "ocpp2.0.1") as cs:

        async def info(tag: str) -> dict[str, object]:
            answer = await cs.call(call201.Authorize(id_token={"id_token": tag, "type": "ISO14443"}))
            return answer.id_token_info  # type: ignore[no-any-return]

        good = await info("GOOD")
        assert good["status"] == "Accepted" and good["group_id_token"] == {
            "id_token": "FLEET",
            "type": "Central",
        }
        assert (await info("NOPE"))["status"] == "Unknown"
        assert (await info("BLOCKED"))["status"] == "Blocked"
        assert (await info("OLD"))["status"] == "Expired"


async def test_concurrent_transactions_denied_when_configured(server_factory) -> None:  # type: ignore[no-untyped-def]
    async with server_factory(deny_concurrent_tx=True) as srv:
        await srv.add_tag("BUSY")
        await srv.add_charge_point("CC1")
        async with connected(srv, "CC1") as cp:
            start = await cp.call(
                call16.StartTransaction(
                    connector_id=1, id_tag="BUSY", meter_start=0, timestamp=NOW.isoformat()
                )
            )
            assert start.id_tag_info["status"] == "Accepted"
            again = await cp.call(call16.Authorize(id_tag="BUSY"))
            assert again.id_tag_info["status"] == "ConcurrentTx"
            second = await cp.call(
                call16.StartTransaction(
                    connector_id=2,
                    id_tag="BUSY",
                    meter_start=0,
                    timestamp=(NOW + timedelta(seconds=5)).isoformat(),
                )
            )
            assert second.id_tag_info["status"] == "ConcurrentTx"


async def test_concurrent_transactions_allowed_by_default(server: RunningServer) -> None:
    await server.add_tag("TWICE")
    await server.add_charge_point("CC2")
    async with connected(server, "CC2") as cp:
        await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="TWICE", meter_start=0, timestamp=NOW.isoformat())
        )
        assert (await cp.call(call16.Authorize(id_tag="TWICE"))).id_tag_info["status"] == "Accepted"


async def test_only_a_tag_of_the_same_group_may_stop(server: RunningServer) -> None:
    await seed_tags(server)
    await server.add_charge_point("STOPPER")
    async with connected(server, "STOPPER") as cp:

        async def run(stop_tag: str) -> str:
            start = await cp.call(
                call16.StartTransaction(
                    connector_id=1, id_tag="GOOD", meter_start=0, timestamp=datetime.now(UTC).isoformat()
                )
            )
            stop = await cp.call(
                call16.StopTransaction(
                    transaction_id=start.transaction_id,
                    meter_stop=10,
                    timestamp=datetime.now(UTC).isoformat(),
                    id_tag=stop_tag,
                )
            )
            return stop.id_tag_info["status"]  # type: ignore[no-any-return]

        assert await run("MATE") == "Accepted"
        assert await run("FLEET") == "Accepted"
        assert await run("STRANGER") == "Invalid"
