"""Background loops that retry after a failure, yet still stop when their task is cancelled.

A cancellation that arrives while a library is in the middle of I/O can come out of it as that library's
own error (a database connect or a Redis read interrupted by the cancel). A loop that logs errors and
tries again would swallow the stop and run on, and the node would never finish shutting down (seen under
load: a worker of `serve --workers 2` hung on SIGTERM). Every such `except Exception` asks
`raise_if_stopping()` first.
"""

from __future__ import annotations

import asyncio


def stopping() -> bool:
    """True when the running task has been asked to stop (cancelled), whatever error reached us."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def raise_if_stopping() -> None:
    """In an error handler of a background loop: go on stopping instead of retrying."""
    if stopping():
        raise asyncio.CancelledError
