"""JSON request bodies of the command routes: camelCase models, read with a 400 that names the field.

The routes read the body themselves (not as a FastAPI parameter) because they answer GET and POST
alike and because a bad body must be a 400 in the API's words, like every other bad parameter.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from chargegrid.api.command_http import bad_request

M = TypeVar("M", bound=BaseModel)


# A body written in camelCase, strict about unknown fields. A body that has the fields of a command's
# part subclasses that part with this config, so the field rules are written once (in the command).
CAMEL = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class CamelBody(BaseModel):
    """A request body of its own, written in camelCase."""

    model_config = CAMEL


def body_doc(model: type[BaseModel], example: dict[str, Any] | None = None) -> dict[str, Any]:
    """OpenAPI `openapi_extra` describing `model` as the JSON request body."""
    content: dict[str, Any] = {"schema": model.model_json_schema(by_alias=True)}
    if example is not None:
        content["example"] = example
    return {"requestBody": {"required": True, "content": {"application/json": content}}}


async def read_body(request: Request, model: type[M], what: str, example: str) -> M:
    raw = await request.body()
    if not raw:
        raise bad_request(f"{what} needs a JSON body, e.g. {example}")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise bad_request(f"{what} body is not valid: {problems}") from None
