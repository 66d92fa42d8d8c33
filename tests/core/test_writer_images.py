"""The store writer and images: an image handed on from message to message is buffered and stored once, large
flushes of images are split into bounded statements, and buffered image bytes make a flush due before the timer."""

from __future__ import annotations

import os
from pathlib import Path

from synthloom.messages import Image
from synthloom.store import query
from synthloom.store import writer as store_writer
from synthloom.store.writer import BLOB_FLUSH_BYTES, StoreWriter
from tests.core.agents_for_tests import Picture


def _pictures(count: int, size: int) -> list[Picture]:
    return [Picture(id=f"p{i}", campaign="c", agent="draw", image=Image.from_bytes(os.urandom(size)),
                    caption=str(i)) for i in range(count)]


def test_an_image_handed_on_is_buffered_and_stored_once(tmp_path: Path) -> None:
    writer = StoreWriter(tmp_path / "s.duckdb", "c", flush_interval_s=3600)
    try:
        [first] = _pictures(1, 1000)
        later = [Picture(id=f"q{i}", campaign="c", agent="caption", image=first.image, caption="again")
                 for i in range(3)]
        writer.add_outputs("draw", [], [first])
        writer.add_outputs("caption", ["p0"], later)
        assert len(writer._buffers["blobs"]) == 1 and writer._blob_bytes == 1000
    finally:
        writer.close()
    assert query(tmp_path / "s.duckdb", "SELECT count(*), sum(octet_length(data)) FROM blobs")[1] == [(1, 1000)]


def test_image_bytes_make_a_flush_due(tmp_path: Path) -> None:
    writer = StoreWriter(tmp_path / "s.duckdb", "c", flush_interval_s=3600)
    try:
        writer.add_outputs("draw", [], _pictures(3, BLOB_FLUSH_BYTES // 4))
        assert not writer._wake.is_set()
        writer.add_outputs("draw", [], _pictures(2, BLOB_FLUSH_BYTES // 4)[1:])
        assert writer._wake.is_set()
    finally:
        writer.close()


def test_a_flush_of_many_images_is_split_into_bounded_inserts(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store_writer, "BLOB_INSERT_BYTES", 2500)
    statements: list[int] = []
    real = store_writer._by_size

    def counting(blobs, limit):
        for chunk in real(blobs, limit):
            statements.append(sum(len(data) for _, _, data in chunk))
            yield chunk

    monkeypatch.setattr(store_writer, "_by_size", counting)
    writer = StoreWriter(tmp_path / "s.duckdb", "c", flush_interval_s=3600)
    try:
        writer.add_outputs("draw", [], _pictures(5, 1000) + _pictures(1, 4000)[:1])
    finally:
        writer.close()
    assert statements == [2000, 2000, 1000, 4000]
    assert query(tmp_path / "s.duckdb", "SELECT count(*) FROM blobs")[1] == [(6,)]
