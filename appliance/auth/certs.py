"""The box's HTTPS certificate (``<data>/tls/cert.pem`` + ``key.pem``, served by nginx).

An admin installs a real one (uploaded, or read from a path such as a USB stick): it is
checked first — PEM certificate (chain) and private key that belong together, not
expired — then the key and the certificate are written atomically (0600); the
certificate last, because writing it is what tells the TLS front to reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from appliance.config.storage import atomic_write_bytes
from appliance.errors import CallboxError

TLS_DIR = "tls"


class CertError(CallboxError):
    """A certificate was refused; the message says why."""


@dataclass(frozen=True)
class CertInfo:
    subject: str
    issuer: str
    not_after: str  # UTC ISO 8601
    names: tuple[str, ...]
    self_signed: bool


def describe(cert_pem: bytes) -> CertInfo:
    cert = x509.load_pem_x509_certificates(cert_pem)[0]
    try:
        names = tuple(cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = ()
    return CertInfo(cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(),
                    cert.not_valid_after_utc.isoformat().replace("+00:00", "Z"), names,
                    cert.subject == cert.issuer)


def check_pair(cert_pem: bytes, key_pem: bytes, now: datetime | None = None) -> CertInfo:
    try:
        chain = x509.load_pem_x509_certificates(cert_pem)
    except ValueError:
        raise CertError("the certificate is not a PEM certificate") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise CertError("the key is not an unencrypted PEM private key") from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if chain[0].public_key().public_bytes(serialization.Encoding.PEM, public) != \
            key.public_key().public_bytes(serialization.Encoding.PEM, public):
        raise CertError("the key does not belong to the certificate")
    now = now or datetime.now(timezone.utc)
    if chain[0].not_valid_after_utc <= now:
        raise CertError("the certificate has expired")
    if chain[0].not_valid_before_utc > now:
        raise CertError("the certificate is not valid yet")
    return describe(cert_pem)


def current(data_dir: Path) -> CertInfo | None:
    try:
        return describe((Path(data_dir) / TLS_DIR / "cert.pem").read_bytes())
    except (OSError, ValueError, IndexError):
        return None


def install(data_dir: Path, cert_pem: bytes, key_pem: bytes) -> CertInfo:
    info = check_pair(cert_pem, key_pem)
    tls = Path(data_dir) / TLS_DIR
    atomic_write_bytes(tls / "key.pem", key_pem, mode=0o600)
    atomic_write_bytes(tls / "cert.pem", cert_pem, mode=0o600)
    return info
