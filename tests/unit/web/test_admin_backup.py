"""The admin's backup page: download, restore by upload, a refused file changes nothing."""

from __future__ import annotations

import io
import re

from appliance.store.db import db_path, open_db


def _csrf(client, url="/admin/backup"):
    return re.search(r'name="csrf" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def _calls(data_dir):
    conn = open_db(db_path(data_dir))
    try:
        return [r[0] for r in conn.execute("SELECT call_id FROM calls ORDER BY id")]
    finally:
        conn.close()


def test_download_then_restore_by_upload(signed_in, seed_calls, data_dir, app, users):
    seed_calls([{"call_id": f"c{i}", "started_at": f"2026-03-01T08:0{i}:00.000000Z"}
                for i in range(5)])
    admin = signed_in("root", "admin")
    archive = admin.post("/admin/backup", data={"csrf": _csrf(admin), "passphrase": "secret pass",
                                                "repeat": "secret pass"})
    assert archive.status_code == 200
    assert archive.headers["Content-Disposition"].startswith("attachment; filename=callbox-")
    body = archive.get_data()
    archive.close()  # as the server does when the download is done
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".backup-")]
    conn = open_db(db_path(data_dir))
    conn.execute("DELETE FROM calls")
    conn.close()
    users.add_user("intruder", "pa55word", "admin")
    refused = admin.post("/admin/backup/restore", content_type="multipart/form-data", data={
        "csrf": _csrf(admin), "passphrase": "wrong",
        "archive": (io.BytesIO(body), "callbox.cbx")})
    assert refused.status_code == 400
    assert "Nothing was changed: wrong passphrase" in refused.get_data(as_text=True)
    assert _calls(data_dir) == []
    done = admin.post("/admin/backup/restore", content_type="multipart/form-data", data={
        "csrf": _csrf(admin), "passphrase": "secret pass",
        "archive": (io.BytesIO(body), "callbox.cbx")})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "Restored the backup made" in done.get_data(as_text=True)
    assert _calls(data_dir) == [f"c{i}" for i in range(5)]
    assert users.account("intruder") is None  # users.json came back as it was
    # the restore itself is in the (restored) audit log
    assert app.extensions["callbox"].audit.search(action="backup.restore")


def test_a_big_upload_is_fine_for_restore_but_not_elsewhere(signed_in):
    admin = signed_in("root", "admin")
    big = io.BytesIO(b"x" * (200 * 1024))
    response = admin.post("/admin/backup/restore", content_type="multipart/form-data",
                          data={"csrf": _csrf(admin), "archive": (big, "junk.cbx")})
    assert response.status_code == 400
    assert "this is not a callbox backup" in response.get_data(as_text=True)
    assert admin.post("/admin/users", data={"csrf": _csrf(admin), "name": "x" * 200_000}
                      ).status_code == 413
