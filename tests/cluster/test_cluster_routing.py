"""Three nodes behind nginx: every node answers for every charger, wherever it is connected."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest

from chargegrid.ui.charger_status import station_state
from chargegrid.ui.pages.overview import tiles
from tests.api.helpers import start_transaction
from tests.api.operator.helpers import command, station
from tests.api.test_sites import last_limit
from tests.cluster.conftest import (
    CALL_TIMEOUT,
    LEASE_SECONDS,
    REDIS_URL,
    Cluster,
    charger_at,
    eventually,
    status_of,
)
from tests.support.server import run_server
from tests.ui.helpers import status

pytestmark = pytest.mark.timeout(90)


async def test_commands_and_status_from_every_node_to_chargers_on_every_other(cluster: Cluster) -> None:
    nodes = [cluster.nodes[name] for name in ("n1", "n2", "n3")]
    protocols = ["ocpp1.6", "ocpp2.0.1", "ocpp1.6"]
    async with (
        charger_at(nodes[0], "RT-A", protocols[0]) as a,
        charger_at(nodes[1], "RT-B", protocols[1]) as b,
        charger_at(nodes[2], "RT-C", protocols[2]) as c,
    ):
        chargers = {
            "RT-A": (a, "n1", protocols[0]),
            "RT-B": (b, "n2", protocols[1]),
            "RT-C": (c, "n3", protocols[2]),
        }
        # Status, asked of any node (and of nginx), lists each charger once, at the node that holds it.
        for node in [*nodes, cluster.balancer]:
            assert node is not None
            listed = await status_of(node)
            for cp_id, (_, holder, protocol) in chargers.items():
                assert listed[cp_id]["node"] == holder and listed[cp_id]["protocol"] == protocol

        for node in nodes:
            async with node.api() as api:
                for cp_id, (charger, holder, _) in chargers.items():
                    if holder == node.name:
                        continue
                    before = len(charger.rec.received)
                    answer = await api.post(f"/API/Reset/{cp_id}")
                    assert answer.status_code == 200, answer.text
                    assert answer.json()["status"] == "Accepted"
                    assert charger.rec.actions()[before:] == ["Reset"]  # it went to the charger, once

        # The charger's own answers travel back unchanged: a Rejected stays Rejected.
        c.rec.answers["Reset"] = "Rejected"
        async with nodes[0].api() as api:
            assert (await api.post("/API/Reset/RT-C")).json()["status"] == "Rejected"


async def test_errors_and_timeouts_are_the_same_as_on_the_holding_node(cluster: Cluster) -> None:
    holder, other = cluster.nodes["n2"], cluster.nodes["n3"]
    async with charger_at(holder, "ER-1", "ocpp1.6") as charger:
        async with holder.api() as local, other.api() as remote:
            for path, body in [
                ("/API/Ocpp/ER-1/GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}),  # 2.x only
                ("/API/Ocpp/ER-1/Reset", {"type": "Bogus"}),  # breaks the 1.6 schema
            ]:
                here, there = await local.post(path, json=body), await remote.post(path, json=body)
                assert here.status_code == there.status_code == 400, (here.text, there.text)
                assert here.json() == there.json()
            assert charger.rec.received == []  # nothing was sent, from either node

            # Nobody holds this charger: Offline, as on one node.
            offline = await remote.post("/API/Reset/NOBODY-HERE")
            local_offline = await local.post("/API/Reset/NOBODY-HERE")
            assert offline.status_code == local_offline.status_code and offline.json() == local_offline.json()

            # The charger does not answer: Timeout after the call timeout, end to end.
            charger.rec.delays["Reset"] = CALL_TIMEOUT + 2
            started = asyncio.get_running_loop().time()
            timed_out = await remote.post("/API/Ocpp/ER-1/Reset", json={"type": "Soft"})
            took = asyncio.get_running_loop().time() - started
            assert timed_out.json()["status"] == "Timeout", timed_out.text
            assert CALL_TIMEOUT - 0.5 < took < CALL_TIMEOUT + 2


async def test_one_outstanding_call_per_charger_across_nodes(cluster: Cluster) -> None:
    """Three nodes send to one charger at once: it sees one CALL at a time (a raw socket shows the wire)."""
    async with cluster.nodes["n1"].connect("SER-1", "ocpp1.6") as ws:
        await ws.send(
            json.dumps([2, "boot", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}])
        )
        assert json.loads(await ws.recv())[0] == 3
        clients = [cluster.nodes[name].api() for name in ("n1", "n2", "n3")]
        sends = asyncio.gather(*(client.post("/API/Reset/SER-1") for client in clients))
        try:
            for _ in range(3):
                call = json.loads(await asyncio.wait_for(ws.recv(), timeout=3))
                assert call[0] == 2 and call[2] == "Reset"
                with pytest.raises(TimeoutError):  # no second CALL while this one is unanswered
                    await asyncio.wait_for(ws.recv(), timeout=0.5)
                await ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
            answers = await sends
        finally:
            for client in clients:
                await client.aclose()
        assert [a.json()["status"] for a in answers] == ["Accepted"] * 3


async def test_a_charger_moving_to_another_node_closes_its_old_socket(cluster: Cluster) -> None:
    first, second, asker = cluster.nodes["n1"], cluster.nodes["n2"], cluster.nodes["n3"]
    async with charger_at(first, "MOVER", "ocpp2.0.1") as old:
        assert (await status_of(asker))["MOVER"]["node"] == "n1"
        async with charger_at(second, "MOVER", "ocpp2.0.1") as new:
            # The old node closes its socket at once: never two live sessions for one id.
            await asyncio.wait_for(old._connection.wait_closed(), timeout=3)
            listed = await status_of(asker)
            assert listed["MOVER"]["node"] == "n2"
            async with asker.api() as api:
                answer = await api.post("/API/Reset/MOVER")
            assert answer.json()["status"] == "Accepted"
            assert new.rec.actions() == ["Reset"] and old.rec.actions() == []


async def test_once_per_network_jobs_run_once_per_pass(cluster: Cluster) -> None:
    """The payment sweep runs every 0.5 s on each of three nodes, but only one node runs each pass."""

    async def runs() -> tuple[float, float]:
        ran = skipped = 0.0
        for name in ("n1", "n2", "n3"):
            async with httpx.AsyncClient(base_url=cluster.nodes[name].http_url) as client:
                text = (await client.get("/metrics")).text
            for result, value in re.findall(
                r'chargegrid_network_job_runs_total\{job="payment-sweep",ran="(yes|skipped)"\} (\S+)', text
            ):
                if result == "yes":
                    ran += float(value)
                else:
                    skipped += float(value)
        return ran, skipped

    ran_before, skipped_before = await runs()
    await asyncio.sleep(3)
    ran_after, skipped_after = await runs()
    ran, skipped = ran_after - ran_before, skipped_after - skipped_before
    # 3 s / 0.5 s = 6 passes for the network; 18 attempts over three nodes.
    assert 3 <= ran <= 9, (ran, skipped)
    assert skipped >= ran, (ran, skipped)


async def test_one_allocator_per_site_in_the_whole_network(cluster: Cluster) -> None:
    """A site made on n3 with its chargers on n1 and n2: one node allocates it, seeing both sessions,
    and its limits reach both chargers through the node holding each."""
    n1, n2, n3 = (cluster.nodes[name] for name in ("n1", "n2", "n3"))
    async with charger_at(n1, "LM-1") as one, charger_at(n2, "LM-2") as two:
        async with n3.api() as api:
            site = {"id": "lm-depot", "maxCurrentA": 20, "chargePoints": ["LM-1", "LM-2"]}
            assert (await api.post("/API/Sites", json=site)).status_code == 201, "site not created"
        await start_transaction(one, 1, "LM-TAG1")
        await eventually(lambda: last_limit(one) == 20)
        await start_transaction(two, 1, "LM-TAG2")
        await eventually(lambda: last_limit(one) == 10 and last_limit(two) == 10)

        async def senders() -> list[str] | None:
            """The nodes that sent the site's profiles; None while a node has not yet picked the site up
            (each node reads sites made elsewhere at its next tick)."""
            found = []
            for node in (n1, n2, n3):
                async with node.api() as api:
                    shown = (await api.get("/API/Sites/lm-depot")).json()
                if "stats" not in shown:
                    return None
                if shown["stats"]["profileMessages"]:
                    found.append(node.name)
            return found

        assert len(await eventually(senders)) == 1  # every node knows the site; one allocates it
        async with n1.api() as api:
            assert (await api.delete("/API/Sites/lm-depot")).status_code == 204


async def test_health_and_metrics_name_the_node(cluster: Cluster) -> None:
    for name in ("n1", "n2", "n3"):
        async with httpx.AsyncClient(base_url=cluster.nodes[name].http_url) as client:
            health = (await client.get("/health")).json()
            metrics = (await client.get("/metrics")).text
        assert health["node"] == name and health["redis"] == "ok" and health["database"] == "ok"
        assert f'chargegrid_node{{node="{name}"}} 1.0' in metrics


async def test_overview_and_status_of_a_charger_on_another_node(cluster: Cluster, tmp_path: Path) -> None:
    """A node started in this process joins the cluster: its UI overview shows a charger held by n1
    as online with the status n1 stored, and Status reports that connector's state."""
    cluster_settings = {"url": REDIS_URL, "key_prefix": cluster.prefix, "lease_seconds": LEASE_SECONDS}
    async with (
        run_server(cluster.database_url, tmp_path, redis=cluster_settings, node_id="inproc") as node,
        charger_at(cluster.nodes["n1"], "UI-1") as charger,
    ):
        await status(charger, 1, "Available")
        assert await node.services.connected_elsewhere(["UI-1", "NOT-CONNECTED"]) == {"UI-1"}

        async def available_tile() -> bool:
            found = [tile for tile in await tiles(node.services) if tile.charge_point_id == "UI-1"]
            return bool(found) and found[0].status_text == "Available"

        await eventually(available_tile)  # the holder stores the status through its group commits
        async with node.api() as api:
            listed = {entry["id"]: entry for entry in (await api.get("/API/Status")).json()}
        assert listed["UI-1"]["node"] == "n1" and listed["UI-1"]["OnlineConnectors"]["1"]["Status"] == 1

        # The single-charger page and the operator API call it online too, and Register reaches it.
        async with node.services.db() as db:
            state = await station_state(node.services, db, "UI-1")
        assert state.online and state.connectors[0].status == "Available"
        assert (await station(node, "UI-1"))["online"] is True
        async with node.api() as api:
            page = (await api.get("/charging-stations?limit=100")).json()  # the module adds many
        assert [e["online"] for e in page["elements"] if e["id"] == "UI-1"] == [True]
        registered = await command(node, "UI-1", "Register", {})
        assert registered.status_code == 200, registered.text
        answer = registered.json()["answer"]
        assert answer["online"] is True and answer["triggerBootNotification"] == "Accepted"
        assert charger.rec.actions()[-1] == "TriggerMessage"
