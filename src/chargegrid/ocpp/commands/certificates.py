"""Certificates as commands (1.6 Security Extension, 2.x): the charger's installed root certificates
(install, list, delete), and the certificate the CSMS signed for it (CertificateSigned).

Certificate types use the 2.x names; the 1.6 dialect translates CSMSRootCertificate to 1.6's
CentralSystemRootCertificate and refuses the types 1.6 does not have.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chargegrid.ocpp.commands.base import Command

InstallableType = Literal[
    "CSMSRootCertificate",
    "ManufacturerRootCertificate",
    "V2GRootCertificate",
    "MORootCertificate",
    "OEMRootCertificate",  # 2.1 only
]
ListedType = Literal[
    "CSMSRootCertificate",
    "ManufacturerRootCertificate",
    "V2GRootCertificate",
    "MORootCertificate",
    "V2GCertificateChain",
    "OEMRootCertificate",  # 2.1 only
]


class CertificateHash(BaseModel):
    """What identifies an installed certificate (OCPP CertificateHashDataType)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hash_algorithm: Literal["SHA256", "SHA384", "SHA512"]
    issuer_name_hash: str = Field(min_length=1, max_length=128)
    issuer_key_hash: str = Field(min_length=1, max_length=128)
    serial_number: str = Field(min_length=1, max_length=40)


class InstallCertificate(Command):
    kind: Literal["InstallCertificate"] = "InstallCertificate"
    certificate_type: InstallableType
    certificate: str = Field(min_length=1, max_length=5500)  # PEM


class GetInstalledCertificateIds(Command):
    kind: Literal["GetInstalledCertificateIds"] = "GetInstalledCertificateIds"
    # Empty: every type (2.x); OCPP 1.6 asks for exactly one type.
    certificate_types: tuple[ListedType, ...] = ()


class DeleteCertificate(Command):
    kind: Literal["DeleteCertificate"] = "DeleteCertificate"
    certificate: CertificateHash


class CertificateSigned(Command):
    """The chain (leaf first) our certificate authority signed after the charger's SignCertificate.

    1.6 signs only the charge point's own certificate (its message has no type); 2.x names the type it
    asked for: ChargingStationCertificate or V2GCertificate.
    """

    kind: Literal["CertificateSigned"] = "CertificateSigned"
    certificate_chain: str = Field(min_length=1)  # PEM
    certificate_type: Literal["ChargingStationCertificate", "V2GCertificate"] = "ChargingStationCertificate"
