"""Admin pages for users and tokens, and what sign-in promises: sessions that end,
throttling, lock-out, forced password change, CSRF — through the real app and store."""

from __future__ import annotations

import re

import pytest


def _form(client, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


@pytest.fixture
def admin(signed_in):
    return signed_in("root", "admin")


def test_admin_adds_a_user_linked_to_a_dispatcher(admin, users, app, login, password):
    csrf = _form(admin, "/admin/users")
    response = admin.post("/admin/users", data={
        "csrf": csrf, "name": "ali", "role": "dispatcher", "dispatcher": "anna",
        "language": "fa", "password": "first-pass"})
    assert response.status_code == 302
    assert users.account("ali") == {"name": "ali", "role": "dispatcher", "dispatcher": "anna",
                                    "language": "fa", "disabled": False, "must_change": True,
                                    "locked": False, "created_at": users.account("ali")["created_at"]}
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "User ali added." in page
    (entry,) = app.extensions["callbox"].audit.search(action="user.add")
    assert entry.actor == "root" and entry.target == "ali" and entry.details["role"] == "dispatcher"
    # ali must choose a password first; every page leads there until then
    ali = app.test_client()
    assert login(ali, "ali", "first-pass").status_code == 302
    assert ali.get("/calls").headers["Location"] == "/password"
    csrf = _form(ali, "/password")
    assert ali.post("/password", data={"csrf": csrf, "current": "first-pass", "new": "mine-now",
                                       "repeat": "mine-now"}).status_code == 200
    assert ali.get("/calls").status_code == 200


@pytest.mark.parametrize("field, value, message", [
    ("role", "boss", "Choose one of the roles."),
    ("dispatcher", "ghost", "Choose a configured dispatcher."),
    ("language", "de", "Choose one of the languages."),
    ("password", "short", "at least 8 characters"),
    ("name", "two words", "without spaces"),
])
def test_a_bad_field_is_named_and_nothing_is_saved(admin, users, field, value, message):
    data = {"name": "ali", "role": "dispatcher", "dispatcher": "", "language": "",
            "password": "first-pass", field: value, "csrf": _form(admin, "/admin/users")}
    response = admin.post("/admin/users", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and f'data-field="{field}"' in html
    assert [u["name"] for u in users.users()] == ["root"]


def test_disabling_a_user_ends_their_session_at_once(admin, signed_in, users):
    anna = signed_in("anna", "dispatcher", dispatcher="anna")
    assert anna.get("/api/calls").status_code == 200
    csrf = _form(admin, "/admin/users")
    assert admin.post("/admin/users/anna", data={
        "csrf": csrf, "role": "dispatcher", "dispatcher": "anna", "language": "",
        "disabled": "1"}).status_code == 302
    assert anna.get("/api/calls").status_code == 401
    assert users.account("anna")["disabled"] is True


def test_a_password_change_ends_other_sessions_but_not_this_one(app, users, login, password):
    users.add_user("sam", password, "supervisor")
    office, home = app.test_client(), app.test_client()
    login(office, "sam")
    login(home, "sam")
    csrf = _form(office, "/password")
    response = office.post("/password", data={"csrf": csrf, "current": password,
                                              "new": "brand-new-1", "repeat": "brand-new-1"})
    assert response.status_code == 200
    assert office.get("/api/calls").status_code == 200
    assert home.get("/api/calls").status_code == 401


def test_an_old_cookie_is_dead_after_sign_out(app, users, login, password):
    users.add_user("sam", password, "supervisor")
    client = app.test_client()
    login(client, "sam")
    cookie = client.get_cookie("callbox_session").value
    client.post("/logout", data={"csrf": _form(client, "/")})
    replay = app.test_client()
    replay.set_cookie("callbox_session", cookie)
    assert replay.get("/api/calls").status_code == 401


def test_wrong_passwords_slow_down_then_lock_the_user(app, users, login, password):
    users.add_user("sam", password, "supervisor")
    throttle = app.extensions["callbox"].throttle
    now = [1000.0]
    throttle.clock = lambda: now[0]
    client = app.test_client()
    for _ in range(3):
        assert login(client, "sam", "wrong-one").status_code == 401
    assert login(client, "sam", "wrong-one").status_code == 401  # 4th: delay starts
    refused = login(client, "sam", password)  # even the right password must wait
    assert refused.status_code == 429 and "Try again in" in refused.get_data(as_text=True)
    for _ in range(6):
        now[0] += 400
        login(client, "sam", "wrong-one")
    assert users.account("sam")["locked"] is True
    now[0] += 400
    assert login(client, "sam", password).status_code == 403  # locked: the admin must lift it
    users.update_user("sam", locked=False)
    throttle.clear("user:sam")
    throttle.clear("addr:127.0.0.1")
    assert login(client, "sam", password).status_code == 302


def test_admin_unlocks_a_user_on_the_page(admin, users):
    users.add_user("sam", "pa55word", "supervisor")
    users.update_user("sam", locked=True)
    assert "locked" in admin.get("/admin/users").get_data(as_text=True)
    admin.post("/admin/users/sam", data={"csrf": _form(admin, "/admin/users"),
                                         "role": "supervisor", "unlock": "1"})
    assert users.account("sam")["locked"] is False


def test_admin_cannot_lock_themselves_out(admin, users):
    response = admin.post("/admin/users/root", data={
        "csrf": _form(admin, "/admin/users"), "role": "dispatcher"})
    assert response.status_code == 400 and users.account("root")["role"] == "admin"


def test_every_admin_form_needs_its_csrf_token(admin, users):
    users.add_user("sam", "pa55word", "supervisor")
    for url, data in [("/admin/users", {"name": "x", "role": "admin", "password": "12345678"}),
                      ("/admin/users/sam", {"role": "admin"}),
                      ("/admin/users/sam/password", {"password": "12345678"}),
                      ("/admin/users/sam/remove", {}),
                      ("/admin/tokens", {"label": "x", "role": "admin"})]:
        assert admin.post(url, data=data).status_code == 400, url
    assert [u["name"] for u in users.users()] == ["root", "sam"]
    assert users.account("sam")["role"] == "supervisor" and users.tokens() == []


def test_tokens_are_created_listed_and_revoked(admin, users, app):
    csrf = _form(admin, "/admin/tokens")
    page = admin.post("/admin/tokens", data={"csrf": csrf, "label": "wallboard",
                                             "role": "supervisor"}).get_data(as_text=True)
    token = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    wallboard = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/calls", headers=wallboard).status_code == 200
    (listed,) = users.tokens()
    assert listed["label"] == "wallboard" and token not in admin.get("/admin/tokens").get_data(as_text=True)
    admin.post(f"/admin/tokens/{listed['id']}/revoke", data={"csrf": _form(admin, "/admin/tokens")})
    assert app.test_client().get("/api/calls", headers=wallboard).status_code == 401
    actions = [e.action for e in app.extensions["callbox"].audit.search()]
    assert actions[:2] == ["token.revoke", "token.create"]


def test_only_admins_open_the_admin_pages(signed_in):
    for role in ("supervisor", "dispatcher", "technician"):
        assert signed_in(f"u{role}", role).get("/admin/users").status_code == 403


def test_a_damaged_users_file_shows_the_recovery_page_not_a_500(admin, data_dir):
    (data_dir / "users.json").write_text("{\"users\": {\"1\": ")
    response = admin.get("/calls")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Settings damaged" in html and "users.json" in html and "callbox user add" in html
    api = admin.get("/api/calls")
    assert api.status_code == 503 and api.json["error"] == "settings_damaged"
