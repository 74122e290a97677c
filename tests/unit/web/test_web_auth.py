"""Nobody sees anything without signing in or a token; roles limit actions."""

from __future__ import annotations

import re
import stat


PUBLIC = {"auth.login", "auth.language", "static"}


def _protected_urls(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = rule.rule.replace("<name>", "pause")
        method = "GET" if "GET" in rule.methods else "POST"
        yield method, url


def _post_urls(app):
    """Routes that also take POST on a URL that answers GET (e.g. a page and its form)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in PUBLIC and "POST" in rule.methods:
            yield "POST", rule.rule.replace("<name>", "pause")


def test_every_page_and_api_needs_a_login(app):
    client = app.test_client()
    urls = list(_protected_urls(app))
    assert {u for _, u in urls} >= {"/", "/calls", "/calls.csv", "/api/status", "/api/calls",
                                     "/api/events", "/api/actions/pause", "/logout",
                                     "/messages", "/api/messages", "/api/ussd", "/health",
                                     "/api/health", "/api/dispatchers/pause/pause"}
    assert ("POST", "/messages") in [(m, u) for m, u in _post_urls(app)]
    for method, url in urls + list(_post_urls(app)):
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
            assert set(response.json) == {"error", "message"}
            assert response.json["error"] == "unauthorized"
        else:
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/login?next=")


def test_login_page_takes_the_user_back_where_they_were(app, users, login, password):
    users.add_user("anna", password, "dispatcher")
    client = app.test_client()
    assert client.get("/calls").headers["Location"] == "/login?next=/calls"
    wrong = login(client, "anna", "wrong password", next_url="/calls")
    assert wrong.status_code == 401
    assert "Wrong user name or password." in wrong.get_data(as_text=True)
    assert client.get("/calls").status_code == 302
    right = login(client, "anna", next_url="/calls")
    assert right.headers["Location"] == "/calls"
    assert client.get("/calls").status_code == 200
    assert client.get("/api/calls").status_code == 200


def test_login_never_redirects_to_another_site(app, users, login, password):
    users.add_user("anna", password, "dispatcher")
    client = app.test_client()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        assert login(client, "anna", next_url=target).headers["Location"] == "/"


def test_login_form_needs_its_csrf_token(app, users, password):
    users.add_user("anna", password, "dispatcher")
    client = app.test_client()
    response = client.post("/login", data={"username": "anna", "password": password})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(supervisor):
    page = supervisor.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert supervisor.post("/logout", data={"csrf": csrf}).status_code == 302
    assert supervisor.get("/").status_code == 302
    assert supervisor.get("/api/status").status_code == 401


def test_a_removed_user_is_signed_out_at_once(supervisor, users):
    users.remove_user("sam")
    assert supervisor.get("/api/calls").status_code == 401


def test_bearer_tokens_open_the_api_until_revoked(app, users):
    client = app.test_client()
    token = users.create_token("dispatcher", label="wallboard")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/calls", headers=auth).status_code == 200
    assert client.get("/calls", headers=auth).status_code == 200  # pages take tokens too
    assert client.get("/api/calls",
                      headers={"Authorization": "Bearer cbx_made_up"}).status_code == 401
    assert client.get("/api/calls",
                      headers={"Authorization": f"Basic {token}"}).status_code == 401
    (listed,) = users.tokens()
    assert users.revoke(listed["id"])
    assert client.get("/api/calls", headers=auth).status_code == 401


def test_actions_need_supervisor_or_admin(app, users, core, control_server):
    client = app.test_client()
    for role, expected in [("dispatcher", 403), ("technician", 403), ("supervisor", 200),
                           ("admin", 200)]:
        token = users.create_token(role)
        response = client.post("/api/actions/pause", json={"dispatcher": "anna"},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == expected, role
        if expected == 403:
            assert response.json["error"] == "forbidden"
        else:
            assert response.json == {"ok": True, "result": "paused"}
    assert core.actions == [("pause", {"dispatcher": "anna"})] * 2


def test_session_actions_must_be_json_so_other_sites_cannot_forge_them(supervisor, core,
                                                                        control_server):
    forged = supervisor.post("/api/actions/pause", data={"dispatcher": "anna"})
    assert forged.status_code == 415
    assert core.actions == []
    assert supervisor.post("/api/actions/pause", json={"dispatcher": "anna"}).status_code == 200


def test_session_key_is_private_and_survives_a_restart(data_dir, users, make_app, login,
                                                       password):
    users.add_user("anna", password, "dispatcher")
    first = make_app()
    client = first.test_client()
    login(client, "anna")
    secret = data_dir / "web_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    second = make_app()
    cookie = client.get_cookie("callbox_session")
    other = second.test_client()
    other.set_cookie("callbox_session", cookie.value)
    assert other.get("/api/calls").status_code == 200
