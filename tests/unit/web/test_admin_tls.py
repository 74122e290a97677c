"""Installing the box's HTTPS certificate from the admin page: checked, then written."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _pair(cn: str, days: int = 90):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=30)).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _csrf(client):
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/admin/tls").get_data(as_text=True)).group(1)


def test_a_real_certificate_is_checked_then_installed(signed_in, data_dir, app):
    admin = signed_in("root", "admin")
    cert, key = _pair("taxi.example")
    _, other_key = _pair("other.example")
    refused = admin.post("/admin/tls", content_type="multipart/form-data", data={
        "csrf": _csrf(admin), "cert": (io.BytesIO(cert), "cert.pem"),
        "key": (io.BytesIO(other_key), "key.pem")})
    assert refused.status_code == 400
    assert "the key does not belong to the certificate" in refused.get_data(as_text=True)
    assert not (data_dir / "tls" / "cert.pem").exists()
    (data_dir / "usb").mkdir()
    (data_dir / "usb" / "key.pem").write_bytes(key)
    done = admin.post("/admin/tls", content_type="multipart/form-data", data={
        "csrf": _csrf(admin), "cert": (io.BytesIO(cert), "cert.pem"),
        "key_path": str(data_dir / "usb" / "key.pem")})
    assert done.status_code == 200
    assert (data_dir / "tls" / "cert.pem").read_bytes() == cert
    assert (data_dir / "tls" / "key.pem").stat().st_mode & 0o777 == 0o600
    assert "taxi.example" in admin.get("/admin/tls").get_data(as_text=True)
    assert app.extensions["callbox"].audit.search(action="tls.install")


def test_an_expired_or_garbage_certificate_is_refused(signed_in, data_dir):
    admin = signed_in("root", "admin")
    cert, key = _pair("old.example", days=-2)
    for files, reason in [((cert, key), "expired"), ((b"junk", key), "not a PEM certificate")]:
        response = admin.post("/admin/tls", content_type="multipart/form-data", data={
            "csrf": _csrf(admin), "cert": (io.BytesIO(files[0]), "c.pem"),
            "key": (io.BytesIO(files[1]), "k.pem")})
        assert response.status_code == 400 and reason in response.get_data(as_text=True)
    assert not (data_dir / "tls").exists()
