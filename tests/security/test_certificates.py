"""SignCertificate → CertificateSigned with the CSMS CA, on 1.6 (security extension) and 2.0.1, with real
`ocpp`-library chargers; rejected CSRs, Plug & Charge requests without a provider, security events, the
issued-certificates API and the metrics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201

from chargegrid.security.certificate_authority import CertificateAuthority
from tests.security.certificates import csr
from tests.support.chargers import Charger16, Charger201
from tests.support.server import RunningServer


class Signed16(Charger16):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.signed: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @on("CertificateSigned")
    async def on_certificate_signed(self, **kw: Any) -> Any:
        await self.signed.put(kw)
        return result16.CertificateSigned(status="Accepted")


class Signed201(Charger201):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.signed: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @on("CertificateSigned")
    async def on_certificate_signed(self, **kw: Any) -> Any:
        await self.signed.put(kw)
        return result201.CertificateSigned(status="Accepted")


class Refusing201(Signed201):
    @on("CertificateSigned")
    async def on_certificate_signed(self, **kw: Any) -> Any:
        await self.signed.put(kw)
        return result201.CertificateSigned(status="Rejected")


@contextlib.asynccontextmanager
async def charger(
    server: RunningServer, cp_id: str, protocol: str, kind: type[Any] | None = None
) -> AsyncIterator[Any]:
    ws = await server.connect(cp_id, protocol)
    cp = (kind or (Signed16 if protocol == "ocpp1.6" else Signed201))(cp_id, ws)
    task = asyncio.create_task(cp.start())
    try:
        await cp.boot()
        yield cp
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await ws.close()


def _leaf(chain: str) -> x509.Certificate:
    return x509.load_pem_x509_certificates(chain.encode())[0]


def _ca(server: RunningServer) -> CertificateAuthority:
    ca = server.services.edge.ca
    assert ca is not None
    return ca


async def test_sign_certificate_16_then_certificate_signed_and_listed(server: RunningServer) -> None:
    await server.add_charge_point("CP-SIGN16")
    request, key = csr("CP-SIGN16")
    async with charger(server, "CP-SIGN16", "ocpp1.6") as cp:
        answer = await cp.call(call16.SignCertificate(csr=request))
        assert answer.status == "Accepted"
        signed = await asyncio.wait_for(cp.signed.get(), 10)
    chain = x509.load_pem_x509_certificates(signed["certificate_chain"].encode())
    leaf = chain[0]
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CP-SIGN16"
    assert leaf.public_key().public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]
    leaf.verify_directly_issued_by(_ca(server).certificate)
    assert chain[1] == _ca(server).certificate
    async with server.api() as api:
        listed = (await api.get("/API/Certificates/CP-SIGN16")).json()
        assert (await api.get("/API/Certificates/NOBODY")).status_code == 404
    assert [(c["serial"], c["certificateType"]) for c in listed] == [
        (format(leaf.serial_number, "x"), "ChargePointCertificate")
    ]
    assert (
        listed[0]["notAfter"]
        and listed[0]["expiresSoon"] is False
        and "BEGIN CERTIFICATE" in listed[0]["pem"]
    )


async def test_sign_certificate_201_v2g_and_rejections_with_reason(server: RunningServer) -> None:
    await server.add_charge_point("CP-SIGN2")
    async with charger(server, "CP-SIGN2", "ocpp2.0.1") as cp:
        answer = await cp.call(
            call201.SignCertificate(csr=csr("CP-SIGN2")[0], certificate_type="V2GCertificate")
        )
        assert answer.status == "Accepted"
        signed = await asyncio.wait_for(cp.signed.get(), 10)
        assert signed["certificate_type"] == "V2GCertificate"
        assert _leaf(signed["certificate_chain"]).not_valid_after_utc > datetime.now(UTC)

        wrong_cn = await cp.call(call201.SignCertificate(csr=csr("SOMEONE-ELSE")[0]))
        assert wrong_cn.status == "Rejected"
        assert wrong_cn.status_info["reason_code"] == "InvalidCSR"
        assert "must be the charge point id 'CP-SIGN2'" in wrong_cn.status_info["additional_info"]
        weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        small_key = await cp.call(call201.SignCertificate(csr=csr("CP-SIGN2", key=weak)[0]))
        assert small_key.status == "Rejected"
        assert "at least 2048" in small_key.status_info["additional_info"]
        garbage = await cp.call(call201.SignCertificate(csr="not a csr"))
        assert garbage.status == "Rejected"
        await asyncio.sleep(0.2)
        assert cp.signed.empty()  # nothing sent for a rejected CSR

    async with server.api() as api:
        events = (await api.get("/API/SecurityEvents", params={"chargePointId": "CP-SIGN2"})).json()
        listed = (await api.get("/API/Certificates/CP-SIGN2")).json()
    assert events["total"] == 3
    assert {e["type"] for e in events["events"]} == {"CertificateSigningRequestRejected"}
    assert [c["certificateType"] for c in listed] == ["V2GCertificate"]


async def test_a_refused_certificate_signed_is_kept_as_a_security_event(server: RunningServer) -> None:
    await server.add_charge_point("CP-REFUSE")
    async with charger(server, "CP-REFUSE", "ocpp2.0.1", Refusing201) as cp:
        answer = await cp.call(call201.SignCertificate(csr=csr("CP-REFUSE")[0]))
        assert answer.status == "Accepted"
        signed = await asyncio.wait_for(cp.signed.get(), 10)
        assert signed["certificate_type"] == "ChargingStationCertificate"
        # Stay connected until the answer is in: the event is written after the charger's answer (≤ 20 s).
        async with server.api() as api:
            for _ in range(200):
                events = (await api.get("/API/SecurityEvents", params={"chargePointId": "CP-REFUSE"})).json()
                if events["total"]:
                    break
                await asyncio.sleep(0.1)
    assert [e["type"] for e in events["events"]] == ["CertificateSignedRejected"]
    assert '"Rejected"' in events["events"][0]["techInfo"]


async def test_plug_and_charge_requests_fail_with_a_reason_not_not_supported(server: RunningServer) -> None:
    await server.add_charge_point("CP-PNC")
    async with charger(server, "CP-PNC", "ocpp2.0.1") as cp:
        ev = await cp.call(
            call201.Get15118EVCertificate(
                iso15118_schema_version="urn:iso:15118:2:2013:MsgDef", action="Install", exi_request="AAAA"
            )
        )
        assert ev.status == "Failed" and ev.status_info["reason_code"] == "NoPnCProvider"
        status = await cp.call(
            call201.GetCertificateStatus(
                ocsp_request_data={
                    "hash_algorithm": "SHA256",
                    "issuer_name_hash": "a" * 64,
                    "issuer_key_hash": "b" * 64,
                    "serial_number": "01",
                    "responder_url": "http://ocsp.example",
                }
            )
        )
        assert status.status == "Failed" and status.status_info["reason_code"] == "NoPnCProvider"
    async with charger(server, "CP-PNC", "ocpp1.6") as cp16:
        answer = await cp16.call(
            call16.DataTransfer(
                vendor_id="org.openchargealliance.iso15118pnc", message_id="Get15118EVCertificate", data="{}"
            )
        )
        assert answer.status == "Accepted" and '"Failed"' in answer.data


async def test_security_event_notifications_are_listed_filtered_and_critical_ones_counted(
    server: RunningServer,
) -> None:
    await server.add_charge_point("CP-SEC")
    async with server.api() as api:
        before = (await api.get("/metrics")).text
    async with charger(server, "CP-SEC", "ocpp1.6") as cp:
        await cp.call(
            call16.SecurityEventNotification(
                type="TamperDetectionActivated", timestamp="2026-11-30T10:00:00Z", tech_info="lid"
            )
        )
        await cp.call(
            call16.SecurityEventNotification(
                type="InvalidMessages", timestamp="2026-11-30T11:00:00Z", tech_info=None
            )
        )
    async with server.api() as api:
        every = (await api.get("/API/SecurityEvents")).json()
        tamper = (await api.get("/API/SecurityEvents", params={"type": "TamperDetectionActivated"})).json()
        window = (
            await api.get(
                "/API/SecurityEvents", params={"from": "2026-11-30T10:30:00Z", "to": "2026-11-30T12:00:00"}
            )
        ).json()
        paged = (await api.get("/API/SecurityEvents", params={"limit": 1, "offset": 1})).json()
        bad = await api.get(
            "/API/SecurityEvents", params={"from": "2026-11-30T12:00:00Z", "to": "2026-11-30T10:00:00Z"}
        )
        after = (await api.get("/metrics")).text
    assert [e["type"] for e in every["events"]] == ["InvalidMessages", "TamperDetectionActivated"]
    assert tamper["total"] == 1 and tamper["events"][0]["critical"] is True
    assert tamper["events"][0]["techInfo"] == "lid" and tamper["events"][0]["origin"] == "charger"
    assert [e["type"] for e in window["events"]] == ["InvalidMessages"]
    assert paged["total"] == 2 and [e["type"] for e in paged["events"]] == ["TamperDetectionActivated"]
    assert bad.status_code == 400 and "to" in bad.json()["detail"]

    def tamper_count(text: str) -> float:
        for line in text.splitlines():
            if line.startswith('chargegrid_critical_security_events_total{type="TamperDetectionActivated"}'):
                return float(line.split()[-1])
        return 0.0

    assert tamper_count(after) == tamper_count(before) + 1
    assert 'chargegrid_critical_security_events_total{type="InvalidMessages"}' not in after
