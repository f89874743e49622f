"""Reading a version-neutral charging profile from a request's JSON body (400 naming the field if bad)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from chargegrid.api.command_http import bad_request
from chargegrid.domain.charging_profiles import ChargingProfile


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request("the body is not JSON: send a JSON object") from None


async def profile_in_body(request: Request, key: str | None = None) -> ChargingProfile | None:
    """The profile in the body (under `key`, or the body itself); None when there is none. A bad profile
    raises pydantic's ValidationError, which the app answers 400 naming the camelCase field."""
    body = await json_body(request)
    if key is not None:
        if body is None:
            return None
        if not isinstance(body, dict):
            raise bad_request(f'the body must be a JSON object, e.g. {{"{key}": {{...}}}}')
        body = body.get(key)
        if body is None:
            return None
    if not isinstance(body, dict):
        raise bad_request("the charging profile must be a JSON object")
    return ChargingProfile.model_validate(body)
