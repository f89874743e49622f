"""Customer information (2.x): what a station keeps about one customer, reported and/or cleared."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from chargegrid.ocpp.commands.base import Command
from chargegrid.ocpp.commands.certificates import CertificateHash
from chargegrid.ocpp.requests import next_request_id

TokenType = Literal[
    "Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "NoAuthorization"
]


class CustomerInformation(Command):
    """Exactly one of `customer_identifier`, `id_token`, `certificate` names the customer."""

    kind: Literal["CustomerInformation"] = "CustomerInformation"
    request_id: int = Field(default_factory=next_request_id, ge=0)
    report: bool = True
    clear: bool = False
    customer_identifier: str | None = Field(default=None, min_length=1, max_length=64)
    id_token: str | None = Field(default=None, min_length=1, max_length=36)
    id_token_type: TokenType = "ISO14443"
    certificate: CertificateHash | None = None

    @model_validator(mode="after")
    def _one_customer(self) -> CustomerInformation:
        named = [self.customer_identifier, self.id_token, self.certificate]
        if sum(x is not None for x in named) != 1:
            raise ValueError("name the customer with exactly one of customerIdentifier, idToken, certificate")
        if not (self.report or self.clear):
            raise ValueError("ask for report, clear or both")
        return self
