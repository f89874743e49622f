"""One mapping from a command's end to HTTP, used by every face that answers in HTTP.

- an `Outcome` with the charger's answer → 200 with its status (and what else the face adds);
- Timeout → 200 `{"status": "Timeout"}` (the seed's answer); Offline → 404;
- CallError / InvalidResponse / Disconnected → 502 saying what happened;
- a `CommandError` (nothing sent) → 400, or 500 for our own dialect's bug (`command_error_response`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from chargegrid.ocpp.commands import (
    CommandError,
    DialectBug,
    Outcome,
    OutcomeStatus,
)


def outcome_response(
    charge_point_id: str, outcome: Outcome, body: dict[str, Any] | None = None
) -> JSONResponse:
    """The HTTP answer for `outcome`; `body` (default `{"status": ...}`) is used when the charger answered."""
    status = outcome.status
    if status is OutcomeStatus.Offline:
        return JSONResponse(
            {
                "detail": f"charge point {charge_point_id!r} is not connected: "
                "check the id and that the charger is online"
            },
            404,
        )
    if status is OutcomeStatus.Timeout:
        return JSONResponse({"status": "Timeout"}, 200)
    if status is OutcomeStatus.CallError:
        return JSONResponse(
            {"status": "CallError", "errorCode": outcome.error_code, "description": outcome.description}, 502
        )
    if status is OutcomeStatus.InvalidResponse:
        return JSONResponse({"status": "InvalidResponse", "description": outcome.description}, 502)
    if status is OutcomeStatus.Disconnected:
        return JSONResponse(
            {
                "status": "Disconnected",
                "detail": f"charge point {charge_point_id!r} disconnected before answering; "
                "the command may or may not have been carried out",
            },
            502,
        )
    return JSONResponse(body if body is not None else {"status": status.value})


def command_error_response(exc: CommandError) -> JSONResponse:
    if isinstance(exc, DialectBug):
        return JSONResponse({"detail": str(exc)}, 500)
    return JSONResponse({"detail": str(exc)}, 400)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def invalid_command_values_handler(request: Request, exc: Exception) -> JSONResponse:
    """A face built a command from the caller's values and pydantic refused one: 400 naming the field
    in the API's camelCase (e.g. `idTag: String should have at most 36 characters`)."""
    assert isinstance(exc, ValidationError)
    problems = "; ".join(
        f"{'.'.join(_camel(str(part)) for part in error['loc']) or 'value'}: {error['msg']}"
        for error in exc.errors()
    )
    return JSONResponse({"detail": f"cannot send {exc.title}: {problems}"}, 400)


async def command_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Registered on the app for `CommandError`, so every route can let it rise."""
    assert isinstance(exc, CommandError)
    return command_error_response(exc)
