"""The CSMS certificate authority: signs chargers' CSRs (SignCertificate) with the `cryptography` package.

The operator brings their own CA (`CHARGEGRID_CA__CERT_FILE` + `CHARGEGRID_CA__KEY_FILE`, PEM, key
unencrypted and readable only by the service) or, by default, one is generated at first start into
`<data_dir>/ca/` (an ECDSA P-256 key, file mode 0600). The key is never logged or shown; only the
certificate's subject and fingerprint are.

A CSR is signed only when it passes `check_csr`: a valid self-signature, CN equal to the charge point id,
an RSA key of at least 2048 bits or an EC key on P-256/P-384 (the whitepaper's minimum), and, when an
organisation is configured, O equal to it (2.0.1 A02.FR.06 / 1.6 whitepaper).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger("chargegrid.security.ca")

MIN_RSA_BITS = 2048
ALLOWED_CURVES = ("secp256r1", "secp384r1")
CERT_NAME = "csms-ca.pem"
KEY_NAME = "csms-ca.key"


class CsrRejected(Exception):
    """The CSR cannot be signed; the message says why (recorded in a security event)."""


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    chain_pem: str  # leaf first, then the CA: what CertificateSigned carries

    @property
    def serial(self) -> str:
        return format(self.certificate.serial_number, "x")

    @property
    def leaf_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def _name_value(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode()


def check_csr(
    csr_pem: str, charge_point_id: str, organization: str | None = None
) -> x509.CertificateSigningRequest:
    """The parsed CSR if it may be signed for `charge_point_id`; else `CsrRejected` naming the problem."""
    try:
        csr = x509.load_pem_x509_csr(csr_pem.encode())
    except ValueError:
        raise CsrRejected("the CSR is not a PEM-encoded PKCS#10 request") from None
    if not csr.is_signature_valid:
        raise CsrRejected("the CSR's signature does not verify")
    cn = _name_value(csr.subject, NameOID.COMMON_NAME)
    if cn != charge_point_id:
        raise CsrRejected(
            f"the CSR's subject CN is {cn!r}; it must be the charge point id {charge_point_id!r}"
        )
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CsrRejected(f"RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} are required")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in ALLOWED_CURVES:
            raise CsrRejected(f"EC curve {key.curve.name}; allowed: {', '.join(ALLOWED_CURVES)}")
    else:
        raise CsrRejected(f"key type {type(key).__name__} is not allowed; use RSA >= 2048 or EC P-256/P-384")
    if organization is not None:
        org = _name_value(csr.subject, NameOID.ORGANIZATION_NAME)
        if org != organization:
            raise CsrRejected(f"the CSR's organisation is {org!r}; it must be {organization!r}")
    return csr


class CertificateAuthority:
    def __init__(
        self, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    ) -> None:
        self.certificate = certificate
        self._key = key

    def __repr__(self) -> str:  # never the key
        return f"CertificateAuthority({self.certificate.subject.rfc4514_string()!r})"

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @classmethod
    def load(cls, cert_file: Path, key_file: Path) -> CertificateAuthority:
        cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
        try:
            key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
        except (ValueError, TypeError):
            # Say which file, never what is in it.
            raise ValueError(f"{key_file}: not an unencrypted PEM private key") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise ValueError(f"{key_file}: the CA key must be RSA or EC")
        if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
            raise ValueError(f"{key_file} is not the key of {cert_file}")
        return cls(cert, key)

    @classmethod
    def generate(cls, common_name: str = "Chargegrid CSMS CA", days: int = 3650) -> CertificateAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key)

    @classmethod
    def open(cls, cert_file: Path | None, key_file: Path | None, data_dir: Path) -> CertificateAuthority:
        """The operator's CA if both files are set, else the one in `<data_dir>/ca/` (made on first use)."""
        if (cert_file is None) != (key_file is None):
            raise ValueError("set both CHARGEGRID_CA__CERT_FILE and CHARGEGRID_CA__KEY_FILE, or neither")
        if cert_file is not None and key_file is not None:
            ca = cls.load(cert_file, key_file)
        else:
            folder = Path(data_dir) / "ca"
            cert_path, key_path = folder / CERT_NAME, folder / KEY_NAME
            if cert_path.exists() and key_path.exists():
                ca = cls.load(cert_path, key_path)
            else:
                ca = cls.generate()
                ca._save(cert_path, key_path)
                log.info("generated a CSMS certificate authority in %s", folder)
        fingerprint = ca.certificate.fingerprint(hashes.SHA256()).hex()
        log.info("CSMS CA %s (SHA-256 %s)", ca.certificate.subject.rfc4514_string(), fingerprint)
        return ca

    def _save(self, cert_path: Path, key_path: Path) -> None:
        cert_path.parent.mkdir(parents=True, exist_ok=True)
        key_bytes = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key_bytes)
        cert_path.write_text(self.certificate_pem)

    def sign(self, csr: x509.CertificateSigningRequest, days: int, *, v2g: bool = False) -> Issued:
        """A certificate for the (checked) CSR's subject and key, valid `days` from now."""
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.certificate.subject)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(min(now + timedelta(days=days), self.certificate.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=not v2g,
                    data_encipherment=False,
                    key_agreement=v2g,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.certificate.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
        )
        if not v2g:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
            )
        cert = builder.sign(self._key, hashes.SHA256())
        chain = cert.public_bytes(serialization.Encoding.PEM).decode() + self.certificate_pem
        return Issued(cert, chain)
