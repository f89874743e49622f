"""Background loops stop when cancelled, even when the cancel reaches them as a library's error."""

from __future__ import annotations

import asyncio

from chargegrid.background import raise_if_stopping, stopping


class Driver:
    """Like a database driver interrupted mid-connect: the first cancel comes out as a connection error."""

    def __init__(self) -> None:
        self.converted = 0

    async def call(self) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            if self.converted:
                raise
            self.converted += 1
            raise ConnectionError("connection was closed in the middle of operation") from None


async def _retrying_loop(driver: Driver, errors: list[str]) -> None:
    while True:
        try:
            await driver.call()
        except Exception as exc:
            raise_if_stopping()
            errors.append(str(exc))
        await asyncio.sleep(0.01)


async def test_a_retrying_loop_stops_when_cancelled_mid_call() -> None:
    driver, errors = Driver(), []
    task = asyncio.create_task(_retrying_loop(driver, errors))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.wait({task}, timeout=2)
    try:
        assert driver.converted == 1
        assert task.done(), "the loop swallowed its cancel and ran on"
        assert task.cancelled()
        assert errors == []  # the converted cancel was not logged and retried
    finally:
        task.cancel()  # (a failed run: the driver lets the second cancel through)


async def test_not_stopping_outside_a_cancel() -> None:
    assert not stopping()
    raise_if_stopping()  # nothing to do
