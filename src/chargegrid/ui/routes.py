"""The management UI at `/`: every page's router, its static files, and the first-start hint."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import APIRouter, HTTPException
from starlette.responses import FileResponse

from chargegrid.services import Services
from chargegrid.store import users as users_store
from chargegrid.ui import auth
from chargegrid.ui.pages import (
    charge_points,
    messages,
    overview,
    payments,
    pending,
    session,
    tags,
    transactions,
)

STATIC = Path(__file__).parent / "static"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

router = APIRouter(include_in_schema=False)
for page in (session, overview, charge_points, pending, tags, transactions, messages, payments):
    router.include_router(page.router)


@router.get("/ui/static/{name}")
async def static_file(name: str) -> FileResponse:
    path = STATIC / name
    if "/" in name or path.suffix not in _STATIC_TYPES or not path.is_file():
        raise HTTPException(404, f"no static file {name!r}")
    return FileResponse(
        path,
        media_type=_STATIC_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


async def start(services: Services) -> None:
    """Make the session key now (not at the first request), and say how to create the first user."""
    auth.session_secret(services.settings)
    async with services.db() as db:
        if await users_store.count(db) == 0:
            print(
                "The management UI has no user yet. Create an administrator with:\n"
                "  chargegrid user add NAME --admin\n"
                "(it asks for the password), then log in at http://<host>:<port>/",
                file=sys.stderr,
            )
    return None
