"""The edge's security check of a charger connection, before the upgrade: security profile (TLS, client
certificate), HTTP Basic password within the password-guessing budgets, and a security event for every
refusal that says something about the charger (not for budget refusals, which only count in a metric:
an attacker must not be able to make us write a row per guess).

`ocpp.server` (or whatever accepts the websocket) calls `check` with the ASGI scope, the headers and the
stored charge point; the decisions themselves are `security.profiles.decide` (pure) and
`ocpp.auth_throttle.AuthThrottle`.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography import x509

from chargegrid.config import Settings
from chargegrid.domain import credentials
from chargegrid.domain import security_events as kinds
from chargegrid.metrics import REFUSED_CONNECTIONS
from chargegrid.ocpp.auth_throttle import AuthThrottle, Refusal
from chargegrid.security import identity, profiles
from chargegrid.security.profiles import Basic
from chargegrid.store import charge_points as cp_store
from chargegrid.store import security as security_store

if TYPE_CHECKING:
    from chargegrid.ocpp.context import EdgeContext
    from chargegrid.store.charge_points import AdmissionRecord

log = logging.getLogger("chargegrid.edge.security")

_ADMITTING = "chargegrid.admitting"  # scope key: the address whose admission place this handshake holds
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="OCPP", charset="UTF-8"'}


@dataclass
class Trust:
    """What the edge trusts, read from the settings once at start-up."""

    proxies: Sequence[identity.Network] = ()
    certificate_header: str = "X-SSL-Client-Cert"
    cas: Sequence[x509.Certificate] = ()
    allow_no_credentials: bool = True

    @classmethod
    def from_settings(cls, settings: Settings, csms_ca: x509.Certificate | None) -> Trust:
        sec = settings.security
        # The transport's client CA (native TLS) is trusted too, if that setting exists.
        tls_ca = getattr(getattr(settings, "tls", None), "client_ca_file", None)
        cas = identity.load_pem_certificates([sec.client_ca_file, tls_ca])
        if csms_ca is not None:
            cas.append(csms_ca)
        return cls(
            proxies=identity.parse_networks(sec.trusted_proxies),
            certificate_header=sec.client_cert_header,
            cas=cas,
            allow_no_credentials=sec.allow_no_credentials,
        )


def throttle_from_settings(settings: Settings) -> AuthThrottle:
    sec = settings.security
    return AuthThrottle(
        failures_per_address=sec.auth_failures_per_address,
        failures_per_charge_point=sec.auth_failures_per_charge_point,
        window=sec.auth_window_seconds,
        global_failures=sec.auth_global_failures,
        concurrency=sec.auth_hash_concurrency,
        reserved=sec.auth_hash_reserved,
        pending_per_address=sec.auth_pending_per_address,
        queue=sec.auth_hash_queue,
    )


@dataclass
class Denied:
    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    header = headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


async def _record(ctx: EdgeContext, cp_id: str, event_type: str, reason: str, address: str) -> None:
    try:
        await ctx.writer.run(
            cp_id,
            lambda db: _add(db, cp_id, event_type, reason, address),
        )
    except Exception:  # the refusal stands even if the record cannot be written (shutdown)
        log.exception("could not record security event %s for %r", event_type, cp_id)


async def _add(db: Any, cp_id: str, event_type: str, reason: str, address: str) -> None:
    security_store.add_event(
        db,
        cp_id,
        event_type,
        origin="csms",
        critical=kinds.is_critical(event_type),
        tech_info=reason,
        address=address,
    )


def _throttled(refusal: Refusal, label: str) -> Denied:
    REFUSED_CONNECTIONS.labels(label).inc()
    return Denied(refusal.status, refusal.reason + ".", {"Retry-After": str(refusal.retry_after)})


def precheck(
    ctx: EdgeContext, scope: dict[str, Any], headers: Mapping[str, str], cp_id: str
) -> Denied | None:
    """Refuse at once, before the charge point is even read, a connection that brings a password from
    an address or for an id over its failure budget - unless it is a password this charger proved."""
    given = basic_credentials(headers)
    if given is None:
        return None
    if given[0] == cp_id and credentials.cached_for(cp_id, given[1]):
        return None
    address = identity.client_address(scope, headers, ctx.trust.proxies)
    refusal = ctx.throttle.check(address, cp_id) or ctx.throttle.busy(address)
    if refusal is None:
        place = ctx.throttle.admit(address)
        if isinstance(place, Refusal):
            refusal = place
        elif place:
            scope[_ADMITTING] = address  # `check` gives the place back
    return None if refusal is None else _throttled(refusal, "throttled")


async def check(
    ctx: EdgeContext,
    scope: Mapping[str, Any],
    headers: Mapping[str, str],
    cp_id: str,
    stored_profile: int,
    password_hash: str | None,
    next_hash: str | None = None,
) -> tuple[Denied | None, identity.ConnectionIdentity]:
    """None when the connection may be upgraded as `cp_id`, else the answer to refuse it with.
    `next_hash`: a rotated password not used yet; until it is, both passwords are valid."""
    try:
        return await _check(ctx, scope, headers, cp_id, stored_profile, password_hash, next_hash)
    finally:
        admitting = scope.get(_ADMITTING)
        if admitting is not None:  # the place `precheck` took, held through the password check
            ctx.throttle.admitted(admitting)


async def _check(
    ctx: EdgeContext,
    scope: Mapping[str, Any],
    headers: Mapping[str, str],
    cp_id: str,
    stored_profile: int,
    password_hash: str | None,
    next_hash: str | None,
) -> tuple[Denied | None, identity.ConnectionIdentity]:
    trust = ctx.trust
    who = identity.identify(
        scope,
        headers,
        trusted_proxies=trust.proxies,
        certificate_header=trust.certificate_header,
        trusted_cas=trust.cas,
    )
    profile = profiles.effective(stored_profile, bool(password_hash))
    presented = profiles.Presented(who.tls, who.certificate_cn, who.certificate_problem)
    verdict = profiles.decide(cp_id, profile, presented, allow_no_credentials=trust.allow_no_credentials)
    if verdict.accepted and profiles.needs_password(profile):
        basic, detail = await _check_password(ctx, who.address, cp_id, password_hash, next_hash, headers)
        if isinstance(basic, Denied):
            return basic, who
        verdict = profiles.decide(
            cp_id,
            profile,
            profiles.Presented(who.tls, who.certificate_cn, who.certificate_problem, basic),
            allow_no_credentials=trust.allow_no_credentials,
        )
        if not verdict.accepted:
            verdict = profiles.Verdict(False, verdict.status, detail or verdict.reason, verdict.event_type)
    if verdict.accepted:
        return None, who
    REFUSED_CONNECTIONS.labels(verdict.event_type).inc()
    log.warning("refused charge point %r from %s: %s", cp_id, who.address, verdict.reason)
    await _record(ctx, cp_id, verdict.event_type, verdict.reason, who.address)
    extra = WWW_AUTHENTICATE if verdict.status == 401 else {}
    return Denied(verdict.status, verdict.reason[0].upper() + verdict.reason[1:] + ".", dict(extra)), who


async def _check_password(
    ctx: EdgeContext,
    address: str,
    cp_id: str,
    password_hash: str | None,
    next_hash: str | None,
    headers: Mapping[str, str],
) -> tuple[Basic | Denied, str]:
    if not password_hash:
        return Basic.invalid, (
            f"charge point {cp_id!r} needs a password for its security profile but none is set: "
            "an operator must set one"
        )
    given = basic_credentials(headers)
    if given is not None and given[0] == cp_id:
        if credentials.cached_charger_key(cp_id, password_hash, given[1]):
            return Basic.valid, ""
        if next_hash and credentials.cached_charger_key(cp_id, next_hash, given[1]):
            await _promote(ctx, cp_id, next_hash)
            return Basic.valid, ""
    refusal = ctx.throttle.check(address, cp_id)
    if refusal is not None:
        return _throttled(refusal, "throttled"), ""
    if given is None:
        ctx.throttle.failed(address, cp_id)
        return Basic.absent, f"missing HTTP Basic credentials for charge point {cp_id!r}"
    user, password = given
    if user != cp_id:
        ctx.throttle.failed(address, cp_id)
        return Basic.invalid, f"user name must be the charge point id for charge point {cp_id!r}"
    matched: list[str] = []

    async def verify() -> bool:
        # During a rotation the new password is tried too (a second argon2 only for a wrong current one).
        for candidate in (password_hash, next_hash):
            if candidate and await credentials.verify_charger_key(cp_id, candidate, password):
                matched.append(candidate)
                return True
        return False

    outcome = await ctx.throttle.run(address, cp_id, verify)
    if isinstance(outcome, Refusal):
        return _throttled(outcome, "busy"), ""
    if outcome:
        ctx.throttle.succeeded(address, cp_id)
        if matched and matched[0] == next_hash:
            await _promote(ctx, cp_id, next_hash)
        return Basic.valid, ""
    ctx.throttle.failed(address, cp_id)
    return Basic.invalid, f"wrong password for charge point {cp_id!r}"


async def _promote(ctx: EdgeContext, cp_id: str, next_hash: str) -> None:
    """The charger proved its rotated password: from now on only that one is valid."""
    await ctx.writer.run(cp_id, lambda db: cp_store.promote_password(db, cp_id, next_hash))
    log.info("charge point %r connected with its rotated password; the old one is no longer valid", cp_id)


async def settle_raise(
    ctx: EdgeContext, cp_id: str, cp: AdmissionRecord, who: identity.ConnectionIdentity
) -> None:
    """A raised charger (RaiseSecurityProfile) connected: once it does so at its pending profile or above,
    that profile becomes the floor it is never accepted below again (A05.FR.09)."""
    pending = cp.security_profile_pending
    stored = profiles.effective(cp.security_profile or 0, bool(cp.password_hash))
    reached = profiles.reached(cp_id, stored, profiles.Presented(who.tls, who.certificate_cn))
    if pending is None or reached < pending:
        return
    await ctx.writer.run(cp_id, lambda db: cp_store.promote_security_profile(db, cp_id, reached))
    log.info("charge point %r connected at security profile %d: that is now its floor", cp_id, pending)
