"""The voicemail table arrives by migration from every earlier schema version."""

import sqlite3
from datetime import datetime, timezone

import pytest

from appliance.store.db import SCHEMA, db_path, open_db
from appliance.voicemail.schema import VOICEMAIL_TABLES
from appliance.voicemail.store import VoicemailStore

STEP = SCHEMA.index(VOICEMAIL_TABLES)


@pytest.mark.parametrize("version", range(0, STEP + 1))
def test_a_database_of_any_earlier_version_gets_the_voicemail_table(tmp_path, version):
    path = db_path(tmp_path)
    conn = sqlite3.connect(path)
    for step in SCHEMA[:version]:
        for statement in step:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    open_db(path).close()  # migrates
    store = VoicemailStore(tmp_path)
    mid = store.add("c1", "+989121234567", datetime(2026, 12, 2, tzinfo=timezone.utc), 3.0,
                    "", "ivr", "voicemail/2026-12/c1.wav")
    assert [m.id for m in store.list()] == [mid] and store.unread() == 1
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == len(SCHEMA)
    check.close()
