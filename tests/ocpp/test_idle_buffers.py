"""The list stand-ins for websockets' per-connection deques: same queue behaviour, and really installed."""

from __future__ import annotations

from collections import deque

from websockets.asyncio.messages import Assembler
from websockets.asyncio.server import ServerConnection
from websockets.server import ServerProtocol

from chargegrid.ocpp.idle_buffers import FrameQueue, shrink_idle_buffers


def test_frame_queue_keeps_the_order_a_deque_keeps() -> None:
    ours: FrameQueue[int] = FrameQueue()
    theirs: deque[int] = deque()
    for queue in (ours, theirs):
        assert not queue
        queue.append(1)
        queue.append(2)
        queue.extendleft(reversed([8, 9]))  # websockets' put_back
        queue.appendleft(7)
    assert list(ours) == list(theirs) == [7, 8, 9, 1, 2]
    assert [ours.popleft() for _ in range(5)] == [theirs.popleft() for _ in range(5)]
    assert len(ours) == len(theirs) == 0


async def test_a_connection_of_the_installed_websockets_gets_the_lists() -> None:
    # Fails when a websockets upgrade renames or retypes the two queues: the ~1.4 KB per idle charger
    # would then come back unnoticed.
    connection = ServerConnection(ServerProtocol(), server=None)  # type: ignore[arg-type]
    connection.recv_messages = Assembler()  # as connection_made makes it
    shrink_idle_buffers(connection)
    assert type(connection.drain_waiters) is list
    assert type(connection.recv_messages.frames.queue) is FrameQueue


async def test_a_queue_in_use_is_left_alone() -> None:
    connection = ServerConnection(ServerProtocol(), server=None)  # type: ignore[arg-type]
    connection.recv_messages = Assembler()
    connection.recv_messages.frames.queue.append(object())  # type: ignore[arg-type]
    shrink_idle_buffers(connection)
    assert type(connection.recv_messages.frames.queue) is deque
