"""Payload validation against the OCA JSON schemas shipped by the `ocpp` package.

The schemas are compiled with fastjsonschema (about 10x faster than the `ocpp` package's jsonschema
path), once per (version, action, direction), lazily and cached.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema

from chargegrid.ocpp.versions import ErrorKind, OcppVersion

Validator = Callable[[Any], Any]

# fastjsonschema rule name → the OCPP-J error it means.
_RULE_KIND = {
    "required": ErrorKind.occurrence,
    "minItems": ErrorKind.occurrence,
    "maxItems": ErrorKind.occurrence,
    "type": ErrorKind.type,
    "additionalProperties": ErrorKind.format,
}


class SchemaViolation(Exception):
    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _strip_multiple_of(node: Any) -> Any:
    # 1.6 schemas declare multipleOf 0.1 on decimals; binary floats (21.4) fail such checks spuriously.
    if isinstance(node, dict):
        return {k: _strip_multiple_of(v) for k, v in node.items() if k != "multipleOf"}
    if isinstance(node, list):
        return [_strip_multiple_of(v) for v in node]
    return node


def _schema_file(version: OcppVersion, action: str, response: bool) -> str:
    if version is OcppVersion.v16:
        return f"{action}Response.json" if response else f"{action}.json"
    return f"{action}Response.json" if response else f"{action}Request.json"


@cache
def validator(version: OcppVersion, action: str, response: bool) -> Validator | None:
    """The compiled validator, or None when the version has no such action."""
    folder = resources.files("ocpp") / version.schema_package / "schemas"
    path = folder / _schema_file(version, action, response)
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema.pop("$schema", None)  # draft-04 ids confuse fastjsonschema's draft detection
    schema.pop("$id", None)
    schema.pop("id", None)
    return fastjsonschema.compile(_strip_multiple_of(schema))


def known_action(version: OcppVersion, action: str) -> bool:
    return validator(version, action, False) is not None


def validate(version: OcppVersion, action: str, payload: Any, response: bool = False) -> None:
    """Raise SchemaViolation (with the OCPP-J error kind) when payload does not fit the schema."""
    check = validator(version, action, response)
    if check is None:
        raise SchemaViolation(ErrorKind.not_implemented, f"{action} is not an OCPP {version.value} action")
    try:
        check(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        kind = _RULE_KIND.get(exc.rule or "", ErrorKind.property)
        if exc.rule == "type" and exc.name == "data":
            kind = ErrorKind.format  # the payload itself is not an object
        raise SchemaViolation(kind, exc.message.replace("data.", "").replace("data ", "payload ")) from None
