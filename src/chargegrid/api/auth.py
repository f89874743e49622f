"""Who is calling, and may they: the X-API-Key check shared by every HTTP face.

Two kinds of key are accepted in `X-API-Key`:
- the bootstrap admin key (`CHARGEGRID_API_KEY`, or generated at first start), with every scope;
- named keys made with `POST /API/Keys` or `chargegrid key add`, each with scopes (`read`, `command`,
  `admin`, `payments`; `admin` includes `read`) and optionally restricted to some charge points.

Routes declare what they need with FastAPI's security scopes, so OpenAPI lists the scope of each
operation: `APIRouter(dependencies=[require_scope(Scope.command)])`, or `route_class=scoped_by_method(...)`
for a resource router (GET needs `read`, other methods the given scope). A missing, unknown, revoked or
expired key is answered 401; a key without the scope 403 naming it. `CallerDep` hands the resolved
`Caller` to a route (for the audit log). Keys are looked up in the database on every request, with no
cache: a revoked key is refused at once on every node, and the lookup is one indexed read.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import HTTPException, Request, Security
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, SecurityScopes

from chargegrid.api.dependencies import get_services
from chargegrid.events.actors import BOOTSTRAP, ActorKind, Caller, Scope
from chargegrid.store import api_keys
from chargegrid.store import sites as site_store
from chargegrid.store.models import utcnow

API_KEY_HEADER = "X-API-Key"

api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name="ApiKey",
    description="The bootstrap key (CHARGEGRID_API_KEY, or the key generated into "
    "<data_dir>/.chargegrid-api-key at first start: every scope), or a key made with POST /API/Keys "
    "(scopes read, command, admin, payments; admin includes read). Each operation lists the scope it needs.",
    auto_error=False,  # we answer 401 with our own message instead of FastAPI's 403
)

# Path parameters that name the charge point a route acts on (for keys restricted to some).
CHARGE_POINT_PARAMS = ("chargePointId", "station_id")
# Routes that filter what they answer by the caller's charge points themselves.
SELF_FILTERING = "chargegrid.filters_by_caller"


def key_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so the answer's timing says nothing about how much of the key was right."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status_code=401, detail=message, headers={"WWW-Authenticate": API_KEY_HEADER})


async def authenticate(request: Request, given: str | None) -> Caller:
    """The caller behind `given`, or a 401 saying what is wrong (the key itself is never echoed)."""
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    if not given:
        raise _unauthorized(f"Missing {API_KEY_HEADER} header: send an API key in it.")
    services = get_services(request)
    if key_matches(given, services.api_key):
        caller = BOOTSTRAP
    elif not given.startswith(api_keys.KEY_PREFIX):
        raise _unauthorized(
            f"Wrong {API_KEY_HEADER}: use a key made with POST /API/Keys, or the key set in "
            "CHARGEGRID_API_KEY (or the one generated into <data_dir>/.chargegrid-api-key)."
        )
    else:
        async with services.db() as db:
            row = await api_keys.by_key(db, given)
        if row is None:
            raise _unauthorized(
                f"Unknown {API_KEY_HEADER}: no such key (GET /API/Keys lists the keys by prefix)."
            )
        if row.revoked_at is not None:
            raise _unauthorized(f"This API key ({row.prefix}…) was revoked: ask an admin for a new one.")
        if row.expires_at is not None and row.expires_at <= utcnow():
            raise _unauthorized(f"This API key ({row.prefix}…) expired at {row.expires_at.isoformat()}.")
        charge_points = set(row.charge_points) if row.charge_points is not None else None
        if row.sites is not None:  # a key restricted to sites acts on their charge points (as they are now)
            charge_points = charge_points or set()
            async with services.db() as db:
                for site_id in row.sites:
                    site = await site_store.get(db, site_id)
                    if site is not None:
                        charge_points |= {m.charge_point_id for m in site.charge_points}
        if services.key_usage is not None:
            services.key_usage.touch(row.id)
        caller = Caller(
            ActorKind.key,
            row.name,
            row.id,
            frozenset(Scope(s) for s in row.scopes if s in Scope.__members__),
            frozenset(charge_points) if charge_points is not None else None,
            frozenset(row.sites) if row.sites is not None else None,
        )
    request.state.caller = caller
    request.state.actor = caller.token()  # what faces pass to Commands.execute(..., actor=...)
    return caller


async def authorize(
    request: Request, security_scopes: SecurityScopes, given: str | None = Security(api_key_scheme)
) -> Caller:
    """FastAPI dependency: the caller, who has every scope the route declared (else 401/403)."""
    caller = await authenticate(request, given)
    for name in security_scopes.scopes:
        if not caller.has(Scope(name)):
            held = ", ".join(sorted(caller.scopes)) or "none"
            raise HTTPException(
                403, f"This API key lacks the scope '{name}' that this route needs (it has: {held})."
            )
    if caller.restricted and security_scopes.scopes:
        _check_restriction(request, caller)
    return caller


def _check_restriction(request: Request, caller: Caller) -> None:
    route = request.scope.get("route")
    if getattr(getattr(route, "endpoint", None), SELF_FILTERING, False):
        return
    site = request.path_params.get("site_id")
    if site is not None:
        if caller.sites is None or str(site) not in caller.sites:
            raise HTTPException(403, f"This API key may not act on site {site!r}.")
        return
    for param in CHARGE_POINT_PARAMS:
        cp = request.path_params.get(param)
        if cp is not None:
            if not caller.may_access(str(cp)):
                raise HTTPException(403, f"This API key may not act on charge point {cp!r}.")
            return
    raise HTTPException(
        403,
        "This API key is restricted to some charge points; this route is not about one charge point "
        "(use the routes with a charge point id in their path).",
    )


def filters_by_caller(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a route that itself limits its answer to the caller's charge points (e.g. the event stream)."""
    setattr(endpoint, SELF_FILTERING, True)
    return endpoint


