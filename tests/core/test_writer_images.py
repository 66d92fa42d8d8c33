"""The store writer and images: bytes go to one file per content hash beside the store, written before the message
that refers to them is committed and never held in the writer's buffers; an image handed on from message to message
is written and recorded once; SQL sees them as the `blobs` view; a version 2 store (bytes in a table) is migrated."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from synthloom.messages import Image
from synthloom.store import load_messages, query
from synthloom.store.image_files import ImageFiles, folder_of
from synthloom.store.writer import StoreWriter
from tests.core.agents_for_tests import Picture


def _pictures(count: int, size: int, prefix: str = "p") -> list[Picture]:
    return [Picture(id=f"{prefix}{i}", campaign="c", agent="draw", image=Image.from_bytes(os.urandom(size)),
                    caption=str(i)) for i in range(count)]


def test_an_image_is_a_file_before_its_message_is_committed_and_is_stored_once(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    writer = StoreWriter(store, "c", flush_interval_s=3600)
    try:
        [first] = _pictures(1, 1000)
        later = [Picture(id=f"q{i}", campaign="c", agent="caption", image=first.image, caption="again")
                 for i in range(3)]
        writer.add_outputs("draw", [], [first])
        writer.add_outputs("caption", ["p0"], later)
        path = ImageFiles(store).path(first.image.sha256)
        assert path.read_bytes() == first.image.data  # on disk while the rows still wait for a flush
        assert writer._buffers["images"] == [(first.image.sha256, first.image.mime, 1000)]
        assert sum(len(rows) for rows in writer._buffers.values()) == 6  # 4 messages, 1 handled, 1 image row
    finally:
        writer.close()
    assert path.parent.parent == folder_of(store) == tmp_path / "s.duckdb.images"
    assert query(store, "SELECT count(*), sum(octet_length(data)), sum(size) FROM blobs JOIN images USING (sha256)"
                 )[1] == [(1, 1000, 1000)]
    assert query(store, "SELECT data FROM blobs")[1] == [(first.image.data,)]


def test_messages_read_back_carry_their_bytes_and_a_missing_file_reads_as_none(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    pictures = _pictures(2, 300)
    writer = StoreWriter(store, "c")
    writer.add_outputs("draw", [], pictures)
    writer.close()
    loaded = load_messages(store, "testing.picture", {"testing.picture": Picture})
    assert [m.image.data for m in loaded] == [p.image.data for p in pictures]
    ImageFiles(store).path(pictures[0].image.sha256).unlink()
    assert sorted(query(store, "SELECT sha256, data IS NULL FROM blobs")[1]) == sorted(
        [(pictures[0].image.sha256, True), (pictures[1].image.sha256, False)])


def test_many_photographs_leave_the_store_file_small(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    writer = StoreWriter(store, "c", flush_interval_s=3600)
    try:
        for start in range(0, 40, 10):
            writer.add_outputs("draw", [], _pictures(10, 400_000, prefix=f"b{start}-"))
            writer.flush()
    finally:
        writer.close()
    assert query(store, "SELECT count(*), sum(size) FROM images")[1] == [(40, 16_000_000)]
    assert store.stat().st_size < 6_000_000  # the 16 MB of images are files, not table rows
    assert len(list(folder_of(store).glob("*/*"))) == 40 and not list(folder_of(store).glob("*/.*partial"))


def _version_2_store(path: Path, images: list[Image]) -> None:
    """A store as synthloom's schema version 2 wrote it: the bytes in the `blobs` table."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    con.execute("CREATE TABLE blobs (sha256 VARCHAR PRIMARY KEY, mime VARCHAR, data BLOB)")
    con.executemany("INSERT INTO blobs VALUES (?, ?, ?)", [(i.sha256, i.mime, i.data) for i in images])
    con.close()


def test_a_version_2_store_is_read_as_it_is_and_migrated_when_written(tmp_path: Path) -> None:
    store = tmp_path / "old.duckdb"
    images = [p.image for p in _pictures(3, 500)]
    _version_2_store(store, images)
    expected = sorted((i.sha256, i.data) for i in images)
    assert sorted(query(store, "SELECT sha256, data FROM blobs")[1]) == expected  # read-only: untouched
    assert sorted(query(store, "SELECT sha256, size FROM images")[1]) == sorted((i.sha256, 500) for i in images)
    assert not folder_of(store).exists()
    StoreWriter(store, "c").close()
    assert query(store, "SELECT value FROM meta WHERE key = 'schema_version'")[1] == [("3",)]
    assert sorted(query(store, "SELECT sha256, data FROM blobs")[1]) == expected
    assert all(ImageFiles(store).path(i.sha256).read_bytes() == i.data for i in images)


def test_a_store_of_an_unknown_version_is_refused(tmp_path: Path) -> None:
    from synthloom.errors import StoreError

    store = tmp_path / "future.duckdb"
    con = duckdb.connect(str(store))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '9')")
    con.close()
    with pytest.raises(StoreError, match="schema version '9'"):
        StoreWriter(store, "c")


def test_a_resumed_backlog_of_photographs_is_handed_over_a_group_at_a_time(tmp_path: Path, monkeypatch) -> None:
    from synthloom.campaign import Campaign
    from synthloom.store import campaign_store

    monkeypatch.setattr(campaign_store, "BACKLOG_IMAGE_GROUP", 2)  # images read 2 messages at a time
    store = tmp_path / "s.duckdb"
    pictures = _pictures(7, 1000)
    writer = StoreWriter(store, "c")
    writer.add_outputs("draw", [], pictures)
    writer.add_outputs("caption", [p.id for p in pictures[:1]], [])  # the first one is handled already
    writer.close()
    campaign = Campaign.model_validate({"name": "c", "agents": [{"name": "caption", "use": "x"}]})
    resumed = campaign_store.CampaignStore(store, campaign, {"testing.picture": Picture})
    resumed.open({})
    try:
        groups = list(resumed.backlog("caption", ["testing.picture"], ["draw"], image_bytes=2500))
        at_once = list(resumed.backlog("caption", ["testing.picture"], ["draw"], image_bytes=10**9))
    finally:
        resumed.close("stopped")
    # 6 left to do: groups close once 2,500 image bytes are read, which 2 messages of 1,000 bytes do not reach
    assert [len(g) for g in groups] == [4, 2] and [len(g) for g in at_once] == [6]
    assert [m.image.data for g in groups for m in g] == [p.image.data for p in pictures[1:]]
