"""The X-API-Key check shared by every HTTP face (OCPP.Core API, admin, operator, payments).

Use it as a router dependency: `APIRouter(dependencies=[Depends(require_api_key)])`. The key lives in
`services.api_key` (CHARGEGRID_API_KEY, or generated at first start). It is compared in constant time,
and a missing or wrong key is a 401 JSON answer saying what to send; the key itself is never echoed.
Declaring the dependency through `APIKeyHeader` makes OpenAPI show the scheme (the "Authorize" button).
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader

API_KEY_HEADER = "X-API-Key"

api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name="ApiKey",
    description="The node's API key (CHARGEGRID_API_KEY, or the key generated into "
    "<data_dir>/.chargegrid-api-key at first start).",
    auto_error=False,  # we answer 401 with our own message instead of FastAPI's 403
)


def key_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so the answer's timing says nothing about how much of the key was right."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_api_key(request: Request, given: str | None) -> None:
    """Raise a 401 HTTPException unless `given` is the node's API key."""
    if not given:
        raise HTTPException(
            status_code=401,
            detail=f"Missing {API_KEY_HEADER} header: send the node's API key in it.",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
    if not key_matches(given, request.app.state.services.api_key):
        raise HTTPException(
            status_code=401,
            detail=f"Wrong {API_KEY_HEADER}: use the key set in CHARGEGRID_API_KEY "
            "(or the one generated into <data_dir>/.chargegrid-api-key).",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )


async def require_api_key(request: Request, api_key: str | None = Security(api_key_scheme)) -> None:
    """FastAPI dependency: the request carries the right X-API-Key, or it is answered 401."""
    check_api_key(request, api_key)


UNAUTHORIZED_RESPONSE: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "Missing or wrong X-API-Key",
        "content": {"application/json": {"example": {"detail": "Missing X-API-Key header: ..."}}},
    }
}
