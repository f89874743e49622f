"""How OCPP names an installed certificate (CertificateHashDataType), computed from its PEM.

OCPP takes the fields from OCSP's CertID (RFC 6960): the hash of the issuer's DER-encoded name, the hash
of the issuer's public key (the subjectPublicKey bit string's contents) and the serial number in hex
without leading zeroes. For a self-signed root the issuer is the certificate itself, so its own PEM is
enough; for any other certificate the issuer's key is needed, and None is answered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa


@dataclass(frozen=True)
class Identity:
    hash_data: dict[str, str]  # hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber (camelCase)
    subject: str


def _public_key_bits(certificate: x509.Certificate) -> bytes | None:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return None


def of_root(pem: str) -> Identity | None:
    """The SHA256 identity of a self-signed certificate; None for anything else or unreadable PEM."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None
    if certificate.issuer != certificate.subject:
        return None
    key_bits = _public_key_bits(certificate)
    if key_bits is None:
        return None
    hash_data = {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": hashlib.sha256(certificate.issuer.public_bytes()).hexdigest(),
        "issuerKeyHash": hashlib.sha256(key_bits).hexdigest(),
        "serialNumber": format(certificate.serial_number, "x"),
    }
    return Identity(hash_data, certificate.subject.rfc4514_string())
