"""What every operator API route shares: JSON in Motown's media type, error answers."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import HTTPException, Request
from fastapi.responses import Response

MOTOWN_MEDIA_TYPE = "application/vnd.io.motown.operator-api-v1+json"
JSON_MEDIA_TYPE = "application/json"


def refuse(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)


def json_answer(request: Request, body: Any, status: int = 200) -> Response:
    """JSON in the media type the client asked for: Motown's own when it names it, plain JSON otherwise."""
    media_type = (
        MOTOWN_MEDIA_TYPE if MOTOWN_MEDIA_TYPE in request.headers.get("accept", "") else JSON_MEDIA_TYPE
    )
    return Response(orjson.dumps(body), status_code=status, media_type=media_type)


async def json_body(request: Request) -> Any:
    """The request body as JSON, whatever JSON media type it was sent with (Motown's included)."""
    raw = await request.body()
    if not raw.strip():
        raise refuse(400, 'The body is empty: send a JSON array ["CommandName", {payload}].')
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise refuse(400, f'The body is not valid JSON ({exc}): send ["CommandName", {{payload}}].') from None
