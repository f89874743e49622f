"""The typed FastAPI dependency through which every HTTP face (API, operator API, UI) reaches the node's
services: a route declares `services: ServicesDep` and mypy checks what it does with them.

`get_services` is the one place that reads `app.state.services` (set by the lifespan in `app.py`); code
that runs outside a route's signature (auth dependencies, the UI's page rendering, fallback routes) calls it
with the request it already has.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from chargegrid.services import Services


def get_services(connection: HTTPConnection) -> Services:
    """The node's services, built at start-up (a request before the lifespan ran has none: a bug)."""
    services: Services = connection.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
