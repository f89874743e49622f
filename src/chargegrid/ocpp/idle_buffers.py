"""Smaller stand-ins for two queues every `websockets` connection creates and an idle charger never fills.

`websockets`' asyncio connection makes two `collections.deque`s per connection: the frames waiting for
`recv()` (its `Assembler`'s queue) and the writers waiting for the socket to drain. A deque allocates its
first 64-slot block at once: ~760 bytes each, kept for as long as the charger stays connected (tracemalloc,
1,000 idle chargers). Our text frames bypass the first (`OcppConnection.process_event`) and the second holds
something only while the socket's write buffer is full, so both are nearly always empty. An empty list is
~56 bytes and grows only when used.

Only the exact attributes of the versions we know are replaced, and only while they are empty deques; a
`websockets` that names or uses them otherwise keeps its own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")


class FrameQueue(list[T]):
    """The deque operations `websockets.asyncio.messages.SimpleQueue` uses, on a list (a few items at most:
    the connection pauses reading at its high-water mark)."""

    __slots__ = ()

    def popleft(self) -> T:
        return self.pop(0)

    def appendleft(self, item: T) -> None:
        self.insert(0, item)

    def extendleft(self, items: Iterable[T]) -> None:
        for item in items:  # as deque.extendleft: each item goes to the front in turn
            self.insert(0, item)


def shrink_idle_buffers(connection: Any) -> None:
    """Replace the connection's two empty deques by lists (see the module's docstring)."""
    if type(connection.__dict__.get("drain_waiters")) is deque and not connection.drain_waiters:
        # Used as: iterate, append, remove: all of them list operations.
        connection.drain_waiters = []
    frames = getattr(getattr(connection, "recv_messages", None), "frames", None)
    if frames is not None and type(getattr(frames, "queue", None)) is deque and not frames.queue:
        frames.queue = FrameQueue()
