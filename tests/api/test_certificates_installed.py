"""Installed certificates (1.6 Security Extension and 2.x): install, list (kept per charger), delete."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from cryptography.hazmat.primitives import serialization

from tests.api.helpers import is16
from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.support.tls_certs import issue, make_ca

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
ROOT = {
    "hash_algorithm": "SHA256",
    "issuer_name_hash": "aa11",
    "issuer_key_hash": "bb22",
    "serial_number": "1f",
}
MAKER = {
    "hash_algorithm": "SHA384",
    "issuer_name_hash": "cc33",
    "issuer_key_hash": "dd44",
    "serial_number": "2e",
}
QUERY = {"hashAlgorithm": "SHA256", "issuerNameHash": "aa11", "issuerKeyHash": "bb22", "serialNumber": "1f"}


async def test_install_list_and_delete(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        body = {"certificateType": "CSMSRootCertificate", "certificate": PEM}
        assert (await api.post("/API/Certificates/CP1/Install", json=body)).json() == {"status": "Accepted"}
        wire = charger.rec.last("InstallCertificate")
        assert wire["certificate"] == PEM
        assert wire["certificate_type"] == (
            "CentralSystemRootCertificate" if is16(charger) else "CSMSRootCertificate"
        )
        charger.rec.answers["InstallCertificate"] = "Rejected"
        v2g = {"certificateType": "V2GRootCertificate", "certificate": PEM}
        answer = await api.post("/API/Certificates/CP1/Install", json=v2g)
        if is16(charger):
            assert answer.status_code == 400 and "2.x only" in answer.json()["detail"]
        else:
            assert answer.json() == {"status": "Rejected"}

        if is16(charger):
            charger.certificates = {
                "CentralSystemRootCertificate": [ROOT],
                "ManufacturerRootCertificate": [MAKER],
            }
            every = await api.get("/API/Certificates/CP1/Installed")
            assert every.status_code == 400 and "one certificateType" in every.json()["detail"]
            for kind in ("CSMSRootCertificate", "ManufacturerRootCertificate"):
                listed = await api.get("/API/Certificates/CP1/Installed", params={"certificateType": kind})
                assert listed.json()["status"] == "Accepted"
            assert charger.rec.last("GetInstalledCertificateIds") == {
                "certificate_type": "ManufacturerRootCertificate"
            }
        else:
            charger.certificates = [
                {"certificate_type": "CSMSRootCertificate", "certificate_hash_data": ROOT},
                {"certificate_type": "ManufacturerRootCertificate", "certificate_hash_data": MAKER},
            ]
            listed = await api.get("/API/Certificates/CP1/Installed")
            assert listed.json()["status"] == "Accepted"
            assert charger.rec.last("GetInstalledCertificateIds") == {}
        kept = (await api.get("/API/Certificates/CP1/Installed", params={"cached": "true"})).json()
        assert kept["status"] is None
        assert [
            (c["certificateType"], c["serialNumber"], c["hashAlgorithm"]) for c in kept["certificates"]
        ] == [
            ("CSMSRootCertificate", "1f", "SHA256"),
            ("ManufacturerRootCertificate", "2e", "SHA384"),
        ]
        assert kept["certificates"][0]["issuerNameHash"] == "aa11"

        deleted = await api.delete("/API/Certificates/CP1/Installed", params=QUERY)
        assert deleted.json() == {"status": "Accepted"}
        assert charger.rec.last("DeleteCertificate") == {"certificate_hash_data": ROOT}
        kept = (await api.get("/API/Certificates/CP1/Installed", params={"cached": "true"})).json()
        assert [c["serialNumber"] for c in kept["certificates"]] == ["2e"]

        # the charger no longer has any manufacturer root: NotFound empties that type
        charger.certificates = {} if is16(charger) else []
        charger.rec.answers["GetInstalledCertificateIds"] = "NotFound"
        listed = await api.get(
            "/API/Certificates/CP1/Installed", params={"certificateType": "ManufacturerRootCertificate"}
        )
        assert listed.json() == {"status": "NotFound", "certificates": []}

        charger.rec.answers["DeleteCertificate"] = "Failed"
        assert (await api.delete("/API/Certificates/CP1/Installed", params=QUERY)).json() == {
            "status": "Failed"
        }
        incomplete = await api.delete("/API/Certificates/CP1/Installed", params={"hashAlgorithm": "MD5"})
        assert incomplete.status_code == 400
        assert (
            "hashAlgorithm" in incomplete.json()["detail"] and "serialNumber" in incomplete.json()["detail"]
        )
        bad_body = await api.post("/API/Certificates/CP1/Install", json={"certificate": PEM})
        assert bad_body.status_code == 400 and "certificateType" in bad_body.json()["detail"]


async def test_listing_without_an_answer_keeps_what_was_known(server_factory: Any) -> None:
    async with server_factory(call_timeout=1.0) as server:
        await server.add_charge_point("CP1")
        api = server.api()
        async with api, connected(server, "CP1", "ocpp2.0.1") as charger:
            charger.certificates = [
                {"certificate_type": "CSMSRootCertificate", "certificate_hash_data": ROOT}
            ]
            await api.get("/API/Certificates/CP1/Installed")
            charger.rec.delays["GetInstalledCertificateIds"] = 2.0
            late = await api.get("/API/Certificates/CP1/Installed")
            assert late.json() == {"status": "Timeout"}
            await asyncio.sleep(1.2)
            kept = (await api.get("/API/Certificates/CP1/Installed", params={"cached": "true"})).json()
            assert [c["serialNumber"] for c in kept["certificates"]] == ["1f"]
            await charger._connection.close()
            await server.wait_for(lambda: "CP1" not in server.services.registry)
            offline = await api.get("/API/Certificates/CP1/Installed")
            assert offline.status_code == 404


async def test_an_accepted_root_is_kept_as_the_charger_will_name_it(server: RunningServer) -> None:
    root = make_ca("Chargegrid operator root")
    leaf = issue(root, "CP1")
    spki = root.cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    await server.add_charge_point("CP1")
    async with server.api() as api, connected(server, "CP1", "ocpp2.0.1") as charger:
        for issued, status in ((leaf, "Accepted"), (root, "Rejected"), (root, "Accepted")):
            charger.rec.answers["InstallCertificate"] = status
            body = {"certificateType": "CSMSRootCertificate", "certificate": issued.cert_pem().decode()}
            assert (await api.post("/API/Certificates/CP1/Install", json=body)).json() == {"status": status}
        kept = (await api.get("/API/Certificates/CP1/Installed", params={"cached": "true"})).json()
    # only the accepted self-signed root (a leaf's issuer key is not in its PEM: the next listing has it)
    [row] = kept["certificates"]
    assert row["certificateType"] == "CSMSRootCertificate" and row["hashAlgorithm"] == "SHA256"
    assert row["serialNumber"] == format(root.cert.serial_number, "x")
    assert row["issuerNameHash"] == hashlib.sha256(root.cert.issuer.public_bytes()).hexdigest()
    # RFC 6960: the key hash covers the subjectPublicKey bits, for P-256 the 65-byte point ending the SPKI
    assert row["issuerKeyHash"] == hashlib.sha256(spki[-65:]).hexdigest()
