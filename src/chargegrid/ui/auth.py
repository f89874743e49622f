"""Login sessions and CSRF protection for the management UI.

A session is a small signed cookie (HMAC-SHA256 over JSON): a random session id, the CSRF token of
every form, and — once logged in — the user id and login time. Nothing secret is in it, and nothing in
it is trusted unless its signature checks. It expires after `ui.session_idle_minutes` without a request
and `ui.session_max_hours` after login; logging out revokes its id on this node.

Every UI route uses `UiRoute`, which lets handlers stop with a ready response (`UiStop`), re-issues the
cookie (sliding expiry) and adds the security headers on the way out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.responses import PlainTextResponse, RedirectResponse

from chargegrid.api.dependencies import get_services
from chargegrid.config import Settings
from chargegrid.events.actors import ActorKind, Caller
from chargegrid.store import users as users_store
from chargegrid.ui.words import N_

COOKIE = "chargegrid_session"
SECRET_FILE = ".chargegrid-ui-secret"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FETCH_HEADER = "X-Requested-With"

# Scripts only from our own origin, no framing: even a missed escape could not run a charger's script.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_secrets: dict[tuple[str | None, Path], bytes] = {}
_revoked: dict[str, float] = {}  # session id → when its cookie would have expired anyway


def session_secret(settings: Settings) -> bytes:
    """CHARGEGRID_UI__SECRET, or a random key generated once into the data dir (mode 0600)."""
    cache_key = (settings.ui.secret, settings.data_dir.resolve())
    cached = _secrets.get(cache_key)
    if cached is not None:
        return cached
    if settings.ui.secret:
        secret = settings.ui.secret.encode()
    else:
        path = settings.data_dir / SECRET_FILE
        text = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
        if not text:
            text = secrets.token_urlsafe(48)
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            print(f"No CHARGEGRID_UI__SECRET set: generated the UI session key into {path}.", file=sys.stderr)
        secret = text.encode()
    _secrets[cache_key] = secret
    return secret


@dataclass
class WebSession:
    sid: str
    csrf: str
    seen: float
    user_id: int | None = None
    login_at: float | None = None

    @classmethod
    def anonymous(cls) -> WebSession:
        return cls(sid=secrets.token_urlsafe(16), csrf=secrets.token_urlsafe(24), seen=time.time())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(secret: bytes, session: WebSession) -> str:
    body = _b64(json.dumps(asdict(session), separators=(",", ":")).encode())
    return body + "." + _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())


def decode(secret: bytes, token: str) -> WebSession | None:
    body, _, signature = token.partition(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        return WebSession(**json.loads(_unb64(body)))
    except (ValueError, TypeError):
        return None


def web_session(request: Request) -> WebSession:
    """This request's session: the cookie's if it is valid and fresh, else a new anonymous one."""
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    settings = get_services(request).settings
    now = time.time()
    session = decode(session_secret(settings), request.cookies.get(COOKIE, ""))
    if session is not None:
        idle = now - session.seen > settings.ui.session_idle_minutes * 60
        too_old = (
            session.login_at is not None and now - session.login_at > settings.ui.session_max_hours * 3600
        )
        if idle or too_old or session.sid in _revoked:
            session = None
    if session is None:
        session = WebSession.anonymous()
    session.seen = now
    request.state.web_session = session
    return session


def start_login(request: Request, user_id: int) -> None:
    """A fresh session id and CSRF token at login, so a planted cookie cannot ride along."""
    session = WebSession.anonymous()
    session.user_id, session.login_at = user_id, time.time()
    request.state.web_session = session


def logout(request: Request) -> None:
    old = web_session(request)
    settings = get_services(request).settings
    now = time.time()
    _revoked[old.sid] = now + settings.ui.session_max_hours * 3600
    for sid, until in list(_revoked.items()):
        if until < now:
            del _revoked[sid]
    request.state.web_session = WebSession.anonymous()


def _store_cookie(request: Request, response: Response) -> None:
    session = getattr(request.state, "web_session", None)
    if session is None:
        return
    settings = get_services(request).settings
    response.set_cookie(
        COOKIE,
        encode(session_secret(settings), session),
        max_age=int(settings.ui.session_max_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


@dataclass(frozen=True)
class Viewer:
    """The logged-in person looking at a page."""

    id: int
    name: str
    role: str
    language: str | None = None
    time_zone: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def caller(self) -> Caller:
        """This person as the audit log names them."""
        return Caller(ActorKind.ui, self.name, str(self.id), frozenset())

    @property
    def can_operate(self) -> bool:
        """May send commands and change charge points and tags (admin and operator)."""
        return users_store.role_at_least(self.role, "operator")


class UiStop(Exception):
    """Stop handling this request and answer `response` (login redirect, 403 page, ...)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class UiRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await handle(request)
            except UiStop as stop:
                response = stop.response
            _store_cookie(request, response)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return handler


def _is_fetch(request: Request) -> bool:
    return request.headers.get(FETCH_HEADER) == "fetch"


_NOT_ALLOWED = {
    "admin": N_("This page is for administrators. Ask one to do it for you."),
    "operator": N_("Your role may look but not change: ask an operator or administrator to do it for you."),
}


async def viewer(request: Request, *, need: str = "viewer") -> Viewer:
    """The logged-in user, or stop: to the login page (or 401 for a background refresh), 403 when
    the user's role is below `need` (viewer < operator < admin)."""
    session = web_session(request)
    user = None
    if session.user_id is not None:
        async with get_services(request).db() as db:
            user = await users_store.get(db, session.user_id)
    if user is None:
        if _is_fetch(request):
            raise UiStop(PlainTextResponse("log in again", status_code=401))
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise UiStop(RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303))
    found = Viewer(user.id, user.name, user.role, user.language, user.time_zone)
    if not users_store.role_at_least(found.role, need):
        from chargegrid.ui.rendering import gettext_for, render

        _ = gettext_for(request, found)
        raise UiStop(
            render(
                request,
                "error.html",
                {"title": _("Not allowed"), "text": _(_NOT_ALLOWED.get(need, _NOT_ALLOWED["admin"]))},
                viewer=found,
                status_code=403,
            )
        )
    return found


async def checked_form(request: Request) -> FormData:
    """The posted form, after checking it carries this session's CSRF token (403 page otherwise)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(sent, str) or not hmac.compare_digest(sent, web_session(request).csrf):
        from chargegrid.ui.rendering import gettext_for, render

        _ = gettext_for(request, None)
        raise UiStop(
            render(
                request,
                "error.html",
                {
                    "title": _("Form expired"),
                    "text": _(
                        "This form is missing its security token or is from an old session. "
                        "Go back, reload the page and send it again."
                    ),
                },
                status_code=403,
            )
        )
    return form
