"""SyncState: cursors, JWKS cache, image cache map and sync status in a real bridge database."""

from __future__ import annotations

import pytest

from bridge.store.registry import open_database
from bridge.store.sync_state import STATUS_DEFAULTS, SyncState


@pytest.fixture
def state(db):
    return SyncState(db)


def test_cursors_are_replaced_and_forgotten(state, db):
    assert state.cursor("catalog") is None
    state.set_cursor("catalog", "c-1")
    state.set_cursor("catalog", "c-2")
    state.set_cursor("stock", "s-9")
    assert (state.cursor("catalog"), state.cursor("stock")) == ("c-2", "s-9")
    assert db.utils()["sync_cursors"].count == 2
    state.set_cursor("catalog", None)
    assert state.cursor("catalog") is None and state.cursor("stock") == "s-9"


def test_cursor_updates_refresh_their_time(state, db):
    cursors = db.utils()["sync_cursors"]
    with db.write() as conn:
        db.utils(conn)["sync_cursors"].insert(
            {"name": "catalog", "cursor": "c-1", "updated_at": "2000-01-01T00:00:00.000Z"})
    state.set_cursor("catalog", "c-2")
    row = next(cursors.rows_where("name = ?", ["catalog"]))
    assert row["cursor"] == "c-2" and row["updated_at"] > "2000-01-01T00:00:00.000Z"
    assert row["updated_at"].endswith("Z") and len(row["updated_at"]) == 24


def test_jwks_is_empty_before_the_first_pull_then_the_last_one(state, db):
    assert state.jwks() == {"keys": []}
    state.set_jwks({"keys": [{"kid": "a"}]})
    state.set_jwks({"keys": [{"kid": "b"}]})
    assert state.jwks() == {"keys": [{"kid": "b"}]}
    assert db.utils()["sync_jwks"].count == 1


def test_wanted_images_are_retried_until_cached(state):
    state.want_image("https://hq/b.jpg")
    state.want_image("https://hq/a.jpg")
    state.want_image("https://hq/a.jpg")
    assert state.wanted_images() == ["https://hq/a.jpg", "https://hq/b.jpg"]
    assert state.image("https://hq/a.jpg") is None
    state.set_image("https://hq/a.jpg", "/cache/a.jpg", '"e1"')
    assert state.image("https://hq/a.jpg") == ("/cache/a.jpg", '"e1"')
    assert state.wanted_images() == ["https://hq/b.jpg"]
    state.want_image("https://hq/a.jpg")  # a later failure keeps the cached file
    assert state.image("https://hq/a.jpg") == ("/cache/a.jpg", '"e1"')
    state.set_image("https://hq/a.jpg", "/cache/a2.jpg", None)
    assert state.image("https://hq/a.jpg") == ("/cache/a2.jpg", None)


def test_status_keeps_each_key_until_changed(state):
    assert state.status() == STATUS_DEFAULTS
    state.set_status(hq_reachable=True, last_error="timeout", retry_at="2026-11-23T13:00:05Z")
    state.set_status(last_error=None)
    state.set_status()
    got = state.status()
    assert got["hq_reachable"] is True and got["last_error"] is None
    assert got["retry_at"] == "2026-11-23T13:00:05Z" and got["auth_failed"] is False


def test_unknown_status_keys_are_refused_and_nothing_is_written(state, db):
    with pytest.raises(KeyError, match="hq_reachabel"):
        state.set_status(hq_reachable=True, hq_reachabel=False)
    assert db.utils()["sync_status"].count == 0


def test_state_is_shared_with_another_process_view(tmp_path):
    path = tmp_path / "shared.db"
    with open_database(path) as writer:
        SyncState(writer).set_status(last_push_at="2026-11-23T13:00:00Z")
        with open_database(path) as reader:  # e.g. `vitrine-bridge status` while the sender runs
            assert SyncState(reader).status()["last_push_at"] == "2026-11-23T13:00:00Z"
