"""Display messages (2.x): set, read back and clear the messages a station shows its users.

`GET /API/DisplayMessages/{cp}` shows what the station last reported in NotifyDisplayMessages (the
parts of one GetDisplayMessages request, put together).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from chargegrid.api.auth import require_api_key
from chargegrid.api.command_http import (
    command_route,
    parse_int,
    run_command,
    send_command,
)
from chargegrid.api.reports_view import requested, stored_items_route
from chargegrid.api.request_bodies import CamelBody, body_doc, read_body
from chargegrid.ocpp.commands import (
    ClearDisplayMessage,
    GetDisplayMessages,
    MessageContent,
    SetDisplayMessage,
)
from chargegrid.ocpp.commands.display import Priority, State

router = APIRouter(tags=["Display messages"], dependencies=[Depends(require_api_key)])

CP = Path(alias="chargePointId", description="The charge point id")


class DisplayMessageBody(CamelBody):
    id: int = Field(ge=0)
    text: str = Field(min_length=1, max_length=512)
    format: Literal["ASCII", "HTML", "URI", "UTF8"] = "UTF8"
    language: str | None = Field(default=None, max_length=8)
    priority: Priority = "NormalCycle"
    state: State | None = None
    start: datetime | None = None
    end: datetime | None = None
    transaction_id: str | None = Field(default=None, max_length=36)


class GetDisplayMessagesBody(CamelBody):
    ids: list[int] = []
    priority: Priority | None = None
    state: State | None = None


_SET_EXAMPLE = {"id": 1, "text": "Welcome!", "language": "en", "priority": "InFront"}


@command_route(
    router,
    "SetDisplayMessage",
    ["/{chargePointId}"],
    summary="Show a message on a 2.x station",
    description='JSON body: {"id", "text", "format": "ASCII" | "HTML" | "URI" | "UTF8" (default), '
    '"language", "priority": "AlwaysFront" | "InFront" | "NormalCycle" (default), "state": "Charging" | '
    '"Faulted" | "Idle" | "Unavailable", "start", "end" (ISO 8601), "transactionId" (the station\'s)}. '
    'Answer: {"status": "Accepted" | "NotSupportedMessageFormat" | "Rejected" | '
    '"NotSupportedPriority" | "NotSupportedState" | "UnknownTransaction"}. OCPP 1.6: 400.',
    openapi_extra=body_doc(DisplayMessageBody, _SET_EXAMPLE),
)
async def set_display_message(request: Request, cp: str = CP) -> JSONResponse:
    body = await read_body(request, DisplayMessageBody, "SetDisplayMessage", str(_SET_EXAMPLE))
    command = SetDisplayMessage(
        message_id=body.id,
        priority=body.priority,
        state=body.state,
        start=body.start,
        end=body.end,
        transaction_id=body.transaction_id,
        message=MessageContent(text=body.text, format=body.format, language=body.language),
    )
    return await run_command(request, cp, command)


@command_route(
    router,
    "GetDisplayMessages",
    ["/{chargePointId}"],
    summary="Ask a 2.x station for the messages it holds",
    description='Optional JSON body: {"ids": [...], "priority", "state"}. Answer: {"status": "Accepted" '
    '| "Unknown" (none match), "requestId": n}. The station then sends NotifyDisplayMessages; read '
    "them with `GET /API/DisplayMessages/{chargePointId}`. OCPP 1.6: 400.",
    openapi_extra=body_doc(GetDisplayMessagesBody, {"ids": [1]}),
)
async def get_display_messages(request: Request, cp: str = CP) -> JSONResponse:
    body = GetDisplayMessagesBody()
    if await request.body():
        body = await read_body(request, GetDisplayMessagesBody, "GetDisplayMessages", '{"ids": [1]}')
    command = GetDisplayMessages(ids=tuple(body.ids), priority=body.priority, state=body.state)
    return requested(cp, await send_command(request, cp, command), command.request_id)


@command_route(
    router,
    "ClearDisplayMessage",
    ["/{chargePointId}/{messageId}"],
    summary="Remove a message from a 2.x station",
    description='Answer: {"status": "Accepted" | "Unknown"}. OCPP 1.6: 400.',
)
async def clear_display_message(
    request: Request, cp: str = CP, message_id: str = Path(alias="messageId")
) -> JSONResponse:
    return await run_command(request, cp, ClearDisplayMessage(message_id=parse_int("messageId", message_id)))


stored_items_route(
    router,
    "/API/DisplayMessages/{chargePointId}",
    name="stored_display_messages",
    kind="NotifyDisplayMessages",
    what="display messages",
    item="messageInfo",
    field="messages",
    summary="The display messages a 2.x station last reported",
    description="The NotifyDisplayMessages parts of one GetDisplayMessages request (default: the newest "
    'request), put together: {"requestId", "complete", "parts", "receivedAt", "messages": [messageInfo '
    "as the station sent it]}. 404 when the station reported none.",
)