async def is_authenticated(request: Request) -> bool:
    """For answers outside FastAPI's dependency system (the unknown-path route)."""
    try:
        await authenticate(request, request.headers.get(API_KEY_HEADER))
    except HTTPException:
        return False
    return True


def require_scope(scope: Scope) -> Any:
    """A route or router dependency: the caller must hold `scope` (documented in OpenAPI)."""
    return Security(authorize, scopes=[scope.value])


def _declares(dependencies: Sequence[DependsParam], scope: Scope) -> bool:
    return any(
        getattr(d, "dependency", None) is authorize
        and list(getattr(d, "scopes", None) or []) == [scope.value]
        for d in dependencies
    )


def scoped_by_method(write: Scope) -> type[APIRoute]:
    """A route class for a resource router: GET/HEAD routes need `read`, every other method `write`.

    New routes added to such a router get a scope without anyone remembering to add one."""

    class ScopedRoute(APIRoute):
        def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
            methods = {m.upper() for m in kwargs.get("methods") or ["GET"]}
            scope = Scope.read if methods <= {"GET", "HEAD"} else write
            dependencies = list(kwargs.get("dependencies") or [])
            if not _declares(dependencies, scope):
                dependencies.append(require_scope(scope))
            kwargs["dependencies"] = dependencies
            super().__init__(path, endpoint, **kwargs)

    ScopedRoute.__name__ = f"ScopedRoute_{write.value}"
    return ScopedRoute


async def require_api_key(request: Request, api_key: str | None = Security(api_key_scheme)) -> None:
    """FastAPI dependency: any valid key (each route adds the scope it needs)."""
    await authenticate(request, api_key)


async def current_caller(request: Request, api_key: str | None = Security(api_key_scheme)) -> Caller:
    return await authenticate(request, api_key)


CallerDep = Annotated[Caller, Security(current_caller)]

UNAUTHORIZED_RESPONSE: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "Missing, unknown, revoked or expired X-API-Key",
        "content": {"application/json": {"example": {"detail": "Missing X-API-Key header: ..."}}},
    },
    403: {
        "description": "The key lacks the scope this route needs (or may not act on this charge point)",
        "content": {
            "application/json": {"example": {"detail": "This API key lacks the scope 'command' ..."}}
        },
    },
}
