"""AtomicJSONStorage: a write either fully happens or leaves the old file; damage is loud."""

import errno
import os
import stat

import pytest
from tinydb import TinyDB

from appliance.config.storage import AtomicJSONStorage, write_all
from appliance.errors import ConfigError


def open_db(path, **kwargs) -> TinyDB:
    return TinyDB(path, storage=AtomicJSONStorage, **kwargs)


def test_documents_survive_reopen_in_a_0600_file(tmp_path):
    path = tmp_path / "config.json"
    with open_db(path) as db:
        db.table("users").insert({"name": "ali", "role": "admin"})
    with open_db(path) as db:
        assert db.table("users").all() == [{"name": "ali", "role": "admin"}]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["config.json"]  # no temp files left behind


def test_missing_file_is_an_empty_database_and_is_not_created_by_reading(tmp_path):
    path = tmp_path / "sub" / "config.json"
    with open_db(path) as db:
        assert db.table("users").all() == []
    assert not path.exists()


def failing_writer(fd: int, data: bytes) -> None:
    """Writes half of the document, then the disk 'fills up'."""
    write_all(fd, data[: len(data) // 2])
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_write_that_fails_midway_leaves_the_old_file_intact(tmp_path):
    path = tmp_path / "config.json"
    with open_db(path) as db:
        db.table("users").insert({"name": "ali"})
    before = path.read_bytes()
    with open_db(path, writer=failing_writer) as db:
        with pytest.raises(OSError):
            db.table("users").insert({"name": "sara" * 1000})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["config.json"]
    with open_db(path) as db:
        assert db.table("users").all() == [{"name": "ali"}]


@pytest.mark.parametrize("content, why", [
    (b'{"users": {"1": {"name": "al', "not valid JSON"),
    (b"", "the file is empty"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"a": "\xff"}', "not UTF-8"),
])
def test_a_damaged_file_is_reported_not_replaced_by_an_empty_database(tmp_path, content, why):
    path = tmp_path / "config.json"
    path.write_bytes(content)
    with open_db(path) as db:
        with pytest.raises(ConfigError) as info:
            db.table("users").insert({"name": "ali"})
    assert info.value.key == str(path)
    assert why in info.value.message and "provision" in info.value.message
    assert path.read_bytes() == content
