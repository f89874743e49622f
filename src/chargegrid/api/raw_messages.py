"""`POST /API/Ocpp/{chargePointId}/{Action}`: any message a central system may send, as the caller wrote it.

For the OCPP features that have no friendly route (yet), and for testing chargers: the body is the OCPP
request payload (camelCase JSON) of the charger's negotiated version. It is checked against that
version's schema before anything is sent; the answer is the charger's whole payload.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from chargegrid.api.auth import require_scope
from chargegrid.api.command_http import COMMAND_RESPONSES, bad_request, send_command
from chargegrid.api.outcomes import outcome_response
from chargegrid.events.actors import Scope
from chargegrid.ocpp.actions import CSMS_ACTIONS
from chargegrid.ocpp.commands import RawMessage

router = APIRouter(tags=["Raw OCPP messages"], dependencies=[require_scope(Scope.command)])

_ALL_ACTIONS = frozenset().union(*CSMS_ACTIONS.values())


def _actions_doc() -> str:
    lines = [
        f"- **{version.value}**: {', '.join(sorted(actions))}" for version, actions in CSMS_ACTIONS.items()
    ]
    return "\n".join(lines)


@router.post(
    "/API/Ocpp/{chargePointId}/{action}",
    summary="Send any CSMS-initiated OCPP message",
    description="The body is the request payload of `action` in the charger's OCPP version (camelCase "
    "JSON, as the specification writes it). Answer: "
    '`{"status": <the answer\'s top-level status, or null>, "payload": <the charger\'s whole answer>}`; '
    '`{"status": "Timeout"}` when the charger does not answer within CHARGEGRID_CALL_TIMEOUT. 400 when '
    "the action is not one a central system sends in the charger's version, or the payload breaks its "
    "schema (the field is named); nothing is sent then. The message log records these like every "
    "other frame.\n\nActions per version:\n\n" + _actions_doc(),
    responses={
        **COMMAND_RESPONSES,
        200: {
            "description": '{"status": "Accepted" | ... | null, "payload": {...}} or {"status": "Timeout"}'
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}, "example": {"type": "Soft"}}},
        }
    },
)
async def send_raw(
    request: Request,
    charge_point_id: str = Path(alias="chargePointId"),
    action: str = Path(description="The OCPP action, e.g. GetBaseReport"),
) -> JSONResponse:
    if action not in _ALL_ACTIONS:
        hint = next((a for a in _ALL_ACTIONS if a.lower() == action.lower()), None)
        did_you_mean = f" (did you mean {hint}? actions are case-sensitive)" if hint else ""
        raise bad_request(
            f"{action!r} is not a message a central system sends in any OCPP version{did_you_mean}: "
            "see GET /docs for the actions of each version"
        )
    payload = _json_object(await request.body())
    outcome = await send_command(request, charge_point_id, RawMessage(action=action, payload=payload))
    raw = outcome.raw or {}
    status = raw.get("status")
    body = {"status": status if isinstance(status, str) else None, "payload": raw}
    return outcome_response(charge_point_id, outcome, body)


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise bad_request(
            f"the body is not valid JSON ({exc}): send the OCPP payload as a JSON object"
        ) from None
    if not isinstance(payload, dict):
        raise bad_request('the body must be a JSON object: the OCPP request payload, e.g. {"type": "Soft"}')
    return payload
