"""UserStore: users.json keeps no secret in the clear, and roles come back right."""

from __future__ import annotations

import json
import stat

import pytest

from appliance.auth import AuthError, UserStore


def test_passwords_are_salted_hashes(data_dir):
    store = UserStore(data_dir)
    store.add_user("anna", "pa55word", "dispatcher")
    store.add_user("boris", "pa55word", "supervisor")
    raw = (data_dir / "users.json").read_text()
    assert "pa55word" not in raw
    hashes = {u["name"]: u["password"]["hash"] for u in json.loads(raw)["users"].values()}
    assert hashes["anna"] != hashes["boris"]  # same password, different salt
    assert store.verify("anna", "pa55word") == "dispatcher"
    assert store.verify("boris", "pa55word") == "supervisor"
    assert store.verify("anna", "wrong") is None
    assert store.verify("nobody", "pa55word") is None
    assert stat.S_IMODE((data_dir / "users.json").stat().st_mode) == 0o600


def test_users_are_unique_and_roles_known(data_dir):
    store = UserStore(data_dir)
    store.add_user("anna", "pa55word", "dispatcher")
    with pytest.raises(AuthError, match="already exists"):
        store.add_user("anna", "other-pass", "admin")
    with pytest.raises(AuthError, match="unknown role"):
        store.add_user("x", "pa55word", "boss")
    with pytest.raises(AuthError, match="unknown role"):
        store.create_token("boss")
    store.set_password("anna", "n3w-pass")
    assert store.verify("anna", "n3w-pass") == "dispatcher"
    assert [u["name"] for u in store.users()] == ["anna"]


def test_ensure_admin_only_on_an_empty_store(data_dir):
    store = UserStore(data_dir)
    assert store.ensure_admin("first") is True
    assert store.verify("admin", "first") == "admin"
    assert store.ensure_admin("second") is False
    assert store.verify("admin", "second") is None


def test_tokens_are_stored_only_as_digests(data_dir):
    store = UserStore(data_dir)
    token = store.create_token("supervisor", label="wallboard")
    assert token.startswith("cbx_") and len(token) > 40
    assert token not in (data_dir / "users.json").read_text()
    # another process (the CLI) adds a token; this store sees it at once
    other = UserStore(data_dir).create_token("admin")
    assert store.check_token(token) == "supervisor"
    assert store.check_token(other) == "admin"
    assert store.check_token("cbx_guess") is None
    assert store.check_token("") is None
    assert {t["label"] for t in store.tokens()} == {"wallboard", ""}
    assert store.revoke(token)
    assert store.check_token(token) is None
    assert not store.revoke(token)
