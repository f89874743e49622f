"""Jinja2 rendering for the UI: autoescaping on for every template, and the formatting filters pages share.

Autoescape is what keeps charger-supplied text (vendor names, tag names, DataTransfer data) inert: it
is always shown as text. Templates never use `|safe`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from chargegrid.ui import auth

TEMPLATES = Path(__file__).parent / "templates"


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def fmt_number(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def fmt_duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    minutes = max(int(value.total_seconds()) // 60, 0)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def path_part(value: object) -> str:
    """A value as one URL path segment (charge point ids may hold ':' or '#')."""
    return quote(str(value), safe="")


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(time=fmt_time, number=fmt_number, duration=fmt_duration, part=path_part)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    viewer: auth.Viewer | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    services = auth.services_of(request)
    values: dict[str, Any] = {
        "request": request,
        "viewer": viewer,
        "csrf_field": auth.CSRF_FIELD,
        "csrf_token": auth.web_session(request).csrf,
        "payments_enabled": bool(services.settings.stripe.api_key),
        "message": None,
        "error": None,
    }
    values.update(context)
    page = _env.get_template(template).render(**values)
    return HTMLResponse(page, status_code=status_code)


def render_fragment(template: str, context: dict[str, Any]) -> HTMLResponse:
    """A piece of a page (no layout) for the background refresh."""
    return HTMLResponse(_env.get_template(template).render(**context))
