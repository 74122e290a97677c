"""The route/role matrix (web.security.ROUTE_ROLES): every route of the app has a row,
and the single before_request hook enforces it for every role and method."""

from __future__ import annotations

import re

from flask import Blueprint

from web.security import EVERYONE, PUBLIC, ROUTE_ROLES, roles_for

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _url(rule) -> str:
    def value(match: re.Match) -> str:
        return "1" if match.group(1) in ("int", "float") else "x"
    return re.sub(r"<(?:([^:>]+):)?[^>]+>", value, rule.rule)


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods) & set(METHODS)):
            yield rule, method


def test_every_route_of_the_app_has_a_rule(app):
    """A new route without a row in ROUTE_ROLES fails here: declare who may use it."""
    missing = [f"{method} {rule.endpoint} ({rule.rule})" for rule, method in _routes(app)
               if roles_for(rule.endpoint, method) is None]
    assert missing == [], "routes without a row in web/security.py ROUTE_ROLES"
    for endpoint, rule in ROUTE_ROLES.items():
        assert rule == PUBLIC or (rule and set(rule) <= set(EVERYONE)), endpoint


def test_each_role_is_refused_what_the_matrix_does_not_give_it(app, users):
    client = app.test_client()
    tokens = {role: {"Authorization": f"Bearer {users.create_token(role)}"}
              for role in EVERYONE}
    checked = 0
    for rule, method in _routes(app):
        allowed = roles_for(rule.endpoint, method)
        if allowed == PUBLIC or rule.endpoint == "api.events":  # a stream never ends
            continue
        for role in EVERYONE:
            response = client.open(_url(rule), method=method, headers=tokens[role], json={})
            if role in allowed:
                assert response.status_code != 401, (role, method, rule.rule)
                if response.status_code == 403 and response.is_json:
                    assert "needs one of the roles" not in response.json["message"]
            else:
                assert response.status_code == 403, (role, method, rule.rule)
            checked += 1
    assert checked > 40


def test_a_route_without_a_row_is_refused_even_to_an_admin(make_app, users):
    app = make_app()
    extra = Blueprint("forgotten", __name__)
    extra.add_url_rule("/forgotten", "page", lambda: "secret")
    app.register_blueprint(extra)
    headers = {"Authorization": f"Bearer {users.create_token('admin')}"}
    response = app.test_client().get("/forgotten", headers=headers)
    assert response.status_code == 403 and "secret" not in response.get_data(as_text=True)


def test_technicians_and_dispatchers_get_only_their_pages(signed_in):
    tech = signed_in("tina", "technician")
    assert tech.get("/health").status_code == 200
    assert tech.get("/messages").status_code == 403  # customers' messages
    assert tech.get("/calls.csv").status_code == 403  # exports need a supervisor
    anna = signed_in("anna", "dispatcher", dispatcher="anna")
    assert anna.get("/messages").status_code == 200
    assert anna.get("/health").status_code == 403
    assert anna.get("/calls.csv").status_code == 403


def test_a_user_gets_the_buttons_of_the_linked_dispatcher_only(signed_in, core,
                                                               control_server):
    # "ali" works as dispatcher "anna": linked explicitly, the names need not match
    ali = signed_in("ali", "dispatcher", dispatcher="anna")
    assert ali.post("/api/dispatchers/anna/pause", json={"paused": True}).status_code == 200
    # a user whose name equals a dispatcher's gets nothing without the link
    boris = signed_in("boris", "dispatcher")
    assert boris.post("/api/dispatchers/boris/pause", json={}).status_code == 403
    assert core.actions == [("pause", {"dispatcher": "anna", "paused": True, "reason": ""})]


def test_an_export_lands_in_the_audit_log(supervisor, app, seed_calls):
    seed_calls([{"started_at": "2026-03-01T08:00:00.000000Z", "caller": "+989121234567"}])
    assert supervisor.get("/calls.csv?number=%2B989121234567").status_code == 200
    (entry,) = app.extensions["callbox"].audit.search(action="calls.export")
    assert entry.actor == "sam" and entry.source_ip == "127.0.0.1"
    assert entry.details == {"rows": 1, "filters": {"number": "+989121234567"}}
    assert app.extensions["callbox"].audit.verify().ok


def test_technicians_see_customers_numbers_masked(signed_in, seed_calls, core, control_server):
    seed_calls([{"started_at": "2026-03-01T08:00:00.000000Z", "caller": "+989121234567"}])
    tech = signed_in("tina", "technician")
    (call,) = tech.get("/api/calls").json
    assert call["caller"] == "+989•••67"
    assert "+989121234567" not in tech.get("/calls").get_data(as_text=True)
    assert tech.get("/api/status").json["in_menu"][0]["caller"] == "+989•••33"
    boss = signed_in("sam", "supervisor")
    assert boss.get("/api/calls").json[0]["caller"] == "+989121234567"


def test_bulk_views_of_personal_data_need_a_supervisor(token_client):
    client, dispatcher = token_client("dispatcher")
    assert client.get("/api/calls?limit=100", headers=dispatcher).status_code == 200
    refused = client.get("/api/calls?limit=1000", headers=dispatcher)
    assert refused.status_code == 403 and "supervisor" in refused.json["message"]
    _, boss = token_client("supervisor")
    assert client.get("/api/calls?limit=1000", headers=boss).status_code == 200


def test_every_form_of_the_app_needs_its_csrf_token(app, users, password, login):
    """Every cookie-authenticated POST to a page (not /api/) without the token: 400, and
    it never reaches the view (the admin's session is used, so no role stops it first)."""
    users.add_user("root", password, "admin")
    client = app.test_client()
    login(client, "root")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint in (
                "auth.login", "static"):
            continue
        response = client.post(_url(rule), data={"x": "1"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        checked += 1
    assert checked >= 10
    assert client.get("/calls").status_code == 200  # still signed in: logout was refused too


def test_the_generated_first_admin_password_must_be_changed(app, users, login):
    assert users.ensure_admin("generated-secret")
    client = app.test_client()
    assert login(client, "admin", "generated-secret").status_code == 302
    for url in ("/", "/calls", "/admin/users", "/health"):
        assert client.get(url).headers.get("Location") == "/password", url
    page = client.get("/password").get_data(as_text=True)
    assert "generated for the first start" in page
    api = client.get("/api/calls")  # the API waits too
    assert api.status_code == 403 and api.json["error"] == "password_change_required"
