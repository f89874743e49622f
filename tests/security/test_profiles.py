"""The security-profile decision and the connection identity, as pure functions (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from chargegrid.security import identity, profiles
from chargegrid.security.profiles import Basic, Presented
from tests.security.certificates import issue, make_ca

PLAIN = Presented(tls=False, certificate_cn=None)
TLS = Presented(tls=True, certificate_cn=None)


def decide(profile: int, presented: Presented, **kw: bool) -> profiles.Verdict:
    return profiles.decide("CP-1", profile, presented, **kw)


def test_profile_0_needs_nothing_unless_the_operator_refuses_chargers_without_credentials() -> None:
    assert decide(0, PLAIN).accepted
    refused = decide(0, PLAIN, allow_no_credentials=False)
    assert not refused.accepted and refused.status == 403
    assert "without credentials" in refused.reason


@pytest.mark.parametrize("tls", [False, True])
def test_profile_1_takes_a_valid_password_over_ws_or_wss(tls: bool) -> None:
    assert decide(1, Presented(tls, None, basic=Basic.valid)).accepted
    wrong = decide(1, Presented(tls, None, basic=Basic.invalid))
    assert (wrong.accepted, wrong.status, wrong.event_type) == (False, 401, "FailedToAuthenticate")
    assert decide(1, Presented(tls, None, basic=Basic.absent)).status == 401


def test_profile_2_refuses_plain_ws_before_looking_at_the_password() -> None:
    verdict = decide(2, Presented(False, None, basic=Basic.unchecked))
    assert (verdict.accepted, verdict.status) == (False, 403)
    assert "requires TLS" in verdict.reason
    assert decide(2, Presented(True, None, basic=Basic.valid)).accepted
    assert not decide(2, Presented(True, None, basic=Basic.invalid)).accepted


def test_profile_3_needs_tls_and_a_certificate_for_this_very_charger() -> None:
    assert decide(3, Presented(True, "CP-1")).accepted
    assert not decide(3, Presented(False, "CP-1")).accepted
    other = decide(3, Presented(True, "CP-2"))
    assert (other.accepted, other.event_type) == (False, "InvalidChargingStationCertificate")
    assert "'CP-2', not 'CP-1'" in other.reason
    missing = decide(3, Presented(True, None, certificate_problem="certificate is expired"))
    assert "certificate is expired" in missing.reason
    # A password does not stand in for the certificate.
    assert not decide(3, Presented(True, None, basic=Basic.valid)).accepted


def test_a_raised_charger_is_never_accepted_below_its_profile() -> None:
    # Stored profile 3: what would satisfy 2 or 1 is refused (A05.FR.09).
    assert not decide(3, Presented(True, None, basic=Basic.valid)).accepted
    assert not decide(2, Presented(False, None, basic=Basic.valid)).accepted
    # Meeting a higher level than stored is fine.
    assert decide(1, Presented(True, "CP-1", basic=Basic.valid)).accepted


def test_profile_changes_by_operators() -> None:
    assert profiles.change_problem(1, 2, True) is None
    assert "needs a password" in (profiles.change_problem(0, 2, False) or "")
    assert "lowering" in (profiles.change_problem(3, 1, True) or "")
    assert profiles.change_problem(3, 1, True, allow_downgrade=True) is None
    assert profiles.effective(0, True) == 1
    assert profiles.warning(0, True) == profiles.NO_CREDENTIALS_WARNING
    assert profiles.warning(1, True) is None


def _scope(peer: str, tls: dict[str, object] | None = None) -> dict[str, object]:
    return {"client": (peer, 40000), "extensions": {"tls": tls} if tls else {}}


def test_identity_believes_the_certificate_header_only_from_trusted_proxies() -> None:
    ca = make_ca()
    cert = issue(ca, "CP-1")
    headers = {"x-ssl-client-cert": quote(cert.cert_pem), "x-real-ip": "198.51.100.7"}
    kw = {
        "trusted_proxies": identity.parse_networks(["10.0.0.0/8"]),
        "certificate_header": "X-SSL-Client-Cert",
        "trusted_cas": [ca.cert],
    }
    via_proxy = identity.identify(_scope("10.1.2.3"), headers, **kw)  # type: ignore[arg-type]
    assert (via_proxy.tls, via_proxy.certificate_cn, via_proxy.address) == (True, "CP-1", "198.51.100.7")
    direct = identity.identify(_scope("203.0.113.9"), headers, **kw)  # type: ignore[arg-type]
    assert (direct.tls, direct.certificate_cn, direct.address) == (False, None, "203.0.113.9")


def test_identity_from_the_transports_tls_extension_checks_issuer_and_validity() -> None:
    ca, other_ca = make_ca(), make_ca("Other CA")
    kw = {"trusted_proxies": (), "certificate_header": "X-SSL-Client-Cert", "trusted_cas": [ca.cert]}

    def who(pem: str) -> identity.ConnectionIdentity:
        return identity.identify(
            _scope("192.0.2.1", {"tls_used": True, "client_cert_chain": [pem]}), {}, **kw
        )  # type: ignore[arg-type]

    assert who(issue(ca, "CP-1").cert_pem).certificate_cn == "CP-1"
    foreign = who(issue(other_ca, "CP-1").cert_pem)
    assert foreign.certificate_cn is None and "not issued by a trusted CA" in (
        foreign.certificate_problem or ""
    )
    expired = who(issue(ca, "CP-1", expired=True).cert_pem)
    assert expired.certificate_cn is None and "validity" in (expired.certificate_problem or "")
    plain = identity.identify(_scope("192.0.2.1"), {}, **kw)  # type: ignore[arg-type]
    assert (plain.tls, plain.certificate_cn, plain.certificate_problem) == (False, None, None)


def test_verify_chain_follows_an_intermediate() -> None:
    root = make_ca("Root")
    intermediate = issue(root, "Intermediate", is_ca=True)
    leaf = issue(intermediate, "CP-9")
    assert identity.verify_chain([leaf.cert, intermediate.cert], [root.cert]) is None
    assert identity.verify_chain([leaf.cert], [root.cert]) is not None
    # A charger's own (non-CA) certificate cannot vouch for another charger's id.
    own = issue(root, "CP-8")
    forged = issue(own, "CP-9")
    assert "not issued by a trusted CA" in (identity.verify_chain([forged.cert, own.cert], [root.cert]) or "")
    later = datetime.now(UTC) + timedelta(days=400)
    assert "validity" in (identity.verify_chain([leaf.cert, intermediate.cert], [root.cert], later) or "")
