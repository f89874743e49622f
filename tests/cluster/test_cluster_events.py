"""Live event streams (`GET /API/Events`) across the cluster: a stream on any node gets the events made on
another node when they are numbered, not at its next poll."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest

from tests.cluster.conftest import STREAM_POLL_SECONDS, Cluster, Node, charger_at

pytestmark = pytest.mark.timeout(90)

# Far below the streams' fallback poll in this cluster (STREAM_POLL_SECONDS), generous for a loaded machine.
WAIT_SECONDS = STREAM_POLL_SECONDS / 4


async def _listen(node: Node, cp_id: str, connected: asyncio.Event, seen: list[dict[str, Any]]) -> None:
    """Follow node's stream for `cp_id`'s events; `connected` is set once the stream has started."""
    async with (
        node.api() as api,
        api.stream(
            "GET", "/API/Events", params={"chargePointId": cp_id}, timeout=STREAM_POLL_SECONDS * 2
        ) as r,
    ):
        assert r.status_code == 200, await r.aread()
        async for line in r.aiter_lines():
            if line.startswith(": connected"):
                connected.set()
            elif line.startswith("data: "):
                seen.append(json.loads(line.removeprefix("data: ")))
                return


async def test_every_nodes_stream_gets_an_event_made_on_another_node_without_waiting_for_its_poll(
    cluster: Cluster,
) -> None:
    # One node numbers the cluster's events (the sequencer's lease holder) and wakes its own streams;
    # with a stream on each of the three nodes, at least two depend on the wake-up through Redis.
    nodes = [cluster.nodes[name] for name in ("n1", "n2", "n3")]
    cp_id = "SSE-MOVE-1"
    started = [asyncio.Event() for _ in nodes]
    seen: list[list[dict[str, Any]]] = [[] for _ in nodes]
    streams = [
        asyncio.create_task(_listen(node, cp_id, ready, got))
        for node, ready, got in zip(nodes, started, seen, strict=True)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in started)), 30)
        async with charger_at(nodes[1], cp_id):  # its charger.connected event is made on n2
            done, _ = await asyncio.wait(streams, timeout=WAIT_SECONDS)
        late = [node.name for node, task in zip(nodes, streams, strict=True) if task not in done]
        assert not late, (
            f"streams on {late} did not get {cp_id}'s event made on n2 within {WAIT_SECONDS:.0f} s "
            f"(their poll is {STREAM_POLL_SECONDS:.0f} s: the Redis wake-up did not reach them)\n"
            + cluster.logs()
        )
        for task in streams:
            task.result()  # a stream that failed says why
        for node, got in zip(nodes, seen, strict=True):
            assert [(e["type"], e["chargePointId"]) for e in got] == [("charger.connected", cp_id)], node.name
    finally:
        for task in streams:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
