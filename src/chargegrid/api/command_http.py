"""How the OCPP.Core-style API turns a URL into a command and a command's outcome into an HTTP answer.

Shared by `core_api.py` (the seed's routes) and `station_operations.py` (the commands beyond the seed):
- `command_route` registers one command under GET and POST (OCPP.Core uses GET), with its optional
  trailing segments, its aliases and its OpenAPI summary, and remembers its usage for error messages;
- `run_command` sends a typed command through `services.commands`; `api/outcomes.py` maps its outcome;
- the `parse_*` helpers turn path/query text into values or a 400 naming the parameter;
- `UnknownCommandRoute` answers any other `/API/...` path: 404 listing the known commands, or 400 with
  the usage when a known command lacks segments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from chargegrid.api.auth import API_KEY_HEADER, UNAUTHORIZED_RESPONSE, is_authenticated, require_scope
from chargegrid.api.dependencies import get_services
from chargegrid.api.outcomes import outcome_response
from chargegrid.events import actors
from chargegrid.ocpp.commands import Command, Outcome, OutcomeStatus
from chargegrid.services import Services

log = logging.getLogger("chargegrid.api")

B = TypeVar("B", bound=BaseModel)

# command name → the paths it answers (filled by `command_route`), for 404/400 messages.
USAGES: dict[str, list[str]] = {}

COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": 'The charger\'s answer, e.g. {"status": "Accepted"}; {"status": "Timeout"} '
        "when it did not answer within CHARGEGRID_CALL_TIMEOUT seconds",
    },
    400: {"description": "A parameter is missing or malformed; `detail` says which"},
    **UNAUTHORIZED_RESPONSE,
    404: {"description": "The charge point is unknown or not connected"},
    500: {"description": "Chargegrid built an invalid OCPP message (a bug; the log has the details)"},
    502: {
        "description": "The charger answered with a CallError "
        '({"status": "CallError", "errorCode": ..., "description": ...}), with an answer that breaks '
        'the OCPP schema ({"status": "InvalidResponse", "description": ...}), or disconnected before '
        'answering ({"status": "Disconnected"}; the command may or may not have been carried out)',
    },
}


def bad_request(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


def command_route(
    router: APIRouter,
    command: str,
    suffixes: list[str],
    *,
    summary: str,
    description: str,
    aliases: tuple[str, ...] = (),
    responses: dict[int | str, dict[str, Any]] | None = None,
    openapi_extra: dict[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `endpoint` at /API/{command}{suffix} for every suffix, under GET and POST."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        for name in (command, *aliases):
            USAGES[name] = [f"/API/{name}{suffix}" for suffix in suffixes]
            text = description if name == command else f"Alias of `{command}` (OCPP.Core's code name).\n\n"
            for index, suffix in enumerate(suffixes):
                for method in ("GET", "POST"):
                    router.add_api_route(
                        f"/API/{name}{suffix}",
                        endpoint,
                        methods=[method],
                        summary=summary if name == command else f"{summary} (alias)",
                        description=text if name == command else text + description,
                        operation_id=f"{method.lower()}_{name}_{index}",
                        responses={**COMMAND_RESPONSES, **(responses or {})},
                        response_model=None,
                        openapi_extra=openapi_extra,
                        dependencies=[require_scope(actors.Scope.command)],
                    )
        return endpoint

    return register


async def run_command(
    request: Request, charge_point_id: str, command: Command, *, full: bool = False
) -> JSONResponse:
    """Send a command and answer the seed's `{"status": ...}` (with `full`, the rest of the answer too)."""
    outcome = await send_command(request, charge_point_id, command)
    body: dict[str, Any] = {"status": outcome.status.value}
    if full:
        body.update({k: v for k, v in outcome.payload.items() if k != "status"})
    return outcome_response(charge_point_id, outcome, body)


