"""Security headers on every answer, cookies that stay on HTTPS, no inline script."""

from __future__ import annotations

from pathlib import Path
import re

WEB = Path(__file__).resolve().parents[3] / "web"


def test_every_answer_carries_the_security_headers(app, supervisor):
    for client, url in [(app.test_client(), "/login"), (supervisor, "/"),
                        (supervisor, "/api/status"), (supervisor, "/calls")]:
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert supervisor.get("/calls").headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_secure_behind_the_tls_front(app, users, password):
    users.add_user("sam", password, "supervisor")
    client = app.test_client()
    front = {"X-Forwarded-Proto": "https"}  # what nginx on loopback sends
    page = client.get("/login", headers=front).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = client.post("/login", headers=front,
                           data={"username": "sam", "password": password, "csrf": csrf})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_far_client_cannot_fake_its_address(app, users, password):
    """X-Forwarded-For counts only from the loopback front; sign-in throttling keys on it."""
    client = app.test_client()
    seen = []
    app.before_request(lambda: seen.append(__import__("flask").request.remote_addr))
    client.get("/login", headers={"X-Forwarded-For": "1.2.3.4"},
               environ_base={"REMOTE_ADDR": "192.168.1.50"})
    client.get("/login", headers={"X-Forwarded-For": "10.9.9.9"})  # from the front
    assert seen == ["192.168.1.50", "10.9.9.9"]


def test_no_template_has_inline_script_or_style():
    for path in list(WEB.glob("templates/*.html")) + list(WEB.glob("*/templates/**/*.html")):
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path.name  # onclick= etc.
        assert ' style="' not in html and "<style" not in html, path.name


def test_no_password_or_customer_number_in_the_log(app, users, password, caplog, login):
    users.add_user("sam", password, "supervisor")
    client = app.test_client()
    caplog.set_level("INFO")
    login(client, "sam", "wrong horse staple")
    login(client, "hunter2-typed-as-name", password)  # a password in the name box
    login(client, "sam")
    text = caplog.text
    assert "wrong horse staple" not in text and password not in text
    assert "hunter2-typed-as-name" not in text and "(unknown)" in text
