"""The management UI at `/`: every page's router, its static files, and the first-start hint."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from fastapi import APIRouter, HTTPException
from starlette.responses import FileResponse

from chargegrid.services import Services
from chargegrid.store import users as users_store
from chargegrid.ui import auth
from chargegrid.ui.pages import (
    audit,
    charge_points,
    events,
    messages,
    overview,
    payments,
    pending,
    security,
    session,
    sites,
    start_outcome,
    tags,
    transactions,
    users,
)

STATIC = Path(__file__).parent / "static"
_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}

router = APIRouter(include_in_schema=False)
for page in (
    session,
    overview,
    charge_points,
    sites,
    start_outcome,
    pending,
    tags,
    transactions,
    messages,
    events,
    security,
    payments,
    users,
    audit,
):
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


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    """Browsers ask for it on every site; an SVG icon (every current browser takes one here)."""
    return FileResponse(
        STATIC / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


# Set by `chargegrid serve` from its --host/--port, for the first-start hint.
listen_url: str | None = None


def url_for_people(host: str, port: int) -> str:
    """The address to open in a browser: a wildcard host means this machine (localhost here)."""
    if host in ("0.0.0.0", "::", ""):
        return f"http://127.0.0.1:{port}/ (or this machine's address from elsewhere)"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def cli_command() -> str:
    """How to run `chargegrid` as this process was started: the bare name when it is on PATH."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if program is not None and program.name == "chargegrid":
        found = shutil.which("chargegrid")
        if found is not None and Path(found).resolve() == program.resolve():
            return "chargegrid"
        return str(program)
    return "chargegrid" if shutil.which("chargegrid") else f"{sys.executable} -m chargegrid"


async def start(services: Services) -> None:
    """Make the session key now (not at the first request), and say how to create the first user."""
    auth.session_secret(services.settings)
    async with services.db() as db:
        if await users_store.count(db) == 0:
            where = listen_url or "this server's address"
            print(
                "The management UI has no user yet. Create an administrator with:\n"
                f"  {cli_command()} user add NAME --admin\n"
                f"(it asks for the password), then log in at {where}",
                file=sys.stderr,
            )
    return None
