"""A password guesser for the attack tests, run as its own process (attackers are other machines: their
handshakes must not share the server's event loop). Prints one JSON list of HTTP statuses.

Usage: python -m tests.security.guesser URL COUNT ID,ID,... ADDRESS,ADDRESS,...
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys

import websockets


async def guess(url: str, cp_id: str, source: str, password: str) -> int:
    token = base64.b64encode(f"{cp_id}:{password}".encode()).decode()
    try:
        ws = await websockets.connect(
            f"{url}/{cp_id}",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers={"Authorization": f"Basic {token}"},
            open_timeout=60,
            local_addr=(source, 0),
        )
    except websockets.InvalidStatus as exc:
        return exc.response.status_code
    except (OSError, TimeoutError):
        return 0
    await ws.close()
    return 101


async def main(url: str, count: int, ids: list[str], addresses: list[str]) -> None:
    """All guesses at once; says "started" when the server has answered the first 10 (it is busy now)."""
    tasks = [
        asyncio.create_task(guess(url, ids[i % len(ids)], addresses[i % len(addresses)], f"guess-{i:05d}"))
        for i in range(count)
    ]
    answered = 0
    for done in asyncio.as_completed(tasks):
        await done
        answered += 1
        if answered == min(10, count):
            print("started", flush=True)
    print(json.dumps([task.result() for task in tasks]), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4].split(",")))