async def send_command(request: Request, charge_point_id: str, command: Command) -> Outcome:
    """The charger's outcome. A `CommandError` (nothing sent) rises to the app's handler (400/500)."""
    return await get_services(request).commands.execute(charge_point_id, command, actor=actor_of(request))


def actor_of(request: Request) -> str | None:
    """Who sent the request, for the audit trail (set by the auth dependency when it knows)."""
    actor = getattr(request.state, "actor", None)
    return actor if isinstance(actor, str) else None


def is_reachable(services: Services, charge_point_id: str) -> bool:
    """Connected here, or (in a cluster) possibly on another node that `commands` forwards to."""
    return charge_point_id in services.registry or services.commands.remote is not None


def offline_response(charge_point_id: str) -> JSONResponse:
    return outcome_response(charge_point_id, Outcome(OutcomeStatus.Offline))


# ---- parameters ---------------------------------------------------------------------------------


def parse_int(name: str, text: str | None, *, minimum: int = 0, default: int | None = None) -> int:
    if text is None or text == "":
        if default is not None:
            return default
        raise bad_request(f"{name} is missing: give a whole number ≥ {minimum}")
    try:
        value = int(text)
    except ValueError:
        raise bad_request(f"{name} {text!r} is not a whole number: give one ≥ {minimum}") from None
    if value < minimum:
        raise bad_request(f"{name} {value} is too small: give a whole number ≥ {minimum}")
    return value


def parse_time(name: str, text: str | None, default: datetime | None = None) -> datetime:
    """ISO 8601; a time without zone is taken as UTC."""
    if not text:
        if default is not None:
            return default
        raise bad_request(f"{name} is missing: give an ISO 8601 time, e.g. 2030-01-31T18:00:00Z")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise bad_request(
            f"{name} {text!r} is not an ISO 8601 time: write e.g. 2030-01-31T18:00:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_choice(name: str, text: str, choices: dict[str, Any]) -> Any:
    """Case-insensitive pick among `choices` (lower-case keys)."""
    value = choices.get(text.lower())
    if value is None:
        raise bad_request(f"{name} {text!r} is not allowed: use one of {', '.join(sorted(choices))}")
    return value


def parse_json_body(model: type[B], raw: bytes, command: str) -> B:
    """The request body as `model`, or a 400 naming each field that breaks it."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise bad_request(f"{command} body is not valid: {problems}") from None


def json_body_doc(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """OpenAPI for a route that reads its JSON body itself (so its other parameters stay query ones)."""
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


# ---- everything else under /API -----------------------------------------------------------------


class UnknownCommandRoute(BaseRoute):
    """Answers `/API/...` paths no other route took, after every face's routes had their chance.

    It matches only partially, so Starlette uses it last and only when no route matched the path at
    all (a route that matched the path but not the method still gets its 405).
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == "/API" or path.startswith("/API/")):
            return Match.PARTIAL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if not await is_authenticated(request):
            response = JSONResponse(
                {"detail": f"Missing or wrong {API_KEY_HEADER} header: send the node's API key in it."},
                401,
                headers={"WWW-Authenticate": API_KEY_HEADER},
            )
        else:
            response = unknown_path_response(scope["path"])
        await response(scope, receive, send)


def unknown_path_response(path: str) -> JSONResponse:
    parts = [p for p in path.split("/")[2:] if p]
    command = parts[0] if parts else ""
    if command in USAGES:
        usage = " or ".join(USAGES[command])
        return JSONResponse(
            {"detail": f"{command} needs more (or fewer) path segments than {path!r}: use {usage}"}, 400
        )
    known = ", ".join(sorted(USAGES))
    hint = next((c for c in USAGES if c.lower() == command.lower()), None)
    did_you_mean = f" (did you mean {hint}? commands are case-sensitive)" if hint else ""
    return JSONResponse(
        {"detail": f"unknown command {command!r}{did_you_mean}: known commands are {known}"}, 404
    )
