"""The box's TLS front: the shipped nginx.conf, started on loopback in front of the real
web app under waitress, with the certificate callbox-tls.service makes at first boot.
Plain HTTP redirects to HTTPS; HTTPS serves the app with Secure cookies and the real
client address; a newly installed certificate is served after a reload; idle
connections do not keep anyone from the sign-in page."""

from __future__ import annotations

import http.client
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest

from appliance.auth import UserStore
from appliance.config.model import Config, OfficeConfig
from web import create_app, make_server

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "image-build" / "rootfs" / "etc" / "nginx" / "nginx.conf"
TLS_UNIT = ROOT / "systemd" / "callbox-tls.service"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt install nginx)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _make_cert(tls: Path, cn: str = "callbox.local") -> None:
    """What the first boot runs (the unit's own command line, paths moved)."""
    line = next(l for l in TLS_UNIT.read_text().splitlines() if l.startswith("ExecStart="))
    args = shlex.split(line.split("=", 1)[1].replace("/var/lib/callbox/tls", str(tls)))
    args = [a.replace("/CN=callbox.local", f"/CN={cn}") for a in args]
    subprocess.run(args, check=True, capture_output=True)


def _conf(tmp: Path, http_port: int, https_port: int, app_port: int) -> Path:
    text = NGINX_CONF.read_text()
    text = re.sub(r"^user .*;$", "", text, flags=re.M)
    text = re.sub(r"^\s*listen \[::\].*$", "", text, flags=re.M)  # loopback only
    for old, new in [("/run/nginx.pid", f"{tmp}/nginx.pid"),
                     ("/var/log/nginx/error.log", f"{tmp}/error.log"),
                     ("/var/lib/callbox/run/nginx-body", f"{tmp}/body"),
                     ("/var/lib/callbox/tls/", f"{tmp}/tls/"),
                     ("listen 80 ", f"listen 127.0.0.1:{http_port} "),
                     ("listen 443 ", f"listen 127.0.0.1:{https_port} "),
                     ("127.0.0.1:8080", f"127.0.0.1:{app_port}")]:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp / "nginx.conf"
    path.write_text(text)
    return path


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def front(tmp_path):
    data = tmp_path / "data"
    UserStore(data).add_user("sam", "pa55word", "supervisor")
    app = create_app(Config(office=OfficeConfig(name="TLS Taxi")), data)
    server = make_server(app, "127.0.0.1", 0, threads=6)
    threading.Thread(target=server.run, daemon=True).start()
    (tmp_path / "tls").mkdir()
    (tmp_path / "body").mkdir()
    _make_cert(tmp_path / "tls")
    ports = {"http": _free_port(), "https": _free_port()}
    conf = _conf(tmp_path, ports["http"], ports["https"], server.effective_port)
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_port(ports["https"])
        yield {"tmp": tmp_path, "conf": conf, "app": app, **ports}
    finally:
        nginx.terminate()
        nginx.wait(10)
        server.close()


def _https(front, cafile: Path | None = None) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(cafile or front["tmp"] / "tls" / "cert.pem"))
    context.check_hostname = False  # the certificate names callbox.local
    return http.client.HTTPSConnection("127.0.0.1", front["https"], context=context, timeout=5)


def test_plain_http_redirects_to_https(front):
    conn = http.client.HTTPConnection("127.0.0.1", front["http"], timeout=5)
    conn.request("GET", "/calls?number=1", headers={"Host": "callbox.local"})
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == "https://callbox.local/calls?number=1"


def test_https_serves_the_app_with_secure_cookies_and_the_client_address(front):
    conn = _https(front)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html = page.read().decode()
    assert page.status == 200 and "TLS Taxi" in html
    assert "frame-ancestors 'none'" in page.getheader("Content-Security-Policy")
    assert page.getheader("Strict-Transport-Security")  # the app knows it is HTTPS
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    cookie = page.getheader("Set-Cookie").split(";")[0]
    body = f"username=sam&password=pa55word&csrf={csrf}"
    conn.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    signed = conn.getresponse()
    signed.read()
    assert signed.status == 302
    assert "Secure" in signed.getheader("Set-Cookie")


def test_an_installed_certificate_is_served_after_a_reload(front):
    tls = front["tmp"] / "tls"
    new = front["tmp"] / "new"
    new.mkdir()
    _make_cert(new, cn="taxi.example")
    shutil.copy(new / "cert.pem", tls / "cert.pem")
    shutil.copy(new / "key.pem", tls / "key.pem")
    subprocess.run([NGINX, "-p", str(front["tmp"]), "-c", str(front["conf"]), "-s", "reload"],
                   check=True, capture_output=True)
    deadline = time.monotonic() + 5
    while True:
        conn = _https(front, cafile=new / "cert.pem")
        try:
            conn.request("GET", "/login")
            assert conn.getresponse().status == 200
            break
        except ssl.SSLError:
            assert time.monotonic() < deadline, "the new certificate was never served"
            time.sleep(0.1)


def test_idle_connections_do_not_lock_out_the_sign_in_page(front):
    idle = [socket.create_connection(("127.0.0.1", front["https"])) for _ in range(120)]
    try:
        started = time.monotonic()
        conn = _https(front)
        conn.request("GET", "/login")
        assert conn.getresponse().status == 200
        assert time.monotonic() - started < 3
    finally:
        for s in idle:
            s.close()
