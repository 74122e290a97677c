"""Bad input gets a clear 4xx and changes nothing: out-of-range dates, odd bodies, big
bodies — through the real app, a real control server and SQLite."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("url", ["/api/calls?since=9999-12-31", "/api/calls?until=9999-12-31",
                                 "/calls?until=9999-12-31", "/calls.csv?since=9999-12-31",
                                 "/admin/audit?until=99999-01-01"])
def test_a_date_out_of_range_is_a_400_not_a_500(token_client, url):
    client, headers = token_client("admin")
    response = client.get(url, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    if url.startswith("/api/"):
        assert "out of the range of dates" in response.json["message"]


BODIES = (b"[]", b'"x"', b"{bad json", b"null", b"7", b'{"dispatcher": ["a"]}',
          b'{"dispatcher": {"x": 1}}', b'{"paused": "yes", "extra": 1}', b'{"number": 5}',
          b'{"dispatcher": "anna", "__class__": 1}')


def test_an_action_body_of_any_shape_never_gives_a_500(token_client, control_server, core):
    client, headers = token_client("supervisor")
    headers = dict(headers, **{"Content-Type": "application/json"})
    for url in ("/api/actions/pause", "/api/dispatchers/anna/pause", "/api/callbacks",
                "/api/actions/no_such_action"):
        for body in BODIES:
            response = client.post(url, data=body, headers=headers)
            assert response.status_code < 500, (url, body, response.json)
            if response.status_code != 200:
                assert set(response.json) >= {"error", "message"}, (url, body)


def test_an_oversized_body_is_a_413_and_nothing_is_read(token_client, control_server, core):
    client, headers = token_client("supervisor")
    response = client.post("/api/actions/pause", data=b'{"x": "' + b"a" * 100_000 + b'"}',
                           headers=dict(headers, **{"Content-Type": "application/json"}))
    assert response.status_code == 413 and response.json["error"]
    assert core.actions == []
