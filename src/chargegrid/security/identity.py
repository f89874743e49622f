"""Who is on the other end of a charger connection: TLS or not, which verified client certificate, which
address - read from the transport's TLS facts, or from a trusted TLS-terminating proxy's headers.

The transport reports TLS in the ASGI TLS-extension shape, `scope["extensions"]["tls"] =
{"tls_used": True, "client_cert_chain": [PEM, ...]}`. Behind a proxy (nginx: `proxy_set_header
X-SSL-Client-Cert $ssl_client_escaped_cert`) the certificate comes URL-escaped in a header; that header
is believed only from the addresses in `CHARGEGRID_SECURITY__TRUSTED_PROXIES` and ignored from any other,
so a charger talking to us directly cannot claim a certificate it does not hold. Either way the
certificate is checked again here against the CAs we trust (validity period, issuer signature), so the
decision never rests on a header or a proxy setting alone.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from cryptography import x509
from cryptography.x509.oid import NameOID

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def is_trusted(address: str, networks: Sequence[Network]) -> bool:
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def load_pem_certificates(paths: Iterable[Path | None]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for path in paths:
        if path is not None:
            certs.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return certs


def common_name(cert: x509.Certificate) -> str | None:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        return None
    value = names[0].value
    return value if isinstance(value, str) else value.decode()


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):  # InvalidSignature, unsupported key types
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def verify_chain(
    chain: Sequence[x509.Certificate], trusted: Sequence[x509.Certificate], now: datetime | None = None
) -> str | None:
    """None when `chain[0]` (the leaf, followed by intermediates) chains to a `trusted` CA and every
    certificate on the way is in its validity period; else what is wrong, in words."""
    if not chain:
        return "no client certificate was presented"
    now = now or datetime.now(UTC)
    for index, cert in enumerate(chain):
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return f"certificate {cert.subject.rfc4514_string()!r} is outside its validity period"
        if any(_issued_by(cert, ca) for ca in trusted):
            return None
        following = chain[index + 1] if index + 1 < len(chain) else None
        if following is None or not _is_ca(following) or not _issued_by(cert, following):
            # (an intermediate must be a CA: a charger's own certificate cannot vouch for another id)
            return f"certificate {cert.subject.rfc4514_string()!r} is not issued by a trusted CA"
    return "certificate chain does not reach a trusted CA"  # pragma: no cover - loop always returns


@dataclass(frozen=True)
class ConnectionIdentity:
    address: str  # the charger's address (the proxy's X-Real-IP when it came through a trusted proxy)
    tls: bool
    certificate_cn: str | None  # CN of a verified client certificate
    certificate_problem: str | None  # why a presented certificate was not taken (None if none presented)


def client_address(
    scope: Mapping[str, Any], headers: Mapping[str, str], trusted_proxies: Sequence[Network]
) -> str:
    """The charger's address: the peer, or the X-Real-IP a trusted proxy names."""
    client = scope.get("client")
    address = str(client[0]) if client else "?"
    if is_trusted(address, trusted_proxies):
        return headers.get("x-real-ip", address) or address
    return address


def identify(
    scope: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    trusted_proxies: Sequence[Network],
    certificate_header: str,
    trusted_cas: Sequence[x509.Certificate],
) -> ConnectionIdentity:
    client = scope.get("client")
    peer = str(client[0]) if client else "?"
    address = client_address(scope, headers, trusted_proxies)
    pems: list[str] = []
    tls = False
    if is_trusted(peer, trusted_proxies):
        escaped = headers.get(certificate_header.lower(), "")
        # The proxy says it terminated TLS (that is what it is trusted for); X-Real-IP names the charger.
        tls = True
        if escaped:
            pems = [unquote(escaped)]
    else:
        info = (scope.get("extensions") or {}).get("tls") or {}
        tls = bool(info.get("tls_used"))
        pems = list(info.get("client_cert_chain") or []) if tls else []
    if not pems:
        return ConnectionIdentity(address, tls, None, None)
    try:
        chain = [c for pem in pems for c in x509.load_pem_x509_certificates(pem.encode())]
    except ValueError:
        return ConnectionIdentity(address, tls, None, "the client certificate is not valid PEM")
    problem = verify_chain(chain, trusted_cas)
    if problem is not None:
        return ConnectionIdentity(address, tls, None, problem)
    return ConnectionIdentity(address, tls, common_name(chain[0]), None)
