"""Baseline (c): a bare `websockets` server that answers every OCPP CALL with ``[3, id, {}]``.

No OCPP library, no validation, no persistence: the ceiling for any Python websocket server here.
Usage: python bench/baselines/echo_server.py --port 9001
"""

from __future__ import annotations

import argparse
import asyncio

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed


async def handler(ws: ServerConnection) -> None:
    try:
        async for msg in ws:
            text = msg if isinstance(msg, str) else msg.decode()
            if text.startswith("[2,"):
                msg_id = text.split('"', 2)[1]
                await ws.send(f'[3,"{msg_id}",{{}}]')
    except ConnectionClosed:
        pass


async def main(host: str, port: int) -> None:
    async with serve(handler, host, port, subprotocols=["ocpp1.6", "ocpp2.0.1"]) as server:  # type: ignore[list-item]
        await server.serve_forever()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9001)
    a = ap.parse_args()
    asyncio.run(main(a.host, a.port))
