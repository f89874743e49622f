"""Jinja2 rendering for the UI: autoescaping on for every template, gettext, and the shared filters.

Autoescape is what keeps charger-supplied text (vendor names, tag names, DataTransfer data) inert: it
is always shown as text. Templates never use `|safe`. Texts are marked `{% trans %}` / `_()` and
translated per page from the reader's language; times and numbers are formatted for the reader
(see `ui.i18n`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from starlette.responses import HTMLResponse

from chargegrid.api.dependencies import get_services
from chargegrid.ui import auth, i18n, words

TEMPLATES = Path(__file__).parent / "templates"


def fmt_time(value: datetime | None) -> str:
    """UTC, for files (CSV) that are read by programs rather than people."""
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


def _reader(context: Context) -> i18n.Reader:
    found = context.get("reader")
    return found if isinstance(found, i18n.Reader) else i18n.Reader()


@pass_context
def _time(context: Context, value: datetime | None) -> str:
    return _reader(context).time(value)


@pass_context
def _number(context: Context, value: float | None, digits: int = 3) -> str:
    return _reader(context).number(value, digits)


@pass_context
def _status_words(context: Context, value: str | None) -> str:
    return _reader(context).gettext(words.status(value))


def _with_query(base: dict[str, Any], **changes: Any) -> str:
    """This page's query string with some parameters changed (for paging and sort links)."""
    merged = {k: v for k, v in {**base, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged)


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
_env.filters.update(
    time=_time,
    number=_number,
    duration=fmt_duration,
    part=path_part,
    status_words=_status_words,
)
_env.globals.update(with_query=_with_query)


def reader_of(request: Request, viewer: auth.Viewer | None) -> i18n.Reader:
    return i18n.reader(
        viewer.language if viewer else None,
        request.headers.get("accept-language", ""),
        viewer.time_zone if viewer else None,
        unquote(request.cookies.get(i18n.TZ_COOKIE) or ""),
    )


def gettext_for(request: Request, viewer: auth.Viewer | None) -> Any:
    """`_` for texts made in Python (flash messages) on this request's page."""
    return reader_of(request, viewer).gettext


def _render(template: str, reader: i18n.Reader, values: dict[str, Any]) -> str:
    # Rendering is synchronous: no other request runs between installing this reader's catalogue
    # and the end of this render.
    _env.install_gettext_translations(i18n.translations(reader.language), newstyle=True)  # type: ignore[attr-defined]
    return _env.get_template(template).render(reader=reader, **values)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    viewer: auth.Viewer | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    services = get_services(request)
    reader = reader_of(request, viewer)
    values: dict[str, Any] = {
        "request": request,
        "viewer": viewer,
        "csrf_field": auth.CSRF_FIELD,
        "csrf_token": auth.web_session(request).csrf,
        "payments_enabled": bool(services.settings.stripe.api_key),
        "message": None,
        "error": None,
        "language": reader.language,
    }
    values.update(context)
    return HTMLResponse(_render(template, reader, values), status_code=status_code)


def render_fragment(
    request: Request, template: str, context: dict[str, Any], viewer: auth.Viewer
) -> HTMLResponse:
    """A piece of a page (no layout) for the background refresh."""
    reader = reader_of(request, viewer)
    return HTMLResponse(_render(template, reader, {"viewer": viewer, **context}))
