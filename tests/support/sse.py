"""Reading Server-Sent Events from a streaming httpx response, for the event stream tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx


async def read_events(response: httpx.Response, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The next `count` SSE messages: {"id", "event", "data"}."""
    messages: list[dict[str, Any]] = []
    fields: dict[str, str] = {}

    async def collect() -> None:
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue  # comment: connected / keep-alive
            if line == "":
                if fields:
                    messages.append({**fields, "data": json.loads(fields["data"])})
                    fields.clear()
                    if len(messages) == count:
                        return
                continue
            name, _, value = line.partition(": ")
            fields[name] = value

    await asyncio.wait_for(collect(), timeout)
    return messages
